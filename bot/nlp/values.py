"""Reading numbers, units, ages and time spans out of raw text.

spaCy splits "12x10^9/L" and "10.5g/dL" unpredictably, so values are read from the
characters right after a recognised term rather than from tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.nlp.spoken import normalise
from bot.units import known_unit, parse_number

NUMBER = r"(?<![\w.])(-?\d+(?:[.,]\d+)*)(k\b)?"
_FILLER = r"(?:\s*(?:[:=~≈]|of|is|was|were|are|at|about|around|approx\.?|approximately|now|currently|today|" \
          r"score|sepsis score|level|levels|count|vas|value|only|just|\(|\)|-(?=\s))\s*)*"
_VALUE_AFTER = re.compile(r"^" + _FILLER + r"\s*" + NUMBER, re.IGNORECASE)
_OUT_OF_TEN = re.compile(r"^\s*(?:/\s*10|out of\s*10|on\s*10)\b", re.IGNORECASE)
_UNIT_LIKE = re.compile(r"^[A-Za-zµμ%/^*0-9³]+$")

# The words for a count that text2num leaves alone (bot.nlp.spoken): determiners, and "a couple of".
_COUNT_WORDS = {"a": 1.0, "an": 1.0, "one": 1.0, "a couple of": 2.0, "couple of": 2.0}
_COUNT = r"(\d+(?:[.,]\d+)?|an?(?:\s+couple\s+of)?|couple\s+of|one)"


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


def read_value_after(text: str, start: int) -> Reading | None:
    """The number (and unit) that follows a term at text[start:], within a few filler words."""
    match = _VALUE_AFTER.match(text[start:])
    if not match:
        return None
    number = parse_number(match.group(1)) * (1000 if match.group(2) else 1)
    rest_at = start + match.end()
    ten = _OUT_OF_TEN.match(text[rest_at:])
    if ten:
        return Reading(number, None, rest_at + ten.end(), out_of_ten=True)
    unit, used, unknown = read_unit(text[rest_at:])
    return Reading(number, unit, rest_at + used, unknown)


_UNIT = r"(days?|d|weeks?|wks?|months?|mos?|years?|yrs?|y)"
_SPAN = re.compile(rf"\b{_COUNT}\s*[- ]?\s*{_UNIT}\b", re.IGNORECASE)
# "half a year", "a year and a half", "2 and a half years", "1 year and 6 months" read whole, before _SPAN.
_HALF = re.compile(rf"\bhalf\s+an?\s+{_UNIT}\b", re.IGNORECASE)
_AND_A_HALF = re.compile(rf"\b{_COUNT}\s+(?:and\s+a\s+half\s+{_UNIT}|{_UNIT}\s+and\s+a\s+half)\b", re.IGNORECASE)
_TWO_PARTS = re.compile(rf"\b{_COUNT}\s*{_UNIT}\s+and\s+{_COUNT}\s*{_UNIT}\b", re.IGNORECASE)
_DAYS = {"d": 1, "day": 1, "w": 7, "wk": 7, "week": 7, "mo": 365.25 / 12, "month": 365.25 / 12, "y": 365.25,
         "yr": 365.25, "year": 365.25}
_RELATIVE = (("yesterday", 1.0), ("today", 0.0), ("last week", 7.0), ("last month", 365.25 / 12),
             ("last year", 365.25), ("this week", 3.0), ("this morning", 0.0))


def _unit_days(unit: str) -> float:
    unit = unit.lower().rstrip("s") or "s"
    return _DAYS.get(unit, _DAYS.get(unit[:2], 1.0))


def _count(raw: str) -> float:
    """A count written as digits or as a word text2num leaves alone ("a", "one", "a couple of")."""
    words = " ".join(raw.lower().split())
    return _COUNT_WORDS[words] if words in _COUNT_WORDS else parse_number(raw)


def _compound_days(text: str) -> float | None:
    """Spans written in two parts: "half a year", "2 and a half years", "1 year and 6 months"."""
    half = _HALF.search(text)
    if half:
        return 0.5 * _unit_days(half.group(1))
    and_half = _AND_A_HALF.search(text)
    if and_half:
        return (_count(and_half.group(1)) + 0.5) * _unit_days(and_half.group(2) or and_half.group(3))
    two = _TWO_PARTS.search(text)
    if two and _unit_days(two.group(4)) < _unit_days(two.group(2)):  # "1 year and 6 months", not two spans
        return _count(two.group(1)) * _unit_days(two.group(2)) + _count(two.group(3)) * _unit_days(two.group(4))
    return None


def span_days(text: str) -> float | None:
    """"7 months", "six months", "half a year" → days; "last month", "yesterday" too."""
    text = normalise(text)
    lower = text.lower()
    for phrase, days in _RELATIVE:
        if phrase in lower:
            return days
    compound = _compound_days(text)
    if compound is not None:
        return compound
    match = _SPAN.search(text)
    if not match:
        return None
    return _count(match.group(1)) * _unit_days(match.group(2))


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


def read_ages(text: str) -> list[AgeReading]:
    """Every age statement, with the unit said (years when none is)."""
    found: list[AgeReading] = []
    for index, pattern in enumerate(_AGE_PATTERNS):
        for match in pattern.finditer(text):
            if any(a.start <= match.start() < a.end for a in found):
                continue
            groups = [g for g in match.groups() if g is not None]
            if not groups:
                continue
            number = parse_number(groups[0])
            word = (groups[1] if len(groups) > 1 else "").lower()
            sex = None
            if index == 2:
                sex = "male" if groups[1] == "M" else "female"
                word = "year"
            unit = "year"
            for prefix, name in (("mo", "month"), ("w", "week"), ("d", "day")):
                if word.startswith(prefix):
                    unit = name
            found.append(AgeReading(number, unit, sex, match.start(), match.end()))
    return found


_WEIGHT = re.compile(r"(?<![\w.])(-?\d+(?:[.,]\d+)?)\s*(kg|kgs|kilos?|kilograms?|lbs?|pounds?)\b", re.I)


def read_weights(text: str) -> list[tuple[float, str, int, int]]:
    """Free-standing weights such as "18 kg" or "40 lbs"."""
    return [(parse_number(m.group(1)), m.group(2), m.start(), m.end()) for m in _WEIGHT.finditer(text)]


_DAYS_AGO = re.compile(rf"\b{_COUNT}\s*(days?|weeks?|months?|years?|hours?|hrs?)\s+ago\b", re.I)
_DAYS_PER = {"week": 7.0, "month": 30.4375, "year": 365.25, "h": 1 / 24}


def days_ago(text: str) -> float | None:
    """"2 days ago", "three months ago", "yesterday", "today" → days."""
    text = normalise(text)
    match = _DAYS_AGO.search(text)
    if match:
        unit = match.group(2).lower()
        return _count(match.group(1)) * next((days for prefix, days in _DAYS_PER.items() if unit.startswith(prefix)),
                                             1.0)
    lower = text.lower()
    if "yesterday" in lower:
        return 1.0
    if "today" in lower or "this morning" in lower or "tonight" in lower:
        return 0.0
    return None
