"""Countries a story names: two stories cut from one template about different countries (Tunisia's election
and Algeria's, an IMF deal with Jordan and one with Pakistan) share most of their shingles, but not their
countries. Only state names count, folded to one name per country: demonyms, cities and regions are left out
because outlets swap them freely in copies of one story (الأمريكي / الأميركي, القاهرة / مصر)."""

from __future__ import annotations

from nashra.classifier.gazetteer import with_proclitics
from nashra.classifier.normalize import match_key

# one line a country: its usual name first, then other names for it ("عمان" alone is also Amman: left out)
_COUNTRIES = """
مصر
السعودية المملكة_العربية_السعودية
الإمارات
قطر
البحرين
الكويت
سلطنة_عمان
اليمن
العراق
سوريا سورية
لبنان
الأردن
فلسطين
ليبيا
تونس
الجزائر
المغرب
موريتانيا
السودان
الصومال
جيبوتي
جزر_القمر
إسرائيل
الولايات_المتحدة أمريكا أميركا
روسيا
الصين
اليابان
الهند
باكستان
أفغانستان
إيران
تركيا
بريطانيا المملكة_المتحدة
فرنسا
ألمانيا
إيطاليا
إسبانيا
أوكرانيا
بولندا
هولندا
بلجيكا
السويد
النرويج
اليونان
كندا
المكسيك
البرازيل
الأرجنتين
فنزويلا
أستراليا
إندونيسيا
ماليزيا
كوريا_الشمالية
كوريا_الجنوبية
نيجيريا
إثيوبيا
كينيا
جنوب_أفريقيا
النيجر
تشاد
مالي
السنغال
إريتريا
جنوب_السودان
موزمبيق
تنزانيا
أذربيجان
أرمينيا
قبرص
"""


def _table() -> tuple[dict[str, str], dict[str, int]]:
    """Every form of every name -> its country; and the first word of each longer name -> its most words."""
    forms: dict[str, str] = {}
    for line in _COUNTRIES.split("\n"):
        names = [n.replace("_", " ") for n in line.split()]
        if not names:
            continue
        country = match_key(names[0])
        for name in names:
            for form in with_proclitics(name):
                forms.setdefault(match_key(form), country)
    starts: dict[str, int] = {}
    for form in forms:
        first, *rest = form.split()
        if rest:
            starts[first] = max(starts.get(first, 1), 1 + len(rest))
    return forms, starts


_FORMS, _LONGER = _table()


def countries(text: str) -> frozenset[str]:
    """The countries a matching-form text names (one name per country)."""
    words = text.split()
    found = {_FORMS[w] for w in words if w in _FORMS}
    for start, word in enumerate(words):
        longest = _LONGER.get(word)
        if longest:  # a name of several words may start here (الولايات المتحدة، جنوب السودان)
            for size in range(2, longest + 1):
                country = _FORMS.get(" ".join(words[start:start + size]))
                if country is not None:
                    found.add(country)
    return frozenset(found)

