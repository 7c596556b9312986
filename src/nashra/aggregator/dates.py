"""Dates as Arabic feeds write them, registered as a feedparser date handler.

feedparser reads `AST` as Atlantic time (Gulf feeds mean Arabia Standard Time, +3), silently turns unknown
zone names into UTC, and gives up on Arabic month names, Arabic-Indic digits, `GMT+3` and `dd/mm/yyyy`.
This handler runs first and hands what it does not recognise back to feedparser. A date without a zone is
read in the configured local zone of the region (set per thread by the parse stage).
"""

from __future__ import annotations

import re
import threading
import time
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import feedparser

_local = threading.local()

# Zone names of the region and its neighbours, with their meaning in this region (AST = Arabia Standard).
ZONES = {
    "AST": 3, "ARABST": 3, "KSA": 3, "MSK": 3, "EAT": 3, "TRT": 3, "IDT": 3, "EEST": 3,
    "GST": 4, "EET": 2, "IST": 2, "CAT": 2, "SAST": 2, "CEST": 2, "CET": 1, "WAT": 1, "WEST": 1,
    "WET": 0, "BST": 1, "GMT": 0, "UT": 0, "UTC": 0, "Z": 0,
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "IRST": 3.5, "PKT": 5,
}
MONTHS = {
    # Egyptian/Gulf transliterations, Maghreb (Tunisia, Algeria, Morocco), Levantine/Iraqi names
    "يناير": 1, "فبراير": 2, "مارس": 3, "ابريل": 4, "أبريل": 4, "إبريل": 4, "مايو": 5, "يونيو": 6,
    "يونيه": 6, "يوليو": 7, "يوليه": 7, "أغسطس": 8, "اغسطس": 8, "سبتمبر": 9, "أكتوبر": 10, "اكتوبر": 10,
    "نوفمبر": 11, "ديسمبر": 12,
    "جانفي": 1, "فيفري": 2, "أفريل": 4, "افريل": 4, "ماي": 5, "جوان": 6, "جويلية": 7, "أوت": 8, "اوت": 8,
    "شتنبر": 9, "نونبر": 11, "دجنبر": 12, "يوليوز": 7, "غشت": 8,
    "كانون الثاني": 1, "شباط": 2, "آذار": 3, "اذار": 3, "نيسان": 4, "أيار": 5, "ايار": 5, "حزيران": 6,
    "تموز": 7, "آب": 8, "اب": 8, "أيلول": 9, "ايلول": 9, "تشرين الأول": 10, "تشرين الاول": 10,
    "تشرين الثاني": 11, "كانون الأول": 12, "كانون الاول": 12,
}
_DIGITS = {0x0660 + i: str(i) for i in range(10)} | {0x06F0 + i: str(i) for i in range(10)}
_MONTH_RE = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))
_ARABIC_DATE = re.compile(
    rf"(?P<day>\d{{1,2}})\s*(?:من\s+)?(?P<month>{_MONTH_RE})\s*,?\s*(?P<year>\d{{4}})"
    r"(?:\D{0,6}?(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?\s*(?P<ampm>ص|م|AM|PM|am|pm)?)?"
)
_NUMERIC_DATE = re.compile(
    r"^(?P<day>\d{1,2})[/.-](?P<month>\d{1,2})[/.-](?P<year>\d{4})"
    r"(?:[ T,]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?\s*(?P<zone>.*)$"
)
_RFC822 = re.compile(
    r"^(?:[A-Za-z]{3},?\s+)?(?P<day>\d{1,2})\s+(?P<mon>[A-Za-z]{3})[a-z]*\s+(?P<year>\d{2,4})\s+"
    r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?\s*(?P<zone>.*)$"
)
_EN_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_OFFSET = re.compile(r"^(?:GMT|UTC|UT)?\s*(?P<sign>[+-])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?$", re.I)


def set_local_zone(zone: tzinfo | None) -> None:
    """The zone for dates that carry none, for parses on this thread."""
    _local.zone = zone


def local_zone() -> tzinfo:
    return getattr(_local, "zone", None) or ZoneInfo("Asia/Riyadh")


def zone_from_text(text: str) -> tzinfo | None | bool:
    """A tzinfo for `+0300`, `GMT+3`, `AST`...; None when no zone is written; False when it is unknown."""
    text = text.strip().strip("()")
    if not text:
        return None
    match = _OFFSET.match(text)
    if match:
        minutes = int(match["h"]) * 60 + int(match["m"] or 0)
        return timezone(timedelta(minutes=minutes if match["sign"] == "+" else -minutes))
    hours = ZONES.get(text.upper())
    if hours is not None:
        return timezone(timedelta(hours=hours))
    return False


def _build(year: int, month: int, day: int, hour: int, minute: int, second: int, zone: tzinfo) -> datetime | None:
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=zone).astimezone(timezone.utc)
    except ValueError:
        return None


def parse_date(value: str) -> datetime | None:
    """Parse the forms feedparser gets wrong; None for anything else (feedparser then tries its own)."""
    text = " ".join(value.translate(_DIGITS).split())
    match = _RFC822.match(text)
    if match and match["mon"].lower() in _EN_MONTHS:
        zone = zone_from_text(match["zone"])
        if zone is None or zone is False:
            zone = local_zone()  # an unknown zone name is "unknown", not UTC
        year = int(match["year"])
        year += 2000 if year < 100 else 0
        return _build(year, _EN_MONTHS[match["mon"].lower()], int(match["day"]),
                      int(match["hour"]), int(match["minute"]), int(match["second"] or 0), zone)
    match = _NUMERIC_DATE.match(text)
    if match:
        zone = zone_from_text(match["zone"]) or local_zone()
        return _build(int(match["year"]), int(match["month"]), int(match["day"]), int(match["hour"] or 0),
                      int(match["minute"] or 0), int(match["second"] or 0), zone)
    match = _ARABIC_DATE.search(text)
    if match:
        hour = int(match["hour"] or 0)
        if match["ampm"] in ("م", "PM", "pm") and hour < 12:
            hour += 12
        elif match["ampm"] in ("ص", "AM", "am") and hour == 12:
            hour = 0
        tail = text[match.end():]
        zone = zone_from_text(tail.split()[0]) if tail.split() else None
        return _build(int(match["year"]), MONTHS[match["month"]], int(match["day"]), hour,
                      int(match["minute"] or 0), int(match["second"] or 0), zone or local_zone())
    return None


def _feedparser_handler(value: str) -> time.struct_time | None:
    parsed = parse_date(value)
    return parsed.utctimetuple() if parsed else None


_registered = False


def register() -> None:
    """Install the handler in feedparser once (it is tried before feedparser's own)."""
    global _registered
    if not _registered:
        feedparser.registerDateHandler(_feedparser_handler)
        _registered = True
