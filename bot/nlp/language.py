"""Which of English, French and Dutch a message is written in, when it clearly is one of them.

py3langid, restricted to the three languages with normalised probabilities, reads longer messages well; on short
ones it falls back to its prior (about 0.62 for English on a text it knows nothing of: "58", "ok", "JAK2") and
misreads greetings ("bonjour" comes out English). So it decides alone only when it is sure and the message has a
few words; otherwise a short curated list of cue words decides: greetings, yes/no, thanks, pronouns and the
grammar words that only one of the three languages uses ("je", "ik", "the"). Words shared by two of them ("de",
"is", "ja") are no cue, and neither are names of diseases, medicines or labs, which are the same in every language.
A message that is a number, a name or one unknown word gives None: the caller keeps the language it had.
"""

from __future__ import annotations

import re
from functools import cached_property, lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

LANGUAGES = ("en", "fr", "nl")
_SURE = 0.95  # py3langid alone decides above this probability...
_MIN_WORDS = 3  # ...and for a message of at least this many words

# Cue words, each used by one of the three languages only (lower case; an apostrophe's elision stays with its word).
CUES: dict[str, frozenset[str]] = {
    "en": frozenset("""hello hi hey thanks thank yes yeah yep i i'm i've i'd my we our you your he she his her they
i' the and with for from since years year months month weeks old have has had am are was were not don't doesn't
didn't can't daughter son wife husband father mother please what which how when trial trials study""".split()),
    "fr": frozenset("""bonjour bonsoir salut merci oui ouais non je j' j'ai suis moi mon ma mes nous notre vous votre
il elle ils elles le la les l' du des un une et avec pour depuis ans mois semaines ai avons est sont était pas ne n'
c'est c' qu' d' fils fille mari femme père mère s'il plaît quel quelle essai essais étude""".split()),
    "nl": frozenset("""ja hallo hoi goedemorgen goedemiddag goedenavond dag dank bedankt dankjewel dankuwel nee jawel
ik mijn ben heb hebt heeft wij we onze jij je jouw u uw hij zij ze het een en met voor sinds jaar maanden weken oud
niet geen wel zoon dochter man vrouw vader moeder alstublieft alsjeblieft welke wat hoe wanneer studie
onderzoek""".split()),
}
# "je" and "ze" are French and Dutch both; "de" is French and Dutch; "is" English and Dutch: cues for neither.
_SHARED = frozenset({"je", "ze", "de", "is", "en", "dag", "me"})
# Phrases whose words alone would mislead ("dank je": "je" would count for French).
_PHRASES = {"dank je": "nl", "dank u": "nl", "s'il vous plaît": "fr", "thank you": "en"}
_WORD = re.compile(r"[^\W\d_]+(?:'|’)?", re.UNICODE)


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


class _Message:
    """One message as the checks below read it: py3langid is asked at most once per message (detect and switch_to
    both need its guess). Kept for the call only, never in a cache: a cache of messages would keep the person's
    words in the process after "forget me"."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lower = text.lower().replace("’", "'")
        self.words = [w for w in _WORD.findall(self.lower) if len(w) > 1 or w == "i"]

    @cached_property
    def counts(self) -> dict[str, int]:
        return _cue_counts(self.words)

    @cached_property
    def classified(self) -> tuple[str, float]:
        guess, probability = _identifier().classify(self.text)
        return guess, float(probability)


def _cue_counts(words: list[str]) -> dict[str, int]:
    counts = dict.fromkeys(LANGUAGES, 0)
    for word in words:
        if word in _SHARED:
            continue
        for lang, cues in CUES.items():
            if word in cues:
                counts[lang] += 1
    return counts


def detect(text: str) -> str | None:
    """"en", "fr" or "nl" when the message clearly is in that language, None when it cannot tell."""
    return _detect(_Message(text))


def _detect(message: _Message) -> str | None:
    for phrase, lang in _PHRASES.items():
        if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", message.lower):
            return lang
    if not message.words:
        return None
    counts = message.counts
    best = max(counts.values())
    leaders = [lang for lang, n in counts.items() if n == best]
    guess, probability = message.classified
    if best > 0 and len(leaders) == 1:
        cue_lang = leaders[0]
        if best >= 2 or guess == cue_lang or probability < _SURE or len(message.words) < _MIN_WORDS:
            return cue_lang
    if probability >= _SURE and len(message.words) >= _MIN_WORDS and (best == 0 or guess in leaders):
        return guess
    return None


def switch_to(text: str, current: str) -> str | None:
    """Another language than the conversation's, when a message clearly says more in it: at least two of its cue
    words, more than of the current language's, and py3langid sure of it too. A message that mixes in names
    of labs or medicines, or a few shared words ("de Phoenix score is 3"), never switches."""
    message = _Message(text)
    found = _detect(message)
    if found is None or found == current:
        return None
    counts = message.counts
    guess, probability = message.classified
    if counts[found] >= 2 and counts[found] > counts.get(current, 0) and guess == found and probability >= _SURE:
        return found
    return None
