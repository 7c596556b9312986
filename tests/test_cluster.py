"""Near-duplicate stories: the pure parts, then end to end across outlets with a user's split."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

from conftest import feeds_config, rss, sample_items
from nashra.aggregator.cli import main
from nashra.aggregator.cluster import fingerprint, fingerprints, story_score
from nashra.aggregator.cluster.decide import Candidate, choose_story
from nashra.aggregator.cluster.minhash import band_keys, jaccard, shingles, signature, similarity, story_text

WIRE_TITLE = "مقتل خمسة أشخاص في انفجار عبوة ناسفة بسوق شعبي في الموصل"
WIRE_TEXT = ("قالت مصادر أمنية عراقية إن خمسة أشخاص قتلوا وأصيب عشرة آخرون في انفجار عبوة ناسفة استهدف "
             "سوقا شعبيا في مدينة الموصل شمالي العراق صباح اليوم الأحد، فيما فرضت القوات الأمنية طوقا حول المكان.")
EDITED_TITLE = "عاجل: مقتل 5 اشخاص في انفجار عبوة ناسفة بسوق شعبي فى الموصل"
EDITED_TEXT = ("قالت مصادر امنية عراقية ان خمسة اشخاص قتلوا واصيب عشرة اخرون في انفجار عبوة ناسفة استهدف "
               "سوقاً شعبياً في مدينة الموصل، شمالي العراق.")
OTHER_TITLE = "مقتل ثلاثة من عناصر الشرطة في هجوم على حاجز أمني جنوب كركوك"
OTHER_TEXT = "أعلنت الشرطة العراقية مقتل ثلاثة من عناصرها في هجوم مسلح على حاجز أمني جنوب كركوك الليلة الماضية."


def test_same_story_is_similar_and_another_is_not():
    wire = shingles(story_text(WIRE_TITLE, WIRE_TEXT))
    edited = shingles(story_text(EDITED_TITLE, EDITED_TEXT))
    other = shingles(story_text(OTHER_TITLE, OTHER_TEXT))
    assert jaccard(wire, edited) >= 0.5 > 0.2 > jaccard(wire, other)
    assert set(band_keys(signature(wire))) & set(band_keys(signature(edited)))
    assert not set(band_keys(signature(wire))) & set(band_keys(signature(other)))
    assert jaccard(wire, wire) == 1.0 and jaccard(wire, np.zeros(0, dtype=np.uint32)) == 0.0


def test_format_words_carry_no_weight():
    assert story_text("عاجل | بالفيديو: انفجار في الموصل", "") == story_text("انفجار في الموصل", "")


def test_band_keys_are_the_same_in_another_process():
    code = ("from nashra.aggregator.cluster.minhash import *; import sys; "
            f"print(band_keys(signature(shingles(story_text({WIRE_TITLE!r}, {WIRE_TEXT!r})))))")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(other) == band_keys(signature(shingles(story_text(WIRE_TITLE, WIRE_TEXT))))


def test_batched_fingerprints_equal_one_at_a_time():
    """The parse workers fingerprint a feed at once; the values must be those of the stored band keys."""
    from conftest import HEADLINES

    pairs = [(WIRE_TITLE, WIRE_TEXT), (EDITED_TITLE, EDITED_TEXT), ("", ""), ("أ", ""), ("عاجل: خبر", "نص"),
             *[(t, d) for t, d in HEADLINES], ("عاجل | " + OTHER_TITLE, OTHER_TEXT * 3)]
    batched = fingerprints(pairs)
    for (title, text), got in zip(pairs, batched):
        one = fingerprint(title, text)
        assert got.keys == one.keys and got.text == one.text and list(got.shingles) == list(one.shingles)
    assert fingerprints([]) == []


def test_one_template_about_two_countries_is_two_stories():
    from nashra.aggregator.cluster.decide import same_template_other_day

    tunisia = story_text("انطلاق الانتخابات الرئاسية في تونس وسط إقبال ضعيف",
                         "فتحت مراكز الاقتراع أبوابها صباح اليوم في الانتخابات الرئاسية التونسية وسط إقبال ضعيف")
    algeria = story_text("انطلاق الانتخابات الرئاسية في الجزائر وسط إقبال ضعيف",
                         "فتحت مراكز الاقتراع أبوابها صباح اليوم في الانتخابات الرئاسية الجزائرية وسط إقبال ضعيف")
    copy = story_text("عاجل: انطلاق الانتخابات الرئاسية في تونس وسط إقبال ضعيف",
                      "فتحت مراكز الاقتراع أبوابها صباح اليوم في الانتخابات الرئاسية التونسية وسط إقبال ضعيف، "
                      "بحضور مراقبين من الولايات المتحدة")  # a copy that adds a country: still the story
    assert similarity(shingles(tunisia), shingles(algeria)) >= 0.5  # the shingles alone would merge them
    assert same_template_other_day(tunisia, algeria)
    assert not same_template_other_day(tunisia, copy)
    assert not same_template_other_day(story_text("أمير قطر يتلقى اتصالا من الرئيس الأمريكي", ""),
                                       story_text("أمير قطر يتلقى اتصالاً من الرئيس الأميركي", ""))


def test_choose_story():
    cands = [Candidate(1, 10, 0.45, 3), Candidate(2, 20, 0.7, 3), Candidate(3, 30, 0.9, 50)]
    assert choose_story(cands).story_id == 20  # best with room; 30 is full
    assert choose_story(cands, max_size=100).story_id == 30
    assert choose_story([Candidate(1, 10, 0.49, 1)]) is None


def test_one_story_across_outlets_and_a_split_that_sticks(tmp_path, server, capsys, database):
    own = sample_items(2, "أ")
    wire_a = {"title": WIRE_TITLE, "guid": "a-wire", "link": "https://a.example/wire",
              "date": "Sun, 22 Nov 2026 09:00:00 +0300", "description": WIRE_TEXT}
    wire_b = {"title": EDITED_TITLE, "guid": "b-wire", "link": "https://b.example/wire",
              "date": "Sun, 22 Nov 2026 09:40:00 +0300", "description": EDITED_TEXT}
    other = {"title": OTHER_TITLE, "guid": "b-other", "link": "https://b.example/other",
             "date": "Sun, 22 Nov 2026 10:00:00 +0300", "description": OTHER_TEXT}
    a = server.route("/a", rss(own + [wire_a]))
    b = server.route("/b", rss([wire_b, other], title="صحيفة ب"))
    cfg = str(feeds_config(tmp_path, [("المصدر أ", a), ("المصدر ب", b)], database=database,
                           schedule=("once_join_seconds: 0",)))
    assert main(["--config", cfg, "run", "--once"]) == 0
    capsys.readouterr()
    assert main(["--config", cfg, "stories", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed) == 4  # 5 items, the wire story told twice
    wire = [s for s in listed if len(s["items"]) == 2]
    assert len(wire) == 1 and wire[0]["title"] == WIRE_TITLE  # the earliest item represents the story
    assert {i["feed"] for i in wire[0]["items"]} == {"المصدر أ", "المصدر ب"}
    assert {i["link"] for i in wire[0]["items"]} == {"https://a.example/wire", "https://b.example/wire"}
    atom = (tmp_path / "public" / "feed.atom").read_text(encoding="utf-8")
    assert atom.count("<entry>") == 4 and "أوردته أيضاً" in atom and 'rel="related"' in atom

    assert main(["--config", cfg, "stories", "split", "https://b.example/wire"]) == 0
    capsys.readouterr()
    server.route("/a", rss(own + [wire_a, {**wire_a, "guid": "a-wire-2", "link": "https://a.example/wire2"}]))
    assert main(["--config", cfg, "run", "--once"]) == 0  # a re-post joins the original, not the split item
    capsys.readouterr()
    assert main(["--config", cfg, "stories", "list", "--json", "--since", "2026-11-22"]) == 0
    listed = json.loads(capsys.readouterr().out)
    sizes = sorted(len(s["items"]) for s in listed)
    assert sizes == [1, 1, 2]  # since the 22nd: the wire story with its re-post, the split item, another
    split = [s for s in listed if s["items"][0]["link"] == "https://b.example/wire"]
    assert len(split) == 1 and len(split[0]["items"]) == 1
    assert main(["--config", cfg, "stories", "list", "--since", "yesterday"]) == 2


def test_editions_of_a_recurring_item_are_different_stories():
    from nashra.aggregator.cluster.decide import same_template_other_day

    gold_mon = story_text("أسعار الذهب اليوم في مصر: عيار 21 يسجل 3680 جنيها",
                          "سجل سعر جرام الذهب عيار 21 اليوم الاثنين 3680 جنيها وبلغ سعر الجنيه الذهب 29440 جنيها.")
    gold_tue = story_text("أسعار الذهب اليوم في مصر: عيار 21 يسجل 3715 جنيها",
                          "سجل سعر جرام الذهب عيار 21 اليوم الثلاثاء 3715 جنيها وبلغ سعر الجنيه الذهب 29720 جنيها.")
    assert jaccard(shingles(gold_mon), shingles(gold_tue)) >= 0.5  # alike as shingles ...
    assert same_template_other_day(gold_mon, gold_tue)  # ... but another day and other figures
    copy = story_text(EDITED_TITLE, EDITED_TEXT)
    assert not same_template_other_day(story_text(WIRE_TITLE, WIRE_TEXT), copy)  # "خمسة" vs "5": kept


def test_a_bare_headline_joins_its_full_copy():
    from nashra.aggregator.cluster.minhash import similarity

    full = shingles(story_text(WIRE_TITLE, WIRE_TEXT))
    headline = shingles(story_text("عاجل | " + WIRE_TITLE, ""))
    assert jaccard(full, headline) < 0.5 <= similarity(full, headline)
    other = shingles(story_text(OTHER_TITLE, ""))
    assert similarity(full, other) < 0.5
    # their bands rarely meet at so low a Jaccard; the shared title makes them candidates all the same
    with_text, bare = fingerprint(WIRE_TITLE, WIRE_TEXT), fingerprint("عاجل | " + WIRE_TITLE, "")
    assert len(with_text.keys) == len(bare.keys) == 33 and with_text.keys[-1] == bare.keys[-1]
    assert len(fingerprint("أخبار اليوم", "نص").keys) == 32  # a title of a few words gives no key
    assert fingerprint(OTHER_TITLE, OTHER_TEXT).keys[-1] != with_text.keys[-1]


def test_a_copy_with_a_cut_lede_joins_its_full_copy():
    """Containment, not Jaccard, when one copy is shorter (here three quarters of the lede cut)."""
    full = shingles(story_text(WIRE_TITLE, WIRE_TEXT))
    cut = shingles(story_text(WIRE_TITLE, WIRE_TEXT[: len(WIRE_TEXT) // 4]))
    assert jaccard(full, cut) < 0.5 <= similarity(full, cut)
    assert similarity(full, shingles(story_text(OTHER_TITLE, OTHER_TEXT))) < 0.5


RAID_A = ("غارات جوية روسية تستهدف ريف إدلب الجنوبي وتوقع قتلى مدنيين",
          "قال الدفاع المدني السوري إن غارات جوية روسية استهدفت بلدات في ريف إدلب الجنوبي صباح اليوم، ما أسفر عن "
          "مقتل سبعة مدنيين بينهم أطفال وإصابة آخرين.")
RAID_B = ("مقتل سبعة مدنيين بقصف جوي روسي على جنوب إدلب",  # the same raid in another outlet's words
          "أعلن الدفاع المدني السوري مقتل سبعة مدنيين، بينهم أطفال، جراء قصف نفذته طائرات حربية روسية على بلدات "
          "جنوبي محافظة إدلب، وإصابة آخرين بجروح.")
RAID_ALEPPO = ("قصف روسي على أحياء حلب الشرقية يوقع قتلى",  # the same kind of event elsewhere
               "أفاد ناشطون سوريون بأن طائرات روسية قصفت أحياء في شرق مدينة حلب ليلا، ما أدى إلى سقوط خمسة قتلى "
               "وعدد من الجرحى وتدمير مبان سكنية.")
HOSPITAL_IDLIB = ("افتتاح مستشفى ميداني جديد في مدينة إدلب بدعم روسي",  # the same place and names, another event
                  "افتتحت منظمة إغاثية سورية مستشفى ميدانيا جديدا في إدلب بتمويل روسي، يضم غرف عمليات وقسما للأطفال.")


def test_one_event_told_in_other_words_is_one_story():
    a, b, aleppo, hospital = (fingerprint(*item) for item in (RAID_A, RAID_B, RAID_ALEPPO, HOSPITAL_IDLIB))
    assert similarity(a.shingles, b.shingles) < 0.3  # no copy: the words are the outlet's own
    assert story_score(a, b, 0.5) == 0.5  # same names, much the same content words: it joins, below any copy
    assert set(a.retell_keys) & set(b.retell_keys)  # and the two meet under a retelling key
    assert story_score(a, aleppo, 0.5) < 0.5  # Aleppo is not Idlib
    assert story_score(a, hospital, 0.5) < 0.5  # the same names, but a hospital is not a raid
    assert {"روس", "سور", "ادلب"} <= a.terms.names  # one spelling for روسية / روسي, السوري / سورية


def test_a_retelling_joins_its_story_through_the_store(tmp_path, server, capsys):
    def item(guid, title, text, hour):
        return {"title": title, "guid": guid, "link": f"https://x.example/{guid}",
                "date": f"Sun, 22 Nov 2026 {hour:02d}:00:00 +0300", "description": text}

    a = server.route("/a", rss([item("a-raid", *RAID_A, 9)]))
    b = server.route("/b", rss([item("b-raid", *RAID_B, 10), item("b-aleppo", *RAID_ALEPPO, 11),
                                item("b-hospital", *HOSPITAL_IDLIB, 12)], title="صحيفة ب"))
    cfg = str(feeds_config(tmp_path, [("المصدر أ", a), ("المصدر ب", b)], schedule=("once_join_seconds: 0",)))
    assert main(["--config", cfg, "run", "--once"]) == 0
    capsys.readouterr()
    assert main(["--config", cfg, "stories", "list", "--json"]) == 0
    listed = {s["title"]: sorted(i["link"] for i in s["items"]) for s in json.loads(capsys.readouterr().out)}
    assert listed == {RAID_A[0]: ["https://x.example/a-raid", "https://x.example/b-raid"],
                      RAID_ALEPPO[0]: ["https://x.example/b-aleppo"], HOSPITAL_IDLIB[0]: ["https://x.example/b-hospital"]}
