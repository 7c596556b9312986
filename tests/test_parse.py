"""Decoding and parsing with real feedparser: encodings Arabic feeds get wrong, formats, dates, refusals."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from conftest import rss
from nashra.aggregator.decode import arabic_share, decode_document
from nashra.aggregator.parse import ParseError, parse_feed

TITLE = "وزير الخارجية يبحث مع نظيره الأردني تطورات الأوضاع في المنطقة"


def arabic_rss(encoding_label: str | None) -> str:
    doc = rss([{"title": TITLE, "link": "https://news.example/1", "guid": "1",
                "date": "Fri, 27 Nov 2026 10:00:00 +0300", "description": "<p>بحث الوزيران العلاقات الثنائية.</p>"}])
    if encoding_label is None:
        return doc.split("\n", 1)[1]  # no XML declaration at all
    return doc.replace('encoding="utf-8"', f'encoding="{encoding_label}"')


@pytest.mark.parametrize("codec,label,header", [
    ("cp1256", "windows-1256", None),  # declared in the prolog
    ("cp1256", None, "text/xml; charset=windows-1256"),  # only in the HTTP header
    ("cp1256", None, None),  # declared nowhere
    ("cp1256", None, "application/rss+xml"),  # a header without charset
    ("cp1256", "iso-8859-1", None),  # mislabelled as Latin-1
    ("iso8859_6", "ISO-8859-6", None),
    ("iso8859_6", None, "application/xml; charset=iso-8859-6"),
    ("utf-8", "windows-1256", None),  # UTF-8 bytes that claim windows-1256
    ("utf-8", None, "text/xml; charset=windows-1256"),  # UTF-8 bytes, wrong header
])
def test_arabic_comes_out_as_arabic(codec, label, header):
    body = arabic_rss(label).encode(codec)
    feed = parse_feed(body, {"content-type": header} if header else {})
    assert feed.entries[0].title == TITLE
    assert "بحث الوزيران" in feed.entries[0].summary_html


def test_override_from_config_wins_for_non_utf8_bytes():
    body = arabic_rss("iso-8859-1").encode("cp1256")
    assert parse_feed(body, {}, encoding="cp1256").entries[0].title == TITLE


def test_bom_and_bidi_controls():
    doc = arabic_rss("utf-8").replace(TITLE, "\u202b" + TITLE + "\u202c \u200fCOP30\u200e")
    feed = parse_feed(b"\xef\xbb\xbf" + doc.encode("utf-8"), {})
    assert feed.entries[0].title.startswith("\u202b" + TITLE)  # display text is not altered


def test_arabic_share():
    assert arabic_share("ÚÇÌá ÇáÑÆíÓ") < 0.2
    assert arabic_share(TITLE) == 1.0
    assert arabic_share("plain ascii") == 1.0


def test_atom_and_rss1_and_blogger_categories():
    atom = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://blog.example/">
 <title>مدونة</title><id>tag:blogger.com,1999:blog-1</id><updated>2026-11-27T10:00:00+02:00</updated>
 <entry><id>tag:blogger.com,1999:blog-1.post-2</id><title type="text">عنوان &amp; أكثر</title>
  <published>2026-11-27T09:00:00+02:00</published><updated>2026-11-27T10:00:00+02:00</updated>
  <category scheme="http://www.blogger.com/atom/ns#" term="سياسة"/>
  <category scheme="http://www.blogger.com/atom/ns#" term="اقتصاد"/>
  <link rel="alternate" type="text/html" href="/2026/11/post.html"/>
  <content type="html">&lt;p&gt;نص&lt;/p&gt;</content></entry></feed>"""
    entry = parse_feed(atom.encode(), {}, url="https://blog.example/feeds/posts/default").entries[0]
    assert entry.title == "عنوان & أكثر"
    assert entry.categories == ("سياسة", "اقتصاد")
    assert entry.link == "https://blog.example/2026/11/post.html"
    assert entry.published == datetime(2026, 11, 27, 7, 0, tzinfo=timezone.utc)
    rdf = """<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
 xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
 <channel rdf:about="https://x.example/"><title>ت</title><link>https://x.example/</link></channel>
 <item rdf:about="https://x.example/1"><title>خبر</title><link>https://x.example/1</link>
 <dc:date>2026-11-27T10:00:00+03:00</dc:date></item></rdf:RDF>"""
    entry = parse_feed(rdf.encode(), {}).entries[0]
    assert entry.title == "خبر" and entry.published == datetime(2026, 11, 27, 7, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("written,expected", [
    ("Fri, 27 Nov 2026 10:00:00 AST", "2026-11-27T07:00:00"),  # Arabia, not Atlantic
    ("Fri, 27 Nov 2026 10:00:00 GMT+3", "2026-11-27T07:00:00"),
    ("Fri, 27 Nov 2026 10:00:00 +0300", "2026-11-27T07:00:00"),
    ("Fri, 27 Nov 2026 10:00:00 GMT", "2026-11-27T10:00:00"),
    ("2026-11-27T10:00:00+04:00", "2026-11-27T06:00:00"),
    ("الجمعة، ٢٧ نوفمبر ٢٠٢٦ - ١٠:١٥", "2026-11-27T07:15:00"),  # no zone: the configured one
    ("27 تشرين الثاني 2026 10:15", "2026-11-27T07:15:00"),
    ("27 جانفي 2026", "2026-01-26T21:00:00"),
    ("27/11/2026 10:15", "2026-11-27T07:15:00"),
])
def test_dates_in_the_forms_feeds_use(written, expected):
    doc = rss([{"title": "خبر", "guid": "1", "date": written}])
    entry = parse_feed(doc.encode(), {}).entries[0]
    assert entry.published == datetime.fromisoformat(expected).replace(tzinfo=timezone.utc)


def test_missing_date_is_none():
    assert parse_feed(rss([{"title": "خبر", "guid": "1"}]).encode(), {}).entries[0].published is None


def test_broken_xml_yields_what_can_be_read():
    doc = rss([{"title": f"خبر {i}", "guid": str(i)} for i in range(3)])
    broken = doc.replace("<title>خبر 2</title>", "<title>خبر 2 & <b>").replace("</channel></rss>", "")
    feed = parse_feed(broken.encode(), {})
    assert [e.title for e in feed.entries[:2]] == ["خبر 0", "خبر 1"]
    assert feed.problem and "malformed" in feed.problem


@pytest.mark.parametrize("body,message", [
    (b"", "empty body"),
    (b"   \n", "empty body"),
    ("<!DOCTYPE html><html><head><title>الصفحة</title></head><body><p>مرحبا</p></body></html>".encode(),
     "HTML page"),
    (b'{"not": "a feed"}', "not an RSS or Atom feed"),
])
def test_not_a_feed(body, message):
    with pytest.raises(ParseError, match=message):
        parse_feed(body, {})


LOL = "".join(f'<!ENTITY lol{i} "{"&lol%d;" % (i - 1) * 10}">' for i in range(2, 10))


@pytest.mark.parametrize("doc", [
    '<?xml version="1.0"?>\n<!DOCTYPE rss [\n <!ENTITY lol1 "lol">\n' + LOL + "\n]>\n<rss><channel><title>&lol9;</title></channel></rss>",
    '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol1 "lol">' + LOL + "]><rss><channel><title>&lol9;</title></channel></rss>",
    '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><rss><channel><title>&xxe;</title></channel></rss>',
])
def test_entity_declarations_are_refused(doc):
    with pytest.raises(ParseError, match="declares XML entities"):
        parse_feed(doc.encode(), {})


def test_external_dtd_is_not_fetched(server):
    doc = rss([{"title": "خبر", "guid": "1"}]).replace(
        "<rss", f'<!DOCTYPE rss SYSTEM "{server.url("/evil.dtd")}">\n<rss', 1)
    assert parse_feed(doc.encode(), {}).entries[0].title == "خبر"
    assert server.count("/evil.dtd") == 0


def test_decode_keeps_text_and_rewrites_the_declaration():
    decoded = decode_document(arabic_rss("windows-1256").encode("cp1256"))
    assert decoded.encoding == "cp1256" and 'encoding="utf-8"' in decoded.text[:60]
