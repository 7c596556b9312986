"""Topics in the pipeline: every stored item scored, categories in Atom, topic feeds, corrections that win,
the classifier commands on the project's store, and a corrupt model that does not stop polling."""

from __future__ import annotations

import json

import feedparser

from conftest import rss, write_config
from nashra.aggregator.cli import main

ATOM_NS = "{http://www.w3.org/2005/Atom}"
STORIES = [
    {"title": "مقتل ثلاثة جنود في هجوم بعبوة ناسفة على دورية عسكرية شمال العراق", "guid": "s1",
     "link": "https://n.example/1", "date": "Sat, 28 Nov 2026 08:00:00 +0300",
     "description": "قالت خلية الإعلام الأمني إن عبوة ناسفة استهدفت دورية للجيش العراقي قرب الموصل ما أدى إلى مقتل ثلاثة جنود."},
    {"title": "قمة لحلف الناتو في بروكسل لبحث الدعم العسكري لأوكرانيا", "guid": "s2",
     "link": "https://n.example/2", "date": "Sat, 28 Nov 2026 09:00:00 +0300",
     "description": "يجتمع قادة دول حلف شمال الأطلسي لمناقشة إرسال أنظمة دفاع جوي جديدة إلى كييف في ظل تصاعد الهجمات الروسية."},
    {"title": "البرلمان المغربي يصادق على قانون المالية للسنة المقبلة", "guid": "s3",
     "link": "https://n.example/3", "date": "Sat, 28 Nov 2026 10:00:00 +0300",
     "description": "صادق مجلس النواب المغربي بالأغلبية على مشروع قانون المالية بعد نقاش حول الضرائب والدعم الاجتماعي."},
    {"title": "نصائح غذائية للحفاظ على صحة القلب في فصل الشتاء", "guid": "s4",
     "link": "https://n.example/4", "date": "Sat, 28 Nov 2026 11:00:00 +0300",
     "description": "ينصح أطباء التغذية بالإكثار من الخضروات والأسماك وتقليل الملح والسكريات مع ممارسة المشي نصف ساعة يوميا."},
]


def config(tmp_path, url) -> str:
    return str(write_config(tmp_path, "\n".join([
        "database: sqlite:///var/nashra.db", "site_url: https://nashra.example/", "fetch:",
        "  allow_private_networks: [127.0.0.1/32]", "feeds:", "  - name: وكالة", f"    url: {url}"]) + "\n"))


def categories(path) -> dict[str, set[str]]:
    parsed = feedparser.parse(path.read_bytes())
    return {e.title: {t.term for t in e.get("tags", [])} for e in parsed.entries}


def test_items_get_topics_and_topic_feeds(tmp_path, server):
    cfg = config(tmp_path, server.route("/feed", rss(STORIES)))
    assert main(["--config", cfg, "run", "--once"]) == 0
    public = tmp_path / "public"
    cats = categories(public / "feed.atom")
    assert {"arab_world", "security"} <= cats[STORIES[0]["title"]]
    assert {"international", "security"} <= cats[STORIES[1]["title"]]
    assert "arab_world" in cats[STORIES[2]["title"]] and "security" not in cats[STORIES[2]["title"]]
    assert cats[STORIES[3]["title"]] == set()
    labels = {t.label for e in feedparser.parse((public / "feed.atom").read_bytes()).entries for t in e.get("tags", [])}
    assert {"العالم العربي", "دولي", "أمن"} <= labels
    security = {e.title for e in feedparser.parse((public / "topics" / "security.atom").read_bytes()).entries}
    assert security == {STORIES[0]["title"], STORIES[1]["title"]}
    assert (tmp_path / "var" / "model.joblib").exists()  # trained on first start


def test_a_correction_wins_now_and_after_retraining(tmp_path, server, capsys):
    cfg = config(tmp_path, server.route("/feed", rss(STORIES)))
    assert main(["--config", cfg, "run", "--once"]) == 0
    assert main(["--config", cfg, "stories", "correct", "https://n.example/4", "international"]) == 0
    assert categories(tmp_path / "public" / "feed.atom")[STORIES[3]["title"]] == {"international"}
    corrections = (tmp_path / "var" / "corrections.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(corrections[0])["labels"] == ["international"]
    assert main(["--config", cfg, "classifier", "train", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "correction 1" in out and "re-scored 4 stored items" in out
    assert categories(tmp_path / "public" / "feed.atom")[STORIES[3]["title"]] == {"international"}
    assert main(["--config", cfg, "stories", "correct", "4", "sport"]) == 2


def test_evaluate_json_contract(tmp_path, server, capsys):
    cfg = config(tmp_path, server.route("/feed", rss(STORIES)))
    data = tmp_path / "eval.jsonl"
    data.write_text("\n".join(json.dumps({"title": s["title"], "summary": s["description"], "labels": labels},
                                         ensure_ascii=False)
                              for s, labels in zip(STORIES, [["arab_world", "security"], ["international", "security"],
                                                             ["arab_world"], []])) + "\n", encoding="utf-8")
    assert main(["--config", cfg, "classifier", "evaluate", "--data", str(data), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"micro_f1", "macro_f1", "topics"}
    assert set(result["topics"]) == {"arab_world", "international", "security"}
    assert set(result["topics"]["security"]) == {"precision", "recall", "f1", "support"}
    assert result["topics"]["security"]["support"] == 2 and result["macro_f1"] > 0.6


def test_corrupt_model_is_set_aside_and_polling_goes_on(tmp_path, server, capsys):
    cfg = config(tmp_path, server.route("/feed", rss(STORIES)))
    model = tmp_path / "var" / "model.joblib"
    model.parent.mkdir(parents=True)
    model.write_bytes(b"\x80\x04 this is not a model")
    assert main(["--config", cfg, "run", "--once"]) == 0
    assert "4 new items" in capsys.readouterr().out
    assert (tmp_path / "var" / "model.joblib.unusable").exists() and model.exists()
    assert categories(tmp_path / "public" / "feed.atom")[STORIES[0]["title"]]
