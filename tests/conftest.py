"""Shared fixtures: a loopback feed server, configs on real files, sample feed documents."""

from __future__ import annotations

from pathlib import Path

import uuid

import pytest

import pgcluster
from feedserver import FeedServer
from nashra.aggregator.config import Config, parse_config

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "feeds"
SEED_FEEDS = REPO / "seeds" / "feeds"
SHARED_CORPUS = REPO.parent / "shared" / "corpus"


@pytest.fixture
def server():
    srv = FeedServer()
    yield srv
    srv.close()


@pytest.fixture(scope="session")
def pg_cluster():
    """One throwaway PostgreSQL server for the session; tests that need it skip, saying why, without one."""
    reason = pgcluster.available()
    if reason:
        pytest.skip(f"PostgreSQL tests skipped: {reason}")
    with pgcluster.PgCluster() as cluster:
        yield cluster


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> str:
    """The same test on a real SQLite file and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'var' / 'nashra.db'}"
    return request.getfixturevalue("pg_cluster").create_database(f"t{uuid.uuid4().hex[:12]}")


def rss(items: list[dict], title: str = "صحيفة الاختبار", extra: str = "", encoding: str = "utf-8") -> str:
    """A small RSS 2.0 document: items are dicts of title, link, guid, date, description."""
    parts = [f'<?xml version="1.0" encoding="{encoding}"?>',
             f"<rss version=\"2.0\"><channel><title>{title}</title><link>https://news.example/</link>{extra}"]
    for item in items:
        parts.append("<item>")
        for key, tag in (("title", "title"), ("link", "link"), ("guid", "guid"), ("date", "pubDate")):
            if item.get(key) is not None:
                parts.append(f"<{tag}>{item[key]}</{tag}>")
        if item.get("description") is not None:
            parts.append(f"<description><![CDATA[{item['description']}]]></description>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts)


HEADLINES = [
    ("البرلمان الأردني يقر موازنة العام المقبل بعد نقاش طويل", "صوّت مجلس النواب على مشروع الموازنة العامة بأغلبية الحاضرين بعد جلسات استمرت ثلاثة أيام."),
    ("انقطاع الكهرباء عن أحياء واسعة في بيروت بسبب نفاد الوقود", "أعلنت مؤسسة كهرباء لبنان توقف معملين عن العمل، ما أدى إلى تقنين قاس في العاصمة."),
    ("المغرب يطلق برنامجا لتحلية مياه البحر في الدار البيضاء", "تبلغ كلفة المشروع مليارات الدراهم ويستهدف تأمين مياه الشرب لملايين السكان بحلول 2028."),
    ("وزير الخارجية المصري يستقبل نظيره الصومالي في القاهرة", "بحث الجانبان التعاون الثنائي وأمن البحر الأحمر والقرن الأفريقي."),
    ("ارتفاع أسعار الذهب في السوق السعودية مع نهاية الأسبوع", "سجل سعر غرام الذهب عيار 21 ارتفاعا طفيفا وسط إقبال على الشراء."),
    ("تونس تعلن خطة لإصلاح منظومة الدعم الغذائي", "قالت وزارة التجارة إن الخطة ستبدأ بمراجعة أسعار الخبز والسكر في الربع الأول."),
    ("فيضانات تغمر قرى في شمال السودان وتشرد مئات الأسر", "ناشدت السلطات المحلية المنظمات الإنسانية تقديم الخيام والغذاء للمتضررين."),
    ("الكويت تفتتح أكبر محطة للطاقة الشمسية في تاريخها", "تنتج المحطة ما يكفي لتزويد عشرات آلاف المنازل بالكهرباء وفق وزارة الطاقة."),
    ("قمة خليجية طارئة في الرياض لبحث أمن الملاحة", "دعا الأمين العام لمجلس التعاون إلى اجتماع عاجل لقادة الدول الأعضاء."),
    ("الجزائر ترفع الحد الأدنى للأجور ابتداء من الشهر المقبل", "أعلن الرئيس الجزائري الزيادة خلال اجتماع مجلس الوزراء الأسبوعي."),
    ("إضراب عام للمعلمين في العراق للمطالبة بتحسين الرواتب", "أغلقت مئات المدارس أبوابها في بغداد والبصرة استجابة لدعوة النقابة."),
    ("سلطنة عمان توقع اتفاقية لتطوير ميناء الدقم", "تهدف الاتفاقية إلى تحويل الميناء إلى مركز لوجستي إقليمي خلال خمس سنوات."),
    ("ليبيا: اتفاق على توحيد المصرف المركزي بعد سنوات من الانقسام", "رحب مجلس النواب والمجلس الأعلى للدولة بالاتفاق الذي رعته بعثة أممية."),
    ("موريتانيا تكتشف حقلا جديدا للغاز قبالة سواحلها", "قالت وزارة النفط إن الاحتياطات الأولية تتجاوز التقديرات السابقة."),
    ("قطر تستضيف مؤتمرا دوليا حول التعليم في مناطق النزاع", "يشارك في المؤتمر وزراء ومسؤولون من أكثر من أربعين دولة."),
    ("اليمن: تبادل للأسرى بين الحكومة والحوثيين برعاية أممية", "أفرج الطرفان عن مئات المحتجزين في عملية استمرت يومين بين صنعاء وعدن."),
    ("البحرين تطلق تأشيرة ذهبية للمستثمرين والمتقاعدين", "تمنح التأشيرة إقامة طويلة قابلة للتجديد وفق شروط أعلنتها وزارة الداخلية."),
    ("الأمم المتحدة تحذر من مجاعة وشيكة في شمال غزة", "قال برنامج الأغذية العالمي إن الشاحنات لا تصل إلا بأعداد قليلة جدا."),
    ("الإمارات تعلن موازنة اتحادية قياسية للسنوات الثلاث المقبلة", "تركز الموازنة على التعليم والصحة والبنية التحتية الرقمية."),
    ("سوريا: عودة آلاف اللاجئين من لبنان خلال الشهر الماضي", "أفادت مفوضية اللاجئين بأن أعداد العائدين ارتفعت مقارنة بالعام الماضي."),
]


def sample_items(n: int, prefix: str = "خبر", start_day: int = 20, first: int = 0) -> list[dict]:
    """n distinct stories (HEADLINES[first:first + n]) as RSS items of one outlet."""
    assert first + n <= len(HEADLINES), "not that many distinct sample stories"
    return [{"title": HEADLINES[first + i][0],
             "link": f"https://news.example/{prefix}/{i}?utm_source=rss",
             "guid": f"{prefix}-{i}",
             "date": f"Fri, {start_day + i % 5:02d} Nov 2026 {8 + i % 10:02d}:00:00 +0300",
             "description": f"<p>{HEADLINES[first + i][1]}</p>"} for i in range(n)]


def make_config(tmp_path: Path, feeds: list[dict], **top) -> Config:
    """A Config as if read from tmp_path/feeds.yaml: real SQLite file, loopback allowed."""
    data = {"database": "sqlite:///var/nashra.db", "output_dir": "public",
            "fetch": {"allow_private_networks": ["127.0.0.0/8"], "total_timeout": 5, "read_timeout": 3,
                      **top.pop("fetch", {})},
            "feeds": feeds, **top}
    return parse_config(data, tmp_path / "feeds.yaml")


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def feeds_config(tmp_path: Path, feeds: list[tuple[str, str]], *top: str, database: str = "sqlite:///var/nashra.db",
                 fetch: tuple[str, ...] = (), schedule: tuple[str, ...] = ()) -> Path:
    """tmp_path/feeds.yaml as a user writes it: the (name, url) feeds on loopback (allowed), further top-level
    lines, and options of the fetch and schedule sections."""
    lines = [f"database: {database}", *top, "fetch:", "  allow_private_networks: [127.0.0.0/8]",
             *(f"  {option}" for option in fetch)]
    if schedule:
        lines += ["schedule:", *(f"  {option}" for option in schedule)]
    lines.append("feeds:")
    for name, url in feeds:
        lines += [f"  - name: {name}", f"    url: {url}"]
    return write_config(tmp_path, "\n".join(lines) + "\n")
