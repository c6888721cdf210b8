"""The person's language: replies from message catalogues, and dates, numbers and countries as each language writes
them.

English sentences in the code are the message ids (gettext's convention), so English needs no catalogue and a
missing translation falls back to English rather than to nothing. The French and Dutch catalogues are gettext .po
files in bot/locale/, read with Babel (no compile step, no binary file in the repository); `trialbot i18n check`
and a unit test list any message id a catalogue lacks.

The layers below the actions do not know the person's language. What they word for people (a reason with its
numbers, a recruitment status, a site) they return as a `Phrase`: a str that reads as English everywhere it is
used today, and that carries its message id and parameters so that `localise` can word it again in the person's
language at the edge (the action that replies). Trial texts written in several languages (the seed trials'
summaries) are `Translated` strings in the same way.
"""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from datetime import date
from functools import cache, lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

LANGUAGES = ("en", "fr", "nl")
DEFAULT = "en"
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "trialbot"
# How a date is written in a sentence: "1 May 2026", "1 mai 2026", "1 mei 2026".
DATE_PATTERN = "d MMMM y"
MONTH_PATTERN = "MMMM y"
# Contexts of the questions of bot.facts: asked of the person ("you") or about someone else ("they", with {who}).
YOU, THEY = "you", "they"


@lru_cache(maxsize=256)
def language(lang: str | None) -> str:
    """One of LANGUAGES: a widget's "fr-FR" is French, anything unknown is English (cached: it is asked for every
    parameter of every sentence)."""
    code = (lang or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else DEFAULT


def catalogue_path(lang: str) -> Path:
    return LOCALE_DIR / f"{lang}.po"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The catalogue of a language, read once per process; English (or no catalogue) translates to itself."""
    path = catalogue_path(lang)
    if lang == DEFAULT or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang, domain=DOMAIN)
    buffer = BytesIO()
    write_mo(buffer, catalog)  # fuzzy entries are left out: an unchecked translation is not used
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


class Words:
    """The sentences of one language: `_("Sites: {sites}.", sites=...)`, plurals and contexts; numbers and dates
    as that language writes them. Parameters that are Phrases, dates or numbers are worded in the same language."""

    def __init__(self, lang: str | None = DEFAULT) -> None:
        self.lang = language(lang)
        self._t = translations(self.lang)

    def __call__(self, msgid: str, **params: Any) -> str:
        return self._fill(self._t.gettext(msgid), params)

    def plural(self, singular: str, plural: str, count: int, **params: Any) -> str:
        return self._fill(self._t.ngettext(singular, plural, count), {"count": count, **params})

    def ctx(self, context: str, msgid: str, **params: Any) -> str:
        """A message whose wording depends on a context, e.g. a question asked of the person or about someone."""
        found = self._t.pgettext(context, msgid)
        return self._fill(found, params)

    def date(self, day: date, month_only: bool = False) -> str:
        return format_date(day, MONTH_PATTERN if month_only else DATE_PATTERN, locale=self.lang)

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.lang, group_separator=False)

    def _fill(self, text: str, params: Mapping[str, Any]) -> str:
        if not params:
            return text
        return text.format(**{key: self.word(value) for key, value in params.items()})

    def word(self, value: Any) -> Any:
        """One parameter in this language."""
        if isinstance(value, (Phrase, Translated, Country, Number)):
            return localise(value, self.lang)
        if isinstance(value, date):
            return self.date(value, month_only=isinstance(value, Month))
        if isinstance(value, float) and not isinstance(value, bool):
            return self.number(value)
        return value


def words(lang: str | None) -> Words:
    return _words(language(lang))


@lru_cache(maxsize=len(LANGUAGES))
def _words(lang: str) -> Words:
    return Words(lang)


class Phrase(str):
    """A sentence for people, worded in English, that keeps its message id and parameters so it can be worded
    again in another language."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, **params: Any) -> Phrase:
        if params:
            # A Phrase, Translated, Country or Number is its English text already (str.format reads it as a str):
            # only dates and floats need wording. Made hundreds of times a match, so no call for the others.
            english = _words(DEFAULT)
            text = msgid.format(**{k: english.word(v) if isinstance(v, (date, float)) else v
                                   for k, v in params.items()})
        else:
            text = msgid
        made = super().__new__(cls, text)
        made.msgid = msgid
        made.params = params
        return made


def phrase(msgid: str, **params: Any) -> Phrase:
    """Mark a sentence of the lower layers for translation (the catalogue extractor looks for this name)."""
    return Phrase(msgid, **params)


def marked(msgid: str) -> str:
    """Mark a message id that is worded later (gettext's N_): the extractor finds it, nothing is translated here."""
    return msgid


def asked(msgid: str) -> str:
    """Mark a question written about "the patient": French and Dutch catalogues word it twice, asked of the person
    (context "you") and about someone else (context "they", with {who})."""
    return msgid


def listed(items: list[str]) -> str:
    """"a, b, c" that keeps each item's translations: a Phrase when any item is one."""
    if len(items) == 1:
        return items[0]
    return phrase("{first}, {rest}", first=items[0], rest=listed(items[1:])) if items else ""


def joined(items: list[str], separator: str) -> str:
    """Items joined by a separator that needs no translation ("; "), keeping each item's translations."""
    if len(items) <= 1:
        return items[0] if items else ""
    return Phrase("{first}" + separator.replace("{", "{{").replace("}", "}}") + "{rest}", first=items[0],
                  rest=joined(items[1:], separator))


def any_of(items: list[str]) -> str:
    """"a, b or c", worded in the person's language."""
    if len(items) <= 1:
        return items[0] if items else ""
    return phrase("{some} or {last}", some=listed(items[:-1]), last=items[-1])


def all_of(items: list[str]) -> str:
    """"a, b and c", worded in the person's language."""
    if len(items) <= 1:
        return items[0] if items else ""
    return phrase("{some} and {last}", some=listed(items[:-1]), last=items[-1])


class Translated(str):
    """A text of a trial that its file gives in several languages: English as a str, the others on the side."""

    texts: dict[str, str]

    def __new__(cls, english: str, texts: Mapping[str, str] | None = None) -> Translated:
        made = super().__new__(cls, english)
        made.texts = {k: v for k, v in (texts or {}).items() if v}
        return made

    def has(self, lang: str) -> bool:
        return lang == DEFAULT or lang in self.texts


class Number(str):
    """A number shown to a person: "2.5" in English, "2,5" in French and Dutch; no float noise."""

    value: float

    def __new__(cls, value: float) -> Number:
        shown = f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
        made = super().__new__(cls, shown)
        made.value = value
        return made


class Month(date):
    """A date of which only the month is known: shown as "May 2026"."""


class Country(str):
    """A country named in English (as the registers do), worded in the person's language when shown."""


@lru_cache(maxsize=1)
def _territory_codes() -> dict[str, str]:
    codes = {name.lower(): code for code, name in Locale(DEFAULT).territories.items() if code.isalpha()}
    codes.update({"the netherlands": "NL", "holland": "NL", "uk": "GB", "usa": "US", "south korea": "KR"})
    return codes


def country_name(name: str, lang: str) -> str:
    """"Netherlands" in French is "Pays-Bas" (Babel's CLDR names); a name it does not know stays as it is."""
    if language(lang) == DEFAULT:
        return name
    code = _territory_codes().get(name.strip().lower())
    return Locale(language(lang)).territories.get(code, name) if code else name


def localise(value: Any, lang: str | None) -> Any:
    """The same data with every Phrase, Translated text and Country worded in the language; dicts, lists and tuples
    are walked (a widget payload, a trial's summary). Other values are returned as they are."""
    lang = language(lang)
    if isinstance(value, Phrase):
        if lang == DEFAULT:  # worded in English when it was made; wording it again cost a third of a match
            return str(value)
        return words(lang)(value.msgid, **value.params) if value.params else words(lang)(value.msgid)
    if isinstance(value, Translated):
        return value.texts.get(lang, str(value)) if lang != DEFAULT else str(value)
    if isinstance(value, Country):
        return country_name(value, lang)
    if isinstance(value, Number):
        return str(value) if lang == DEFAULT else str(value).replace(".", ",")
    if isinstance(value, Mapping):
        return {key: localise(item, lang) for key, item in value.items()}
    if isinstance(value, list):
        return [localise(item, lang) for item in value]
    if isinstance(value, tuple):
        return tuple(localise(item, lang) for item in value)
    return value
