"""Configuration: validated once, errors that name the field, exit code 2."""

from __future__ import annotations

import pytest

from conftest import write_config
from nashra.aggregator.cli import main
from nashra.aggregator.config import ConfigError, load_config

GOOD = """\
database: sqlite:///var/nashra.db
output_dir: public
site_url: http://127.0.0.1:8080/
timezone: Asia/Riyadh
fetch:
  allow_private_networks: [127.0.0.0/8]
feeds:
  - name: بي بي سي عربي
    url: https://feeds.bbci.co.uk/arabic/rss.xml
    section: arab_world
    encoding: windows-1256
"""


def test_good_config(tmp_path):
    config = load_config(write_config(tmp_path, GOOD))
    assert config.database == f"sqlite:///{tmp_path.resolve()}/var/nashra.db"
    assert config.output_dir == tmp_path.resolve() / "public"
    assert config.feeds[0].encoding == "cp1256" and config.feeds[0].section == "arab_world"
    assert str(config.fetch.allow_private_networks[0]) == "127.0.0.0/8"
    assert "Nashra" in config.fetch.user_agent and config.fetch.max_body_bytes == 10 * 1024 * 1024


def test_shipped_feeds_yaml_is_valid():
    from conftest import REPO

    config = load_config(REPO / "feeds.yaml")
    assert len(config.feeds) >= 10


@pytest.mark.parametrize("change,message", [
    (("timezone: Asia/Riyadh", "timezone: Asia/Riyad"), r"feeds.yaml:4: timezone: unknown time zone"),
    (("output_dir: public", "output_dir: public\ncolour: red"), r"feeds.yaml:3: colour: unknown key"),
    (("    section: arab_world", "    section: sport"), r"feeds.yaml:10: feeds\[0\].section: must be one of"),
    (("    url: https://feeds.bbci.co.uk/arabic/rss.xml", "    url: feeds.bbci.co.uk/arabic"),
     r"feeds\[0\].url: not an http\(s\) URL"),
    (("    encoding: windows-1256", "    encoding: klingon"), r"feeds\[0\].encoding: unknown encoding"),
    (("    encoding: windows-1256", "    encoding: windows-1256\n    colour: x"), r"feeds\[0\].colour: unknown key"),
    (("  allow_private_networks: [127.0.0.0/8]", "  allow_private_networks: [bogus]"),
     r"fetch.allow_private_networks: bad CIDR"),
    (("fetch:", "fetch:\n  workers: many"), r"fetch.workers: expected a whole number"),
    (("fetch:", "stories:\n  retold_hours: -1\nfetch:"), r"feeds.yaml:6: stories.retold_hours: must be between 0 and"),
    (("  - name: بي بي سي عربي", "  - url: https://x.example/\n  - name: بي بي سي عربي"), r"feeds\[0\].name: required"),
])
def test_errors_name_the_field(tmp_path, change, message):
    path = write_config(tmp_path, GOOD.replace(*change))
    with pytest.raises(ConfigError, match=message):
        load_config(path)


def test_duplicate_feeds_are_refused(tmp_path):
    text = GOOD + "  - name: نسخة\n    url: https://feeds.bbci.co.uk/arabic/rss.xml/\n"
    with pytest.raises(ConfigError, match=r"feeds\[1\].url: duplicate feed, same url as feeds\[0\]"):
        load_config(write_config(tmp_path, text))
    text = GOOD + "  - name: بي بي سي عربي\n    url: https://other.example/rss\n"
    with pytest.raises(ConfigError, match=r"feeds\[1\].name: duplicate feed"):
        load_config(write_config(tmp_path, text))


def test_cli_exits_2_with_one_clear_line(tmp_path, capsys):
    path = write_config(tmp_path, GOOD.replace("timezone: Asia/Riyadh", "timezone: 5"))
    assert main(["--config", str(path), "status"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "timezone" in err and "configuration error" in err
    assert main(["--config", str(tmp_path / "missing.yaml"), "status"]) == 2
    assert "not found" in capsys.readouterr().err
    path.write_text("feeds: [unclosed", encoding="utf-8")
    assert main(["--config", str(path), "status"]) == 2
    assert "not valid YAML" in capsys.readouterr().err
