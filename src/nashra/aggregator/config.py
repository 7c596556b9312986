"""feeds.yaml parsed once, at start, into typed objects.

Every option stands in one table per section below with its type, default and check, so a reader sees all
defaults in one place (Miniflux's options.go). Errors name the file, line, field and problem, and the CLI
exits 2 on them.
"""

from __future__ import annotations

import codecs
import dataclasses
import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

TOPIC_IDS = ("arab_world", "international", "security")


class ConfigError(Exception):
    """A problem in the configuration file; the message names where and what."""


@dataclass(frozen=True)
class FeedConfig:
    name: str
    url: str
    section: str | None = None
    encoding: str | None = None


@dataclass(frozen=True)
class FetchConfig:
    allow_private_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 30.0
    max_body_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    workers: int = 8
    per_host: int = 2
    user_agent: str = ""


@dataclass(frozen=True)
class ScheduleConfig:
    tick_seconds: int = 60
    min_interval_minutes: float = 10
    max_interval_hours: float = 24
    max_backoff_hours: float = 24
    lease_seconds: int = 300
    once_join_seconds: int = 15  # PostgreSQL: a `run --once` this soon after another's end joins its cycle


@dataclass(frozen=True)
class StoriesConfig:
    window_hours: float = 72
    retold_hours: float = 24  # a retelling or an update (not a copy) joins only an item this close in time
    threshold: float = 0.5
    max_items: int = 50
    representative: str = "earliest"


@dataclass(frozen=True)
class SmtpConfig:
    host: str = "localhost"
    port: int = 587
    security: str = "starttls"  # starttls | tls | none
    username: str | None = None
    password_env: str = "NASHRA_SMTP_PASSWORD"  # the password is read from this variable, never the file
    ca_file: str | None = None  # a private CA to trust (besides the system's)
    timeout: float = 30.0


@dataclass(frozen=True)
class DigestConfig:
    time: str = "07:00"  # local time the daemon writes (and sends) the previous day's digest
    max_per_section: int = 12
    recipients: tuple[str, ...] = ()
    sender: str = "Nashra <nashra@localhost>"
    smtp: SmtpConfig = field(default_factory=SmtpConfig)


@dataclass(frozen=True)
class ClassifierConfig:
    model: Path = Path("var/model.joblib")
    corrections: Path = Path("var/corrections.jsonl")


@dataclass(frozen=True)
class Config:
    path: Path
    database: str
    database_busy_timeout: float
    output_dir: Path
    site_url: str
    timezone: ZoneInfo
    title: str
    retention_days: int
    max_entries: int
    listen: str
    fetch: FetchConfig
    schedule: ScheduleConfig
    stories: StoriesConfig = field(default_factory=StoriesConfig)
    digest: DigestConfig = field(default_factory=DigestConfig)
    classifier: ClassifierConfig = field(default_factory=ClassifierConfig)
    feeds: tuple[FeedConfig, ...] = field(default_factory=tuple)

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    @property
    def model_path(self) -> Path:
        return self.classifier.model

    @property
    def corrections_path(self) -> Path:
        return self.classifier.corrections


# --- checks -------------------------------------------------------------------------------------------


def check_http_url(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a URL string, got {type(value).__name__}")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {value!r}")
    return value.strip()


def _nonempty_str(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a non-empty string")
    return value.strip()


def _database_url(value: Any) -> str:
    url = _nonempty_str(value)
    if url.startswith("sqlite:///") or url.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        return url
    raise ValueError(f"{url.split('://', 1)[0] if '://' in url else url!r} is not a supported database: "
                     "use sqlite:///PATH or postgresql://USER[:PASSWORD]@HOST[:PORT]/NAME")


def _number(low: float, high: float) -> Callable[[Any], float]:
    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"expected a number, got {type(value).__name__}")
        if not low <= value <= high:
            raise ValueError(f"must be between {low:g} and {high:g}, got {value}")
        return value

    return check


def _integer(low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected a whole number, got {value!r}")
        return int(_number(low, high)(value))

    return check


def _section(value: Any) -> str | None:
    if value is None:
        return None
    if value not in TOPIC_IDS:
        raise ValueError(f"must be one of {', '.join(TOPIC_IDS)}, got {value!r}")
    return value


def _encoding(value: Any) -> str | None:
    if value is None:
        return None
    try:
        return codecs.lookup(_nonempty_str(value)).name
    except LookupError:
        raise ValueError(f"unknown encoding {value!r}") from None


def _networks(value: Any) -> tuple:
    if not isinstance(value, list):
        raise ValueError("expected a list of CIDRs such as 127.0.0.0/8")
    try:
        return tuple(ipaddress.ip_network(str(v), strict=False) for v in value)
    except ValueError as exc:
        raise ValueError(f"bad CIDR: {exc}") from None


def _zone(value: Any) -> ZoneInfo:
    try:
        return ZoneInfo(_nonempty_str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Asia/Riyadh)") from None


def _listen(value: Any) -> str:
    host, sep, port = _nonempty_str(value).rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"expected HOST:PORT, got {value!r}")
    return value


# key: (check, default). A default of ... means required.
_TOP = {
    "database": (_database_url, "sqlite:///var/nashra.db"),
    "database_busy_timeout": (_number(0.1, 3600), 30.0),
    "output_dir": (_nonempty_str, "public"),
    "site_url": (check_http_url, "http://127.0.0.1:8080/"),
    "timezone": (_zone, "Asia/Riyadh"),
    "title": (_nonempty_str, "نشرة"),
    "retention_days": (_integer(1, 3650), 60),
    "max_entries": (_integer(1, 10000), 200),
    "listen": (_listen, "127.0.0.1:8080"),
    "fetch": (None, {}),
    "schedule": (None, {}),
    "stories": (None, {}),
    "digest": (None, {}),
    "classifier": (None, {}),
    "feeds": (None, []),
}
def _with_defaults(cls: type, checks: dict[str, Callable[[Any], Any] | None], *, renamed: dict[str, str] | None = None,
                   **overrides: Any) -> dict[str, tuple]:
    """An option table whose defaults are the dataclass's own: each default is written once. `renamed`: keys
    whose field has another name; `overrides`: defaults in the file's form (a list for a tuple field)."""
    defaults = {f.name: f.default for f in dataclasses.fields(cls)}
    fields = renamed or {}
    return {key: (check, overrides[key] if key in overrides else defaults[fields.get(key, key)])
            for key, check in checks.items()}


_FETCH = _with_defaults(FetchConfig, {
    "allow_private_networks": _networks,
    "connect_timeout": _number(0.1, 300),
    "read_timeout": _number(0.1, 600),
    "total_timeout": _number(0.1, 900),
    "max_body_bytes": _integer(1024, 1 << 30),
    "max_redirects": _integer(0, 20),
    "workers": _integer(1, 256),
    "per_host": _integer(1, 64),
    "user_agent": _nonempty_str,
}, allow_private_networks=[], user_agent=None)  # None: filled in with Nashra's version below
_SCHEDULE = _with_defaults(ScheduleConfig, {
    "tick_seconds": _integer(1, 3600),
    "min_interval_minutes": _number(0.01, 24 * 60),
    "max_interval_hours": _number(0.01, 24 * 30),
    "max_backoff_hours": _number(0.01, 24 * 30),
    "lease_seconds": _integer(5, 86400),
    "once_join_seconds": _integer(0, 3600),
})


def _one_of(*choices: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}, got {value!r}")
        return value

    return check


_STORIES = _with_defaults(StoriesConfig, {
    "window_hours": _number(1, 24 * 30),
    "retold_hours": _number(0, 24 * 30),
    "threshold": _number(0.05, 1.0),
    "max_items": _integer(2, 10000),
    "representative": _one_of("earliest", "longest"),
})


def _clock(value: Any) -> str:
    text = str(value).strip()
    hour, sep, minute = text.partition(":")
    if not sep or not hour.isdigit() or not minute.isdigit() or int(hour) > 23 or int(minute) > 59:
        raise ValueError(f"expected a local time HH:MM, got {value!r}")
    return f"{int(hour):02d}:{int(minute):02d}"


def _addresses(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and "@" in v for v in value):
        raise ValueError("expected a list of email addresses")
    return tuple(v.strip() for v in value)


def _optional_str(value: Any) -> str | None:
    return None if value is None else _nonempty_str(value)


_SMTP = _with_defaults(SmtpConfig, {
    "host": _nonempty_str,
    "port": _integer(1, 65535),
    "security": _one_of("starttls", "tls", "none"),
    "username": _optional_str,
    "password_env": _nonempty_str,
    "ca_file": _optional_str,
    "timeout": _number(1, 600),
})
_DIGEST = _with_defaults(DigestConfig, {
    "time": _clock,
    "max_per_section": _integer(1, 200),
    "recipients": _addresses,
    "from": _nonempty_str,
    "smtp": None,
}, renamed={"from": "sender"}, recipients=[], smtp={})


def _path(value: Any) -> str:
    return str(value) if isinstance(value, Path) else _nonempty_str(value)


_CLASSIFIER = _with_defaults(ClassifierConfig, {"model": _path, "corrections": _path})

_FEED = {
    "name": (_nonempty_str, ...),
    "url": (check_http_url, ...),
    "section": (_section, None),
    "encoding": (_encoding, None),
}


def _line(node: Any, key: Any = None) -> str:
    """`:LINE` of a key (or of the node) in the YAML file, when ruamel kept it."""
    try:
        if key is not None and hasattr(node, "lc"):
            return f":{node.lc.key(key)[0] + 1}"
        if hasattr(node, "lc"):
            return f":{node.lc.line + 1}"
    except (KeyError, TypeError, AttributeError):
        pass
    return ""


def _read_table(path: Path, node: Any, table: dict, where: str) -> dict[str, Any]:
    if node is None:
        node = {}
    if not isinstance(node, dict):
        raise ConfigError(f"{path}{_line(node)}: {where or 'the file'}: expected a mapping of keys to values")
    unknown = [k for k in node if k not in table]
    if unknown:
        key = unknown[0]
        raise ConfigError(
            f"{path}{_line(node, key)}: {where}{'.' if where else ''}{key}: unknown key "
            f"(known: {', '.join(table)})"
        )
    values = {}
    for key, (check, default) in table.items():
        name = f"{where}.{key}" if where else key
        if key not in node:
            if default is ...:
                raise ConfigError(f"{path}{_line(node)}: {name}: required")
            values[key] = check(default) if check and default is not None else default
            continue
        try:
            values[key] = check(node[key]) if check else node[key]
        except ValueError as exc:
            raise ConfigError(f"{path}{_line(node, key)}: {name}: {exc}") from None
    return values


def _resolve_database(url: str, base: Path) -> str:
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        rel = url.removeprefix("sqlite:///")
        if rel and rel != ":memory:":
            return f"sqlite:///{(base / rel).resolve()}"
    return url


def parse_config(data: Any, path: Path) -> Config:
    """Turn the loaded YAML into a Config, or raise ConfigError naming the field."""
    top = _read_table(path, data, _TOP, "")
    fetch = _read_table(path, top["fetch"], _FETCH, "fetch")
    if fetch["user_agent"] is None:
        from nashra import __version__

        fetch["user_agent"] = f"Nashra/{__version__} (Arabic news aggregator; +{top['site_url']})"
    schedule = _read_table(path, top["schedule"], _SCHEDULE, "schedule")
    stories = _read_table(path, top["stories"], _STORIES, "stories")
    digest = _read_table(path, top["digest"], _DIGEST, "digest")
    smtp = _read_table(path, digest.pop("smtp"), _SMTP, "digest.smtp")
    digest["sender"] = digest.pop("from")
    classifier = _read_table(path, top["classifier"], _CLASSIFIER, "classifier")
    raw_feeds = top["feeds"]
    if not isinstance(raw_feeds, list):
        raise ConfigError(f"{path}{_line(data, 'feeds')}: feeds: expected a list of feeds")
    feeds: list[FeedConfig] = []
    seen_urls: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    for i, node in enumerate(raw_feeds):
        values = _read_table(path, node, _FEED, f"feeds[{i}]")
        feed = FeedConfig(**values)
        key = feed.url.rstrip("/").lower()
        for seen, value, what in ((seen_urls, key, "url"), (seen_names, feed.name, "name")):
            if value in seen:
                raise ConfigError(
                    f"{path}{_line(node, what)}: feeds[{i}].{what}: duplicate feed, "
                    f"same {what} as feeds[{seen[value]}]: {getattr(feed, what)!r}"
                )
            seen[value] = i
        feeds.append(feed)
    base = path.resolve().parent
    return Config(
        path=path.resolve(),
        database=_resolve_database(top["database"], base),
        database_busy_timeout=top["database_busy_timeout"],
        output_dir=(base / top["output_dir"]).resolve(),
        site_url=top["site_url"].rstrip("/") + "/",
        timezone=top["timezone"],
        title=top["title"],
        retention_days=top["retention_days"],
        max_entries=top["max_entries"],
        listen=top["listen"],
        fetch=FetchConfig(**{**fetch, "allow_private_networks": tuple(fetch["allow_private_networks"])}),
        schedule=ScheduleConfig(**schedule),
        stories=StoriesConfig(**stories),
        digest=DigestConfig(**digest, smtp=SmtpConfig(**smtp)),
        classifier=ClassifierConfig(**{k: (path.resolve().parent / v).resolve() for k, v in classifier.items()}),
        feeds=tuple(feeds),
    )


def load_config(path: Path) -> Config:
    """Read and validate the configuration file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found (use --config FILE)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    try:
        data = YAML(typ="rt").load(text)
    except YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}".replace("\n", " ")) from None
    return parse_config(data, path)
