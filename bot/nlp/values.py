"""Reading numbers, units, ages and time spans out of raw text.

spaCy splits "12x10^9/L" and "10.5g/dL" unpredictably, so values are read from the
characters right after a recognised term rather than from tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from babel.numbers import NumberFormatError, parse_decimal

from bot.nlp.grammar import Grammar, grammar
from bot.nlp.spoken import normalise
from bot.units import known_unit, parse_number

NUMBER = r"(?<![\w.])(-?\d+(?:[.,]\d+)*)(k\b)?"
# French and Dutch also group thousands with a space ("380 000", also the no-break spaces babel writes).
_LOCAL_NUMBER = r"(?<![\w.,])(-?\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\d.,])|-?\d+(?:[.,]\d+)*)(k\b)?"
_OUT_OF_TEN = re.compile(r"^\s*(?:/\s*10|out of\s*10|on\s*10|sur\s*10|op\s*10|van de\s*10|uit\s*10)\b",
                         re.IGNORECASE)
_LOCALES = {"fr": "fr_FR", "nl": "nl_NL"}
_DOT_THOUSANDS = re.compile(r"-?\d{1,3}(?:\.\d{3})+(?:,\d+)?")


@lru_cache(maxsize=4)
def _value_after(lang: str) -> re.Pattern[str]:
    filler = rf"(?:\s*(?:{grammar(lang).value_filler})\s*)*"
    return re.compile(r"^" + filler + r"\s*" + (NUMBER if lang == "en" else _LOCAL_NUMBER), re.IGNORECASE)


def parse_local_number(raw: str, lang: str = "en") -> float | None:
    """A number as written in the language, None when it cannot be read without guessing.

    English keeps bot.units.parse_number ("150,000" thousands, "2,5" a decimal comma). In French and Dutch a comma
    is the decimal mark and babel's locale data reads it ("16,5", "1.234,5"). A dot is read as people type it:
    followed by exactly three digits it groups thousands ("3.200", "380.000", as written in the Netherlands and often
    in France); otherwise it is a decimal point typed on an English keyboard ("10.2"). A comma followed by exactly
    three digits and nothing else ("3,200") is left unread: a decimal in French or Dutch, thousands in English.
    """
    if lang == "en":
        return parse_number(raw)
    text = re.sub(r"[ \u00a0\u202f]", "", raw.strip())
    if _DOT_THOUSANDS.fullmatch(text):
        text = text.replace(".", "")
    elif re.fullmatch(r"-?\d{1,3},\d{3}", text) or text.count(".") > 1 or ("." in text and "," in text):
        return None
    try:
        return float(parse_decimal(text.replace(".", ","), locale=_LOCALES[lang], strict=True))
    except (NumberFormatError, KeyError):
        return None
_UNIT_LIKE = re.compile(r"^[A-Za-zµμ%/^*0-9³]+$")



@dataclass
class Reading:
    """A number read after a term, with its unit text if one was written."""

    number: float
    unit: str | None
    end: int
    unknown_unit: str | None = None
    out_of_ten: bool = False


def read_unit(text: str) -> tuple[str | None, int, str | None]:
    """The longest known unit at the start of text: (unit, characters used, unknown unit-looking word)."""
    stripped = text.lstrip()
    offset = len(text) - len(stripped)
    words = re.split(r"(\s+)", stripped)
    best: tuple[str | None, int] = (None, 0)
    joined = ""
    used = 0
    for i in range(0, min(len(words), 7), 2):
        joined += words[i]
        used += len(words[i]) + (len(words[i - 1]) if i else 0)
        if known_unit(joined.rstrip(".,;:)")):
            best = (joined.rstrip(".,;:)"), offset + used - (len(joined) - len(joined.rstrip(".,;:)"))))
    if best[0]:
        return best[0], best[1], None
    first = words[0].rstrip(".,;:)") if words else ""
    attached = offset == 0 and bool(first)
    if first and _UNIT_LIKE.match(first) and ("/" in first or attached):
        return None, 0, first
    return None, 0, None


def read_value_after(text: str, start: int, lang: str = "en") -> Reading | None:
    """The number (and unit) that follows a term at text[start:], within a few filler words."""
    match = _value_after(lang).match(text[start:])
    if not match:
        return None
    value = parse_local_number(match.group(1), lang)
    if value is None:
        return None
    number = value * (1000 if match.group(2) else 1)
    rest_at = start + match.end()
    ten = _OUT_OF_TEN.match(text[rest_at:])
    if ten:
        return Reading(number, None, rest_at + ten.end(), out_of_ten=True)
    unit, used, unknown = read_unit(text[rest_at:])
    return Reading(number, unit, rest_at + used, unknown)


@dataclass(frozen=True)
class _SpanPatterns:
    span: re.Pattern[str]
    two_parts: re.Pattern[str]


@lru_cache(maxsize=4)
def _span_patterns(lang: str) -> _SpanPatterns:
    g = grammar(lang)
    unit, count = g.unit_re, g.count_re
    return _SpanPatterns(re.compile(rf"\b{count}\s*[- ]?\s*{unit}\b", re.IGNORECASE),
                         re.compile(rf"\b{count}\s*{unit}\s+{g.conjunction}\s+{count}\s*{unit}\b", re.IGNORECASE))


def _unit_days(unit: str, g: Grammar | None = None) -> float:
    """Days in a unit of time; English also reads its abbreviations by their first letters ("mos", "wks")."""
    g = g or grammar("en")
    lower = unit.lower()
    if g.lang != "en":
        return g.time_units.get(lower, g.time_units.get(lower.rstrip("s"), 1.0))
    lower = lower.rstrip("s") or "s"
    return g.time_units.get(lower, g.time_units.get(lower[:2], 1.0))


def _count(raw: str, g: Grammar | None = None) -> float:
    """A count written as digits or as a word text2num leaves alone ("a", "one", "a couple of", "un", "een")."""
    g = g or grammar("en")
    words = " ".join(raw.lower().split())
    if words in g.count_words:
        return g.count_words[words]
    value = parse_local_number(raw, g.lang)
    return value if value is not None else parse_number(raw)


def _compound_days(text: str, g: Grammar) -> float | None:
    """Spans written in two parts: "half a year", "2 and a half years", "1 year and 6 months", "anderhalf jaar"."""
    if g.one_and_a_half is not None:
        one_half = g.one_and_a_half.search(text)
        if one_half:
            return 1.5 * _unit_days(one_half.group(1), g)
    half = g.half.search(text)
    if half:
        return 0.5 * _unit_days(half.group(1), g)
    and_half = g.and_a_half.search(text)
    if and_half:
        return (_count(and_half.group(1), g) + 0.5) * _unit_days(and_half.group(2) or and_half.group(3), g)
    two = _span_patterns(g.lang).two_parts.search(text)
    if two and _unit_days(two.group(4), g) < _unit_days(two.group(2), g):  # "1 year and 6 months", not two spans
        return (_count(two.group(1), g) * _unit_days(two.group(2), g)
                + _count(two.group(3), g) * _unit_days(two.group(4), g))
    return None


def span_days(text: str, lang: str = "en") -> float | None:
    """"7 months", "six months", "half a year" → days; "last month", "yesterday" too (in the given language)."""
    g = grammar(lang)
    text = normalise(text, lang)
    lower = text.lower()
    for phrase, days in g.relative_days:
        if phrase in lower:
            return days
    compound = _compound_days(text, g)
    if compound is not None:
        return compound
    match = _span_patterns(lang).span.search(text)
    if not match:
        return None
    return _count(match.group(1), g) * _unit_days(match.group(2), g)


# "I'm 12 weeks pregnant" is the pregnancy's term, not the person's age.
_NOT_PREGNANCY = r"(?!\s*(?:weeks?|wks?|months?)\s+(?:pregnant|along|gestation|of pregnancy))"
_AGE_PATTERNS = (
    # 6 y/o, 6yo, 6 year old, 6-year-old, 5 month old, 67 yrs old
    re.compile(r"(?<![\w.])(\d+(?:[.,]\d+)?)\s*-?\s*(y/o|y\.o\.?|yo|yrs? old|years?[- ]old|yr[- ]old|"
               r"months?[- ]old|mo[- ]old|mos? old|weeks?[- ]old|wk[- ]old|days?[- ]old)(?![\w])", re.I),
    # aged 67, age 6, age: 5 months
    re.compile(r"\bage[ds]?\s*[:=]?\s*(\d+(?:[.,]\d+)?)\s*(years?|yrs?|y|months?|mo|weeks?|days?)?(?![\w/])", re.I),
    # 67M, 67 F, 6yo F handled above; 67-year-old woman
    re.compile(r"(?<![\w.])(\d{1,3})\s?([MF])(?![\w])"),
    # I'm 67, I am 67 (years), my daughter is 6, she is 5 months
    re.compile(r"\b(?:i'?m|i am|(?:my|our) (?:daughter|son|child|kid|baby|boy|girl|mother|mum|mom|father|dad|"
               r"wife|husband|partner|brother|sister|patient)(?: is| who is|,)?|(?:she|he|the patient|patient|pt)"
               r"(?: is|'s))\s+(?:now\s+|only\s+|just\s+)?(-?\d+(?:[.,]\d+)?)" + _NOT_PREGNANCY
               + r"\s*(years?|yrs?|y|months?|mo|weeks?|"
               r"days?)?(?:\s+old)?(?![\w/%])(?!\s*(?:kg|kilo|lb|pound|cm|g/|x|\*|%))", re.I),
    # "she has PV and is 72", "I am now 45": a bare number after is/am, when no unit follows
    re.compile(r"\b(?:is|am)\s+(?:now\s+|only\s+|just\s+)?(\d{1,3}(?:[.,]5)?)" + _NOT_PREGNANCY +
               r"(?:\s*(years?|yrs?|months?))?"
               r"(?:\s+old)?(?![\w/%.,]|\s*(?:kg|kilo|lb|pound|cm|g/|x|\*|%|/|mg|µ|u/|ng|mmol|umol|s\b|sec|"
               r"out of|on 10|points?\b))", re.I),
    # turns 18 today, 18th birthday
    re.compile(r"\b(?:turns?|turned|turning)\s+(\d+)\b|\b(\d+)(?:st|nd|rd|th) birthday\b", re.I),
)


@dataclass
class AgeReading:
    years_or_count: float
    unit: str
    sex: str | None
    start: int
    end: int


def read_ages(text: str, lang: str = "en") -> list[AgeReading]:
    """Every age statement, with the unit said (years when none is)."""
    found: list[AgeReading] = []
    patterns = _AGE_PATTERNS if lang == "en" else grammar(lang).ages
    for index, pattern in enumerate(patterns):
        for match in pattern.finditer(text):
            if any(a.start <= match.start() < a.end for a in found):
                continue
            groups = [g for g in match.groups() if g is not None]
            if not groups:
                continue
            number = parse_local_number(groups[0], lang)
            if number is None:
                continue
            word = (groups[1] if len(groups) > 1 else "").lower()
            sex = None
            if index == 2 and lang == "en":
                sex = "male" if groups[1] == "M" else "female"
                word = "year"
            unit = _age_unit(word, lang)
            found.append(AgeReading(number, unit, sex, match.start(), match.end()))
    return found


_AGE_UNIT_PREFIXES = {"en": (("mo", "month"), ("w", "week"), ("d", "day")),
                      "fr": (("mois", "month"), ("sem", "week"), ("j", "day")),
                      "nl": (("maand", "month"), ("mnd", "month"), ("we", "week"), ("dag", "day"))}


def _age_unit(word: str, lang: str) -> str:
    """The unit of an age from the word said after it (years when none is)."""
    for prefix, name in _AGE_UNIT_PREFIXES[lang]:
        if word.startswith(prefix):
            return name
    return "year"


_WEIGHT = re.compile(r"(?<![\w.])(-?\d+(?:[.,]\d+)?)\s*(kg|kgs|kilos?|kilograms?|lbs?|pounds?)\b", re.I)


def read_weights(text: str) -> list[tuple[float, str, int, int]]:
    """Free-standing weights such as "18 kg" or "40 lbs"."""
    return [(parse_number(m.group(1)), m.group(2), m.start(), m.end()) for m in _WEIGHT.finditer(text)]


_DAYS_PER = {"week": 7.0, "month": 30.4375, "year": 365.25, "h": 1 / 24}
_TONIGHT = {"en": ("today", "this morning", "tonight"), "fr": ("aujourd'hui", "ce matin", "ce soir", "cette nuit"),
            "nl": ("vandaag", "vanochtend", "vanmorgen", "vanavond", "vannacht")}
_YESTERDAY = {"en": ("yesterday",), "fr": ("avant-hier", "hier"), "nl": ("eergisteren", "gisteren")}


def days_ago(text: str, lang: str = "en") -> float | None:
    """"2 days ago", "three months ago", "yesterday", "today" → days ("il y a 2 jours", "2 dagen geleden")."""
    g = grammar(lang)
    text = normalise(text, lang)
    match = g.ago.search(text)
    if match:
        unit = match.group(2).lower()
        if lang == "en":
            return _count(match.group(1)) * next((days for prefix, days in _DAYS_PER.items()
                                                  if unit.startswith(prefix)), 1.0)
        return _count(match.group(1), g) * _unit_days(unit, g)
    lower = text.lower()
    for word in _YESTERDAY[lang]:
        if word in lower:
            return dict(g.relative_days).get(word, 1.0)
    if any(word in lower for word in _TONIGHT[lang]):
        return 0.0
    return None
