"""Sanitising, plain text, canonical links, titles and identity; properties with hypothesis."""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from nashra.aggregator.clean import canonical_url, html_to_text, sanitize_html, title_from_text
from nashra.aggregator.identify import content_hash, item_identity
from nashra.aggregator.models import ParsedEntry
from nashra.aggregator.process import clean_entry

HOSTILE = [
    '<script>alert(1)</script>', '<img src=x onerror="alert(1)">', '<a href="javascript:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', '<iframe src="https://evil.example"></iframe>',
    '<form action="https://evil.example"><input name=a></form>', '<svg onload=alert(1)></svg>',
    '<p style="background:url(javascript:alert(1))">x</p>', '<div style="width:expression(alert(1))">x</div>',
    '<style>body{}</style>', '<object data="x"></object>', '<embed src="x">', '<math><mi xlink:href="javascript:1">',
]


def test_hostile_markup_is_removed():
    for fragment in HOSTILE:
        out = sanitize_html("<p>نص</p>" + fragment).lower()
        for bad in ("<script", "onerror", "onload", "javascript:", "data:", "<iframe", "<form", "<input",
                    "style=", "expression(", "<svg", "<object", "<embed", "<style"):
            assert bad not in out, (fragment, out)


def test_safe_markup_is_kept_with_noopener():
    out = sanitize_html('<p dir="rtl">أ <a href="https://x.example/">رابط</a> <img src="https://x.example/a.jpg" alt="صورة"></p>')
    assert '<p dir="rtl">' in out and 'href="https://x.example/"' in out and 'rel="noopener' in out
    assert 'src="https://x.example/a.jpg"' in out


def test_relative_links_become_absolute_against_the_feed():
    html = '<p><a href="/news/1">الخبر</a> <img src="img/a.jpg" alt=""> <a href="//cdn.example/x">x</a></p>'
    out = sanitize_html(html, "https://outlet.example/rss/feed.xml")
    assert 'href="https://outlet.example/news/1"' in out and 'src="https://outlet.example/rss/img/a.jpg"' in out
    assert 'href="https://cdn.example/x"' in out
    assert 'href="/news/1"' not in sanitize_html(html) and "img/a.jpg" not in sanitize_html(html)


def test_text_from_html():
    assert html_to_text("<p>الأول</p><p>الثاني &amp; <b>الثالث</b></p><script>x()</script>") == "الأول الثاني & الثالث"
    assert html_to_text("") == ""


def test_canonical_url():
    assert canonical_url("HTTPS://News.Example.COM:443/a/b?utm_source=rss&id=7&fbclid=z#top") == \
        "https://news.example.com/a/b?id=7"
    assert canonical_url("http://x.example:8080") == "http://x.example:8080/"
    assert canonical_url("/rel/1", "https://x.example/feed") == "https://x.example/rel/1"
    for unsafe in ("javascript:alert(1)", "data:text/html,x", "ftp://x.example/", "", None, "http://"):
        assert canonical_url(unsafe) is None


def test_title_from_text():
    text = "قال مسؤولون إن المحادثات بين الجانبين ستستأنف الأسبوع المقبل في العاصمة بعد توقف دام أشهر بسبب الخلافات على بنود الاتفاق الأمني"
    title = title_from_text(text)
    assert title.endswith("…") and len(title) <= 111 and text.startswith(title[:-1])
    assert title_from_text("قصير") == "قصير"


def _entry(**kw) -> ParsedEntry:
    base = dict(guid=None, link=None, title="", summary_html="", content_html="", author="", categories=(),
                published=None, updated=None)
    return ParsedEntry(**{**base, **kw})


NOW = datetime(2026, 11, 28, 12, tzinfo=timezone.utc)


def test_clean_entry_fills_title_and_date_and_drops_unsafe_link():
    item = clean_entry(_entry(summary_html="<p>أعلنت الحكومة خطة جديدة للنقل العام في العاصمة</p>",
                              link="javascript:alert(1)"), NOW)
    assert item.title == "أعلنت الحكومة خطة جديدة للنقل العام في العاصمة"
    assert item.link is None and item.published == NOW
    future = clean_entry(_entry(title="خبر", published=datetime(2030, 1, 1, tzinfo=timezone.utc)), NOW)
    assert future.published == NOW
    assert clean_entry(_entry(), NOW) is None


def test_identity_prefers_guid_then_link_then_content():
    assert item_identity("g1", "https://x/1", "t", "x") == item_identity("g1", "https://x/2", "u", "y")
    assert item_identity(None, "https://x/1", "t", "x") == item_identity(None, "https://x/1", "u", "y")
    assert item_identity(None, None, "الرئيس", "نص") == item_identity(None, None, "الرئيس!", "نَص")
    assert item_identity(None, None, "أ", "b") != item_identity(None, None, "ب", "b")
    assert content_hash("إعلان", "نص") == content_hash("اعلان", "نص،")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_canonical_url_is_idempotent_and_safe(text):
    url = canonical_url("https://x.example/" + text)
    if url is not None:
        assert canonical_url(url) == url
        assert url.startswith("https://") and "#" not in url
    assert canonical_url(text) is None or canonical_url(text).startswith(("http://", "https://"))


@settings(max_examples=300, deadline=None)
@given(st.text(), st.text(), st.one_of(st.none(), st.text()), st.one_of(st.none(), st.text()))
def test_identity_is_deterministic_and_bounded(title, text, guid, link):
    a = item_identity(guid, link, title, text)
    assert a == item_identity(guid, link, title, text) and len(a) <= 40


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_sanitised_html_has_no_script(fragment):
    out = sanitize_html("<p " + fragment + ">" + fragment).lower()
    assert "<script" not in out and "<iframe" not in out and "javascript:" not in out.replace("&", "")


@settings(max_examples=400, deadline=None)
@given(st.text(), st.sampled_from(["", " GMT", " +0300", " AST", " GMT+3", " XYZ", " ١٠:١٥"]))
def test_date_parsing_never_raises_and_gives_utc(text, suffix):
    from nashra.aggregator.dates import parse_date

    result = parse_date(text + suffix)
    assert result is None or (result.tzinfo is not None and result.utcoffset().total_seconds() == 0)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 28), st.integers(1, 12), st.integers(1990, 2100), st.integers(0, 23), st.integers(0, 59))
def test_numeric_and_arabic_dates_round_trip(day, month, year, hour, minute):
    from nashra.aggregator.dates import MONTHS, parse_date

    expected = datetime(year, month, day, hour, minute, tzinfo=timezone.utc)
    assert parse_date(f"{day:02d}/{month:02d}/{year} {hour:02d}:{minute:02d} GMT") == expected
    arabic = [name for name, number in MONTHS.items() if number == month][0]
    digits = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    written = f"{day} {arabic} {year} {hour:02d}:{minute:02d} GMT".translate(digits)
    assert parse_date(written) == expected
