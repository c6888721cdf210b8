"""Calendar dates in a message ("since March 2024", "stopped on 3 May") as days before today.

The regular expression only finds where a date may be written; dateparser reads it. Today is passed in (or taken
from today() below) so that tests fix it rather than depend on the clock.

A date that names a month but no day counts from the first of that month, and a year alone from 1 January:
dateparser's own choice for missing parts, and one that does not depend on the day the message is read.
Numeric dates are read day first (12/03/2024 is 12 March), as written in the European countries the trials run in.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time
from functools import lru_cache

import dateparser
from babel.dates import get_month_names

from bot.nlp.grammar import grammar

LANGUAGES = ("en",)

_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
          r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DAY = r"(?:\d{1,2}(?:st|nd|rd|th)?(?:\s+of)?)"
_YEAR = r"(?:19|20)\d{2}"
_DATE = (rf"(?:(?:the\s+)?{_DAY}\s+)?{_MONTH}(?:\s+{_DAY})?(?:,?\s+{_YEAR})?"
         rf"|\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})|{_YEAR}")
_NOT_AFTER_A_DATE = r"(?!\s*(?:mg|mcg|µg|ug|g\b|ml|iu\b|units?\b|%|/|x\b|k\b|mmol|µmol|umol|times?\b))"
# A date follows a word that says when: "since March 2024", "started in 2023", "stopped on 12/03/2024".
WHEN_WORDS = ("since", "from", "in", "on", "started", "began", "stopped", "ended")


# French and Dutch month names come from babel's locale data (wide and abbreviated, with and without accents).
_EARLY = {"en": r"(?:early\s+|late\s+|mid-?\s*)?", "fr": r"(?:(?:le\s+)?(?:début|debut|fin|mi-?)\s*(?:de\s+|d')?)?",
          "nl": r"(?:(?:begin|eind|half|medio)\s+)?"}


@lru_cache(maxsize=4)
def _month(lang: str) -> str:
    if lang == "en":
        return _MONTH
    names = {n.lower().rstrip(".") for width in ("wide", "abbreviated")
             for n in get_month_names(width, locale=lang).values()}
    names |= {unicodedata.normalize("NFKD", n).encode("ascii", "ignore").decode() for n in names}
    return rf"(?:{'|'.join(sorted((re.escape(n) for n in names), key=len, reverse=True))})\.?"


@lru_cache(maxsize=4)
def _date(lang: str) -> str:
    if lang == "en":
        return _DATE
    day = r"(?:\d{1,2}(?:er|e|ste|de)?)"
    return (rf"(?:(?:le\s+)?{day}\s+)?{_month(lang)}(?:\s+{_YEAR})?"
            rf"|\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})|{_YEAR}")


@lru_cache(maxsize=16)
def _when(words: tuple[str, ...], lang: str = "en") -> re.Pattern[str]:
    return re.compile(rf"\b(?:{'|'.join(words)})\s+{_EARLY[lang]}({_date(lang)})\b" + _NOT_AFTER_A_DATE,
                      re.IGNORECASE)


def today() -> date:
    """The date facts are counted back from; tests pass their own instead."""
    return date.today()


def parse_date(phrase: str, base: date, languages: tuple[str, ...] = LANGUAGES) -> date | None:
    """One date phrase read by dateparser, preferring the past ("March" is the last March, not the next)."""
    settings = {"RELATIVE_BASE": datetime.combine(base, time()), "PREFER_DATES_FROM": "past",
                "PREFER_DAY_OF_MONTH": "first", "PREFER_MONTH_OF_YEAR": "first", "DATE_ORDER": "DMY",
                "RETURN_AS_TIMEZONE_AWARE": False}
    found = dateparser.parse(phrase, languages=list(languages), settings=settings)
    return found.date() if found else None


def date_days_ago(text: str, base: date | None = None, words: tuple[str, ...] | None = None,
                  lang: str = "en") -> float | None:
    """Days from the first date written after one of words ("since", "in"...; the language's own when not given)
    to base (negative when ahead)."""
    base = base or today()
    words = words if words is not None else grammar(lang).when_words
    for match in _when(words, lang).finditer(text):
        when = parse_date(match.group(1), base, (lang,))
        if when is not None:
            return float((base - when).days)
    return None
