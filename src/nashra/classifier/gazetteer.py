"""A small gazetteer: names that say *where* a story is, mapped to a region class.

Why: region topics follow where the main actors are (TOPICS.md), and the seed corpus cannot name
every town. A story from Kairouan or Hasakah is Arab World even if no seed mentions the town; a
story from Kazan or Cebu is not. Each class found in an item becomes one extra feature (``g:arab``,
``g:intl``, ...), so the model learns once what "an Arab place" means and applies it to every name
below. The lists are general knowledge (states, capitals, large cities, provinces, bodies,
demonyms), written for this project; they are not drawn from any evaluation data.

People, parties, armed forces, armed groups and weapon systems are in the lexicon files beside this module
(``lexicon/*.tsv``): names of leaders let a story about a minister or a party be placed when it names no
place, and named weapons and forces give a sixth class, ``military``. Written for the project from general
knowledge like the lists below; on dev_gold they lifted macro-F1 from 0.825 to 0.843 (docs/classifier.md).

Names are matched on the matching form (normalize.match_key), token by token, with Arabic
proclitics (و ف ب ل ك، وال، بال، لل ...) allowed on the first word. Names that are also common words
(صور pictures, العين eye, مالي financial, سيول floods ...) are left out on purpose.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nashra.classifier.fastnorm import Encoded, encode
from nashra.classifier.hashindex import HashIndex
from nashra.classifier.ngrams import MIX, SEQ, word_tokens
from nashra.classifier.normalize import match_key

CLASSES: tuple[str, ...] = ("arab", "israel", "intl", "world_body", "armed_group", "military")
LEXICON = Path(__file__).with_name("lexicon")  # people, parties, forces, weapons, towns, clubs: `class<TAB>name`
# The lexicon files the topic features use. places.tsv (3,800 towns and regions) measured no gain for topics on
# dev_gold (0.845 -> 0.842 macro-F1; docs/classifier.md), so only the story matcher reads it.
TOPIC_LEXICON = ("people", "military")

# Arab League states and their demonym stems (forms are generated: مصري مصرية مصريون مصريين ...)
_ARAB_STATES = """
مصر السعودية الإمارات قطر البحرين الكويت عمان سلطنة_عمان اليمن العراق سوريا سورية لبنان الأردن
فلسطين ليبيا تونس الجزائر المغرب موريتانيا السودان الصومال جيبوتي جزر_القمر
المملكة_العربية_السعودية الخليج الشرق_الأوسط المشرق المغرب_العربي العالم_العربي الوطن_العربي
"""
_ARAB_DEMONYMS = """
مصري سعودي إماراتي قطري بحريني كويتي عماني يمني عراقي سوري لبناني أردني فلسطيني ليبي تونسي
جزائري مغربي موريتاني سوداني صومالي خليجي عربي
"""
_ARAB_PLACES = """
القاهرة الإسكندرية الجيزة بورسعيد بور_سعيد السويس الإسماعيلية أسوان الأقصر المنيا أسيوط سوهاج
الفيوم بني_سويف دمياط المنصورة الدقهلية طنطا الزقازيق المنوفية القليوبية البحيرة كفر_الشيخ مطروح
سيناء شمال_سيناء العريش شرم_الشيخ الغردقة الصعيد
الرياض جدة مكة مكة_المكرمة المدينة_المنورة الدمام الخبر الطائف تبوك أبها جازان نجران القصيم
حائل الأحساء الظهران ينبع نيوم القطيف
أبوظبي أبو_ظبي دبي الشارقة عجمان رأس_الخيمة الفجيرة أم_القيوين
الدوحة المنامة مسقط صلالة ظفار
صنعاء عدن تعز الحديدة مأرب حضرموت المكلا صعدة شبوة أبين لحج البيضاء_اليمنية
بغداد البصرة الموصل أربيل كركوك النجف كربلاء الأنبار الفلوجة الرمادي تكريت صلاح_الدين ديالى
نينوى السليمانية دهوك سامراء الناصرية الكوت الحلة كردستان_العراق إقليم_كردستان
دمشق حلب حمص إدلب اللاذقية طرطوس دير_الزور الرقة الحسكة القامشلي درعا السويداء القنيطرة
تدمر الغوطة منبج عفرين الجولان
بيروت صيدا بعلبك البقاع النبطية جونية زحلة جنوب_لبنان
الزرقاء إربد العقبة البتراء معان الكرك المفرق
القدس غزة قطاع_غزة رام_الله نابلس الخليل جنين طولكرم بيت_لحم أريحا خان_يونس رفح الضفة_الغربية
قلقيلية دير_البلح جباليا الأقصى المسجد_الأقصى
طرابلس بنغازي مصراتة سرت سبها درنة طبرق الزاوية الكفرة
صفاقس سوسة القيروان بنزرت قابس قفصة المنستير نابل الحمامات جربة مدنين تطاوين توزر قبلي
سيدي_بوزيد القصرين الكاف جندوبة باجة سليانة زغوان المهدية أريانة منوبة بن_عروس حلق_الوادي
قرطاج جرجيس بن_قردان الشعانبي
وهران قسنطينة عنابة البليدة سطيف باتنة تلمسان بجاية تيزي_وزو ورقلة غرداية تمنراست بسكرة الشلف
سكيكدة
الرباط الدار_البيضاء مراكش فاس طنجة أكادير مكناس وجدة تطوان الحسيمة الصحراء_الغربية
نواكشوط نواذيبو
الخرطوم أم_درمان دارفور كردفان بورتسودان الفاشر الجنينة كسلا النيل_الأزرق
مقديشو هرجيسا بونتلاند صوماليلاند كيسمايو موروني
الجامعة_العربية جامعة_الدول_العربية مجلس_التعاون_الخليجي مجلس_التعاون السلطة_الفلسطينية
منظمة_التحرير حماس حزب_الله الحوثي الحوثيين الحوثيون أنصار_الله الأونروا البوليساريو
الحشد_الشعبي قسد الجيش_السوري الجيش_اللبناني الجيش_العراقي الجيش_المصري الجيش_الليبي
الجيش_السوداني الدعم_السريع حفتر
المغاربة العرب الأكراد_السوريين
"""
_ISRAEL = """
إسرائيل تل_أبيب الكنيست نتنياهو الاحتلال_الإسرائيلي الجيش_الإسرائيلي حيفا إيلات المستوطنين
المستوطنات الاستيطان
"""
_ISRAEL_DEMONYMS = "إسرائيلي"
_INTL_STATES = """
الولايات_المتحدة أمريكا أميركا روسيا الصين اليابان الهند باكستان أفغانستان إيران تركيا بريطانيا
المملكة_المتحدة فرنسا ألمانيا إيطاليا إسبانيا أوكرانيا بولندا هولندا بلجيكا السويد النرويج الدنمارك
فنلندا اليونان النمسا سويسرا البرتغال المجر رومانيا بلغاريا صربيا كرواتيا التشيك سلوفاكيا
كندا المكسيك البرازيل الأرجنتين فنزويلا كولومبيا تشيلي بيرو كوبا بوليفيا الإكوادور نيكاراغوا
أستراليا نيوزيلندا إندونيسيا ماليزيا الفلبين تايلاند فيتنام ميانمار بنغلاديش سريلانكا نيبال
كوريا_الشمالية كوريا_الجنوبية تايوان هونغ_كونغ كشمير نيجيريا إثيوبيا كينيا جنوب_أفريقيا النيجر
تشاد بوركينا_فاسو السنغال الكونغو أوغندا رواندا إريتريا جنوب_السودان موزمبيق تنزانيا غانا
الكاميرون زيمبابوي أنغولا أذربيجان أرمينيا جورجيا كازاخستان أوزبكستان طاجيكستان قرغيزستان
تركمانستان بيلاروسيا قبرص ألبانيا البوسنة كوسوفو أيرلندا اسكتلندا مولدوفا ليتوانيا لاتفيا
إستونيا سلوفينيا آيسلندا الشيشان القرم دونباس أوروبا آسيا أفريقيا أمريكا_اللاتينية
"""
_INTL_DEMONYMS = """
أمريكي أميركي روسي صيني ياباني هندي باكستاني أفغاني إيراني بريطاني فرنسي ألماني إيطالي إسباني
أوكراني بولندي كندي برازيلي أوروبي أفريقي آسيوي كوري إثيوبي نيجيري كيني أسترالي مكسيكي
فنزويلي هولندي بلجيكي سويدي نرويجي يوناني نمساوي سويسري
تركي إندونيسي ماليزي فلبيني تايلاندي فيتنامي كاميروني غاني كونغولي أوغندي إريتري تشادي نيجري
سنغالي أرجنتيني كولومبي كوبي قبرصي صربي أرميني أذربيجاني جورجي كازاخي أوزبكي روماني مجري تشيكي
دنماركي فنلندي برتغالي
"""
_INTL_PLACES = """
واشنطن البيت_الأبيض البنتاغون الكونغرس موسكو الكرملين بكين طوكيو نيودلهي إسلام_آباد كابل طهران
أنقرة إسطنبول اسطنبول لندن داونينغ_ستريت باريس الإليزيه برلين روما مدريد كييف وارسو أمستردام
بروكسل ستوكهولم أوسلو كوبنهاغن هلسنكي أثينا فيينا جنيف لشبونة بودابست بوخارست صوفيا بلغراد
أوتاوا مكسيكو برازيليا بوينس_آيرس كاراكاس بوغوتا هافانا كانبيرا جاكرتا كوالالمبور مانيلا بانكوك
هانوي دكا بيونغ_يانغ تايبيه أبوجا لاغوس أديس_أبابا نيروبي جوهانسبرغ باماكو نيامي أنجامينا
واغادوغو داكار كينشاسا كمبالا كيغالي أسمرة جوبا باكو يريفان تبليسي مينسك نيقوسيا
نيويورك لوس_أنجلوس شيكاغو تكساس كاليفورنيا فلوريدا سان_بطرسبرغ شنغهاي مومباي سيدني تورونتو
مونتريال ميلانو برشلونة ميونخ هامبورغ مانشستر ليون مرسيليا نيس كاتالونيا ويلز
ترامب ترمب بايدن بوتين زيلينسكي ماكرون شولتس ميركل ستارمر أردوغان خامنئي روحاني بزشكيان
شي_جين_بينغ مودي أوباما هولاند ساركوزي كاميرون سوناك هاريس لافروف بلينكن روبيو
الأتراك الإيرانيين الأمريكيين الأميركيين الروس
"""
_WORLD_BODIES = """
الأمم_المتحدة مجلس_الأمن الجمعية_العامة الاتحاد_الأوروبي المفوضية_الأوروبية البرلمان_الأوروبي
حلف_الناتو الناتو حلف_شمال_الأطلسي مجموعة_العشرين مجموعة_السبع صندوق_النقد_الدولي البنك_الدولي
منظمة_الصحة_العالمية اليونسكو اليونيسف الاتحاد_الأفريقي المحكمة_الجنائية_الدولية
محكمة_العدل_الدولية الوكالة_الدولية_للطاقة_الذرية مفوضية_اللاجئين الصليب_الأحمر
منظمة_التجارة_العالمية بريكس أوبك_بلس مجلس_حقوق_الإنسان غوتيريش
"""

_ARMED_GROUPS = """
داعش تنظيم_الدولة تنظيم_الدولة_الإسلامية القاعدة تنظيم_القاعدة حركة_الشباب الشباب_المجاهدين
بوكو_حرام طالبان حزب_العمال_الكردستاني كتائب_القسام القسام سرايا_القدس الجهاد_الإسلامي
هيئة_تحرير_الشام جبهة_النصرة فاغنر أنصار_بيت_المقدس ولاية_سيناء الدعم_السريع ميليشيا ميليشيات
جماعة_مسلحة جماعات_مسلحة تنظيم_إرهابي خلية_إرهابية
"""
_PREFIXES = ("و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل", "وك")
_AL_PREFIXES = ("", "و", "ف", "ب", "ك", "وب", "فب", "وك")  # before a word that starts with ال


def _words(block: str) -> list[str]:
    return [w.replace("_", " ") for w in block.split()]


def _demonym_forms(stem: str) -> list[str]:
    forms = [stem, stem + "ة", stem + "ون", stem + "ين", stem + "ا"]
    return forms + ["ال" + f for f in forms]


def with_proclitics(name: str) -> list[str]:
    """The name as it can appear after و ف ب ل ك (and combinations) on its first word."""
    first, _, rest = name.partition(" ")
    tail = (" " + rest) if rest else ""
    out = []
    if first.startswith("ال"):
        out += [p + first + tail for p in _AL_PREFIXES]
        out += [p + "ل" + first[1:] + tail for p in ("", "و", "ف")]  # لل / ولل / فلل
    else:
        out += [first + tail] + [p + first + tail for p in _PREFIXES]
    return out


def lexicon(directory: Path = LEXICON, files: tuple[str, ...] | None = None) -> dict[str, list[str]]:
    """The names of the lexicon files (`*.tsv`: `class<TAB>name` lines, `#` comments), by class; `files`: only
    those (by stem), else all."""
    by_class: dict[str, list[str]] = {}
    for path in sorted(directory.glob("*.tsv")):
        if files is not None and path.stem not in files:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            cls, sep, name = line.partition("\t")
            if not sep or cls not in CLASSES or not name.strip():
                raise ValueError(f"{path.name}:{number}: expected `class<TAB>name` with a class of {CLASSES}")
            by_class.setdefault(cls, []).append(" ".join(name.replace("-", " ").split()))
    return by_class


def entries(files: tuple[str, ...] | None = TOPIC_LEXICON) -> dict[str, tuple[str, str]]:
    """Every surface form (before normalisation) -> (its class, the name it is a form of); `files`: the lexicon
    files to add to the lists here (None: all)."""
    named = lexicon(files=files)
    by_class = {
        "arab": _words(_ARAB_STATES) + _words(_ARAB_PLACES)
        + [(f, s) for s in _words(_ARAB_DEMONYMS) for f in _demonym_forms(s)],
        "israel": _words(_ISRAEL) + [(f, _ISRAEL_DEMONYMS) for f in _demonym_forms(_ISRAEL_DEMONYMS)],
        "intl": _words(_INTL_STATES) + _words(_INTL_PLACES)
        + [(f, s) for s in _words(_INTL_DEMONYMS) for f in _demonym_forms(s)],
        "world_body": _words(_WORLD_BODIES),
        "armed_group": _words(_ARMED_GROUPS),
    }
    for cls, names in named.items():
        by_class[cls] = by_class.get(cls, []) + names
    out: dict[str, tuple[str, str]] = {}
    for cls in CLASSES:  # later classes do not override earlier ones on a shared form
        for entry in by_class.get(cls, ()):
            name, base = entry if isinstance(entry, tuple) else (entry, entry)
            for form in with_proclitics(name):
                out.setdefault(form, (cls, base))
    return out


def canonical(name: str) -> str:
    """One spelling for a country and its people (سوريا، سوري، السوريين -> سور; فرنسا، فرنسي -> فرنس), for
    comparing mentions."""
    key = match_key(name)
    key = key[2:] if key.startswith("ال") and len(key) > 4 else key
    for suffix in ("يون", "يين", "يه", "يا", "ي", "ا"):
        if key.endswith(suffix) and len(key) - len(suffix) >= 3:
            return key[: -len(suffix)]
    return key


class Gazetteer:
    """Counts, per item, the gazetteer names of each region class (gazetteer.py) it mentions.

    Names are matched as token sequences of the matching form (1 to 4 tokens); each class that
    occurs gives a feature of 1 + log(count). Only the table of name hashes is pickled.
    """

    max_tokens = 4

    def __init__(self, names: bool = False, files: tuple[str, ...] | None = TOPIC_LEXICON) -> None:
        """`names`: also keep which name each form stands for (`mentions`); the topic model needs only classes.
        `files`: the lexicon files read (None: all)."""
        self.classes = CLASSES
        forms = entries(files)
        surface = list(forms)
        _, match = encode(surface, light=False)
        rows, hashes, _, _ = word_tokens(match)
        bounds = np.searchsorted(rows, np.arange(len(surface) + 1))  # tokens come in item order
        cls_id = {c: i for i, c in enumerate(self.classes)}
        keys, classes, bases = [], [], []
        for i, form in enumerate(surface):
            toks = hashes[bounds[i]:bounds[i + 1]]
            if 1 <= len(toks) <= self.max_tokens:
                keys.append(self._combine(list(toks)))
                classes.append(cls_id[forms[form][0]])
                bases.append(forms[form][1])
        uniq, first = np.unique(np.array(keys, dtype=np.uint64), return_index=True)
        self.index = HashIndex(uniq)
        self.class_of = np.array(classes, dtype=np.int64)[first]
        if names:
            spelling = {base: canonical(base) for base in set(bases)}  # a name has a dozen forms
            self.name_of = [spelling[bases[i]] for i in first]

    @staticmethod
    def _combine(toks: list[np.uint64]) -> np.uint64:
        """The key ``features`` computes with numpy for a run of tokens (same wrap-around)."""
        mask = (1 << 64) - 1
        acc = 0
        for t in toks:
            acc = (acc * int(SEQ) + int(t)) & mask
        return np.uint64((acc * int(MIX) + len(toks)) & mask)

    def _hits(self, match: Encoded) -> tuple[np.ndarray, np.ndarray]:
        """(item row, index position) of every name occurrence, runs of 1 to max_tokens tokens."""
        rows, hashes, _, _ = word_tokens(match)
        n = len(hashes)
        found_rows, found_pos = [], []
        acc = np.zeros(n, dtype=np.uint64)
        for k in range(1, self.max_tokens + 1):
            m = n - k + 1
            if m <= 0:
                break
            acc = acc[:m] * SEQ + hashes[k - 1:]
            ok = rows[:m] == rows[k - 1:]
            pos = self.index.lookup(acc * MIX + np.uint64(k))
            hit = ok & (pos >= 0)
            found_rows.append(rows[:m][hit])
            found_pos.append(pos[hit])
        if not found_rows:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(found_rows), np.concatenate(found_pos)

    def features(self, match: Encoded) -> np.ndarray:
        r, pos = self._hits(match)
        c = self.class_of[pos]
        n_cls = len(self.classes)
        counts = np.bincount(r * n_cls + c, minlength=match.n_items * n_cls).astype(np.float64)
        counts = counts.reshape(match.n_items, n_cls)
        out = np.zeros_like(counts)
        np.log(counts, out=out, where=counts > 0)
        out[counts > 0] += 1.0
        return out

    def mentions(self, texts: list[str]) -> list[frozenset[str]]:
        """The names each text mentions, one spelling per name (`canonical`). Needs ``Gazetteer(names=True)``."""
        _, match = encode(texts, light=False)
        found: list[set[str]] = [set() for _ in texts]
        for row, pos in zip(*self._hits(match)):
            found[row].add(self.name_of[pos])
        return [frozenset(f) for f in found]

    def __getstate__(self) -> dict:
        return {"classes": self.classes, "index": self.index, "class_of": self.class_of}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
