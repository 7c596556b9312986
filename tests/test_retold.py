"""Retellings, updates and editions: the retelling tier's pure decisions, and its limits in the store."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from conftest import feeds_config, rss
from nashra.aggregator.cli import main
from nashra.aggregator.cluster import fingerprint, story_score
from nashra.aggregator.cluster.decide import calendar_words, edition, ordinal_words, same_template_other_day
from nashra.aggregator.cluster.minhash import story_text
from nashra.aggregator.cluster.terms import story_terms
from nashra.aggregator.store import Store
from nashra.aggregator.store.stories import ITEMS_PER_KEY, add_bands, window_index

FIRE = ("حريق في سوق شعبي بمدينة الزرقاء يخلف 3 إصابات",
        "اندلع حريق كبير في سوق شعبي وسط مدينة الزرقاء صباح اليوم، وأصيب ثلاثة أشخاص بحروق طفيفة، فيما تعمل "
        "فرق الدفاع المدني على إخماده.")
FIRE_OUT = ("إخماد حريق سوق الزرقاء بعد أربع ساعات وارتفاع المصابين إلى 7",  # hours later: a new toll
            "تمكنت فرق الدفاع المدني من إخماد الحريق الذي اندلع في السوق الشعبي وسط مدينة الزرقاء بعد أربع ساعات، "
            "وارتفع عدد المصابين إلى سبعة نقلوا إلى مستشفى الزرقاء الحكومي.")
FLASH = ("انقطاع الكهرباء عن أحياء واسعة في بنغازي", "")
FULLER = ("شركة الكهرباء تعلن عطلا في محطة الشمال وتعد بعودة التيار إلى بنغازي وطبرق",  # one more town named
          "قالت الشركة العامة للكهرباء إن عطلا فنيا في محطة الشمال تسبب مساء اليوم في انقطاع الكهرباء عن أحياء "
          "واسعة في بنغازي وطبرق، وإن فرقها تعمل على إصلاحه.")
STATION_FIRE = ("حريق في محطة وقود ببنغازي دون إصابات",  # the same city, another event
                "اندلع حريق في محطة لتعبئة الوقود وسط بنغازي مساء اليوم وتمكنت فرق الإطفاء من السيطرة عليه دون "
                "تسجيل إصابات.")
ROUNDUP = ("أبرز أخبار الأحد", "المهدية: شلل في البرادعة لليوم الثاني، ووزير الصحة يفتتح قسما جديدا بمستشفى سوسة، "
                               "وانقطاع الكهرباء عن أحياء واسعة في بنغازي.")


def test_an_update_with_a_new_toll_joins_its_first_report():
    first, later = fingerprint(*FIRE), fingerprint(*FIRE_OUT)
    assert same_template_other_day(first.text, later.text)  # other figures: the copy tier would refuse them
    assert story_score(first, later, 0.5) == 0.5  # but told in other words, the figures are the update's
    assert set(first.retell_keys) & set(later.retell_keys)


def test_a_flash_joins_its_fuller_telling_but_not_another_event_in_its_city():
    flash, fuller, other = (fingerprint(*item) for item in (FLASH, FULLER, STATION_FIRE))
    assert flash.terms.names < fuller.terms.names  # the fuller one names a town more
    assert story_score(flash, fuller, 0.5) >= 0.5 and set(flash.retell_keys) & set(fuller.retell_keys)
    assert story_score(flash, other, 0.5) < 0.5


def test_a_roundup_joins_none_of_the_stories_it_lists():
    flash, roundup = fingerprint(*FLASH), fingerprint(*ROUNDUP)
    assert roundup.edition and not flash.edition
    assert story_score(flash, roundup, 0.5) < 0.5  # the flash is inside it, word for word
    assert edition(story_text("حالة الطقس: أمطار رعدية على الشمال", ""))
    assert edition(story_text("أسعار الذهب اليوم", ""))
    assert not edition(story_text("مصر ترفع أسعار الوقود 15 في المئة", ""))  # a price rise is an event


def test_one_template_naming_two_capitals_is_two_stories():
    rome = fingerprint("وزير الخارجية الجزائري يصل إلى روما في زيارة رسمية", "")
    madrid = fingerprint("وزير الخارجية الجزائري يصل إلى مدريد في زيارة رسمية",
                         "وصل وزير الخارجية الجزائري اليوم إلى العاصمة الإسبانية مدريد في زيارة رسمية.")
    assert story_score(rome, madrid, 0.5) == 0.0


def test_a_seat_of_government_names_its_state():
    ankara, = story_terms([story_text("أنقرة توافق على زيادة الإطلاقات المائية لنهر دجلة", "")])
    turkey, = story_terms([story_text("تركيا توافق على زيادة الإطلاقات المائية لنهر دجلة", "")])
    assert turkey.names <= ankara.names and "انقره" in ankara.names
    usa, = story_terms([story_text("الولايات المتحدة", "")])
    america, = story_terms([story_text("أمريكا", "واشنطن")])
    assert usa.names <= america.names  # one name for a state however it is called


def test_months_of_every_calendar_are_one_and_rounds_tell_editions_apart():
    assert calendar_words(story_text("التضخم في يناير", "")) == calendar_words(story_text("التضخم في جانفي", ""))
    assert calendar_words(story_text("في تشرين الأول", "")) == calendar_words(story_text("في أكتوبر", ""))
    assert ordinal_words(story_text("في تشرين الأول", "")) == frozenset()  # a month, not a first round
    assert ordinal_words(story_text("للسنة الثانية", "")) == ordinal_words(story_text("للعام الثاني", ""))
    first, second = (story_text(f"نتائج السادس الإعدادي الدور {n}", "") for n in ("الأول", "الثاني"))
    assert same_template_other_day(first, second)
    may, june = (story_text(f"الإعلان عن أسعار البنزين لشهر {m} في الإمارات", f"مقابل {p} في أبريل")
                 for m, p in (("مايو", "3.22"), ("يونيو", "3.15")))
    assert same_template_other_day(may, june)


def test_a_busy_key_gives_only_its_newest_items(database):
    store = Store(database)
    now = datetime(2026, 11, 20, tzinfo=timezone.utc)
    stamp = int(now.timestamp())
    with store.begin() as conn:
        add_bands(conn, [(7, item, stamp + item) for item in range(1, 21)] + [(9, 50, stamp), (9, 51, stamp)])
    with store.begin() as conn:
        by_key, _ = window_index(conn, [7, 9, 11], [], now - timedelta(hours=1), now + timedelta(hours=1))
    assert sorted(i for i, _ in by_key[7]) == list(range(21 - ITEMS_PER_KEY, 21))
    assert sorted(by_key[9]) == [(50, stamp), (51, stamp)] and 11 not in by_key
    store.close()


def test_a_retelling_a_day_later_is_another_story(tmp_path, server, capsys):
    """Copies join across the whole window; tellings in other words only within `stories.retold_hours`."""
    def item(guid, title, text, when):
        return {"title": title, "guid": guid, "link": f"https://x.example/{guid}", "date": when, "description": text}

    a = server.route("/a", rss([item("fire", *FIRE, "Sun, 22 Nov 2026 09:00:00 +0300")]))
    b = server.route("/b", rss([item("fire-out", *FIRE_OUT, "Sun, 22 Nov 2026 14:00:00 +0300"),
                                item("flash", *FLASH, "Sun, 22 Nov 2026 18:00:00 +0300")], title="صحيفة ب"))
    c = server.route("/c", rss([item("fuller", *FULLER, "Mon, 23 Nov 2026 20:00:00 +0300")], title="صحيفة ج"))
    cfg = str(feeds_config(tmp_path, [("أ", a), ("ب", b), ("ج", c)], schedule=("once_join_seconds: 0",)))
    assert main(["--config", cfg, "run", "--once"]) == 0
    capsys.readouterr()
    assert main(["--config", cfg, "stories", "list", "--json"]) == 0
    stories = json.loads(capsys.readouterr().out)
    listed = sorted(sorted(i["link"].rsplit("/", 1)[1] for i in s["items"]) for s in stories)
    assert listed == [["fire", "fire-out"], ["flash"], ["fuller"]]  # the fuller telling came 26 hours on
