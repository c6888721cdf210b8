"""Numbers as people write them: "thirty-five", "four hundred thousand", "nine years old" become digits.

Every reader works on digits, so a message is normalised once, before it is read; the readers then see one text
and their character offsets stay consistent with it. text2num does the work (French and Dutch are ready too).
"""

from __future__ import annotations

import re

from text_to_num import alpha2digit

LANGUAGE = "en"
# "one" and "a" stay words: as determiners ("one of the trials", "a trial", "no one") they are no number, and the
# duration readers take "a year"/"one year" as 1 themselves. Numbers from 2 up become digits.
_THRESHOLD = 2
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
# text2num reads a number word only as a word of its own: "six-year-old" is given as "six year-old".
_ATTACHED_UNIT = re.compile(r"(?<=[a-z])-(?=(?:years?|yrs?|months?|weeks?|days?)-?\s*old\b)", re.IGNORECASE)


def normalise(text: str, lang: str = LANGUAGE) -> str:
    """The text with typographic apostrophes made plain ("I’m") and spelled-out numbers written as digits."""
    text = _ATTACHED_UNIT.sub(" ", text.translate(_QUOTES))
    return alpha2digit(text, lang, threshold=_THRESHOLD)
