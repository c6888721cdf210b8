"""The spaCy pipeline: a blank tokenizer per language, an entity ruler for clinical terms, clause-bounded negation.

No pretrained pipeline is trusted here, so every term comes from patterns that ship in the repository:
hand-written ones in patterns/ (terms.jsonl for English, fr.jsonl and nl.jsonl for French and Dutch, labs.jsonl
for the French and Dutch names of labs), and diagnosis and drug names generated from the vocabulary tables so a
new synonym needs one edit only. There is one pipeline per language (en, fr, nl): its tokenizer splits the
language's elisions ("l'hydroxyurée"), and its grammar words (bot.nlp.grammar) decide negation, doubt and clause
breaks. Names of diagnoses, medicines and labs of every language are in every pipeline.
"""

from __future__ import annotations

import json
import re
import threading
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.lang.punctuation import TOKENIZER_PREFIXES
from spacy.language import BaseDefaults, Language
from spacy.tokens import Doc, Span

from bot.nlp.grammar import Grammar, grammar
from bot.vocab import strip_accents, vocabulary

PATTERNS = Path(__file__).parent / "patterns"
_LANGUAGE_FILES = {"en": "terms.jsonl", "fr": "fr.jsonl", "nl": "nl.jsonl"}
_SHARED_FILE = "labs.jsonl"  # French and Dutch names of labs, read in every language

# English, French and Dutch negation cues, clause breaks and doubt words are in bot.nlp.grammar.
CLAUSE_BREAK_PUNCT = {",", ";", ".", "!", "?", "(", ")", "\n", "—", "–"}

if not Span.has_extension("negated"):
    Span.set_extension("negated", default=False)
if not Span.has_extension("hedged"):
    Span.set_extension("hedged", default=False)


def _grammar(doc: Doc) -> Grammar:
    return grammar(doc.lang_ if doc.lang_ in _LANGUAGE_FILES else "en")


def clause_spans(doc: Doc) -> list[tuple[int, int]]:
    """Token index ranges of clauses: split at punctuation and at joining words."""
    breaks = _grammar(doc).clause_breaks
    spans: list[tuple[int, int]] = []
    start = 0
    for token in doc:
        text = token.text
        lower = token.lower_
        if text in CLAUSE_BREAK_PUNCT or token.is_space or (lower in breaks and token.i > start):
            if token.i > start:
                spans.append((start, token.i))
            start = token.i + (0 if lower in breaks else 1)
    if start < len(doc):
        spans.append((start, len(doc)))
    return spans


def _negating_cues(doc: Doc, start: int, end: int) -> bool:
    """Whether a negation cue in doc[start:end] denies what follows it.

    A cue inside another entity belongs to that phrase ("did not respond" to hydroxyurea, "no other medicines"
    than aspirin), and "not only" adds rather than denies.
    """
    g = _grammar(doc)
    inside = {i for e in doc.ents if e.start < end and e.end > start for i in range(e.start, e.end)}
    return any(t.lower_ in g.negation_cues and t.i not in inside
               and not (t.i + 1 < len(doc) and doc[t.i + 1].lower_ in g.not_negating_after)
               and not _french_plus_adds(doc, t.i)
               for t in doc[start:end])


# "plus" denies in "plus de fièvre", "ne prend plus"; it adds or counts in "en plus", "de plus", "le plus",
# "plus de 3 ans".
_PLUS_ADDS_AFTER = frozenset("en de le la les au non des".split())


def _french_plus_adds(doc: Doc, i: int) -> bool:
    if doc.lang_ != "fr" or doc[i].lower_ != "plus":
        return False
    before = doc[i - 1].lower_ if i > 0 else ""
    after = [t for t in doc[i + 1:i + 3]]
    counts = bool(after) and (after[0].like_num or (after[0].lower_ in {"de", "d'"} and len(after) > 1
                                                      and after[1].like_num))
    return before in _PLUS_ADDS_AFTER or counts


@Language.component("clause_negation")
def clause_negation(doc: Doc) -> Doc:
    """Mark an entity negated when a cue stands before it in its clause, or a "no"/"negative" follows it."""
    clauses = clause_spans(doc)
    g = _grammar(doc)
    for ent in doc.ents:
        for start, end in clauses:
            if start <= ent.start < end:
                after = [t.lower_ for t in doc[ent.end:end]][:2]
                post = bool(after) and after[-1] in g.post_negation and (
                    len(after) == 1 or after[0] in g.post_negation_links)
                ent._.negated = _negating_cues(doc, start, ent.start) or post
                ent._.hedged = _hedged(doc, start, ent.start)
                break
    return doc


def _hedged(doc: Doc, start: int, end: int) -> bool:
    """Whether doc[start:end] (the clause before an entity) says the person is not sure of it."""
    g = _grammar(doc)
    if g.hedge_phrase is not None and start < end and g.hedge_phrase.search(doc[start:end].text):
        return True
    for token in doc[start:end]:
        if token.lower_ in g.hedge_words:
            return True
        before = doc[token.i - 1].lower_ if token.i > start else ""
        if token.lower_ in g.hedge_after_negation and before in g.negating_before_hedge:
            return True
    return False


def _vocabulary_patterns() -> list[dict]:
    voc = vocabulary()
    patterns: list[dict] = []
    for concept in voc.concepts.values():
        # An ICD-10 concept's label is its formal title ("Essential (primary) hypertension"); only its plain names
        # are matched.
        for phrase in ((concept.label,) if concept.curated else ()) + concept.synonyms + concept.foreign_names:
            patterns.append({"label": "DIAG", "pattern": phrase, "id": concept.id})
        for phrase in concept.synonyms_cs + concept.foreign_names_cs:
            patterns.append({"label": "DIAG", "pattern": [{"ORTH": t} for t in phrase.split()], "id": concept.id})
    for cls in voc.classes.values():
        for phrase in cls.synonyms + cls.foreign_names:
            patterns.append({"label": "CLASS", "pattern": phrase, "id": cls.id})
    for drug in voc.drugs.values():
        if not drug.curated:
            continue  # looked up by package_drug_names: ten thousand phrase patterns would take seconds to build
        for phrase in (drug.label, *drug.synonyms, *drug.brands, *drug.foreign_names):
            patterns.append({"label": "DRUG", "pattern": phrase, "id": drug.id})
        for phrase in drug.synonyms_cs:
            patterns.append({"label": "DRUG", "pattern": [{"ORTH": t} for t in phrase.split()], "id": drug.id})
    return patterns


@lru_cache(maxsize=1)
def _package_names() -> tuple[dict[str, str], int, frozenset[str]]:
    """The package's medicine names (lower case) to drug id, the longest name's length, and the words names start
    with (a token that starts no name is skipped at once)."""
    names = {n.lower(): d.id for d in vocabulary().drugs.values() if not d.curated
             for n in (d.label, *d.synonyms, *d.brands)}
    starts = frozenset(re.split(r"[\s\-/(),.+'\[\]]", n, maxsplit=1)[0] for n in names)
    return names, max((len(n) for n in names), default=0), starts


# Words after a medicine's name that make the phrase about something else: "methicillin-resistant",
# "glucagon-like peptide", "vancomycin-sensitive".
_NOT_A_USE = {"resistant", "resistance", "sensitive", "susceptible", "like"}


def _names_something_else(doc: Doc, end: int) -> bool:
    after = [t.lower_ for t in doc[end:end + 2]]
    return bool(after) and (after[0] in _NOT_A_USE or (after[0] == "-" and after[1:2] and after[1] in _NOT_A_USE))


@Language.component("package_drug_names")
def package_drug_names(doc: Doc) -> Doc:
    """Mark the package's medicines (bot.drug_names) by exact look-up of each token run's lower-cased text.

    As phrase patterns, the package's names cost spaCy a tokenised document and new lexemes each: seconds at
    every start. A dictionary costs nothing to build. A name found here replaces the ruler's entities only when
    it is longer than each of them, as a longer pattern would have won inside the ruler.
    """
    names, max_chars, starts = _package_names()
    found: list[Span] = []
    i = 0
    while i < len(doc):
        if doc[i].lower_ not in starts:
            i += 1
            continue
        best = None
        start = doc[i].idx
        for j in range(i + 1, len(doc) + 1):
            end = doc[j - 1].idx + len(doc[j - 1])
            if end - start > max_chars:
                break
            drug = names.get(doc.text[start:end].lower())
            if drug:
                best = Span(doc, i, j, label="DRUG", span_id=drug)
        if best is None or _names_something_else(doc, best.end):
            i = best.end if best is not None else i + 1
            continue
        found.append(best)
        i = best.end
    if found:
        ents = list(doc.ents)
        kept = [s for s in found
                if all(s.end - s.start > e.end - e.start for e in ents if s.start < e.end and e.start < s.end)]
        doc.ents = [e for e in ents if not any(e.start < s.end and s.start < e.end for s in kept)] + kept
    return doc


def _read_rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (PATTERNS / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def _without_accents(rows: list[dict]) -> list[dict]:
    """Each phrase pattern also without its accents: many people type "reanimation", "hydroxyuree"."""
    extra = [{**row, "pattern": strip_accents(row["pattern"])} for row in rows
             if isinstance(row["pattern"], str) and strip_accents(row["pattern"]) != row["pattern"]]
    return rows + extra


def _english_lab_names() -> list[dict]:
    """English lab names that are no French or Dutch word: whole names and case-sensitive abbreviations ("PLT",
    "Hb"); short lower-case ones ("plat", "alt") are words there."""
    return [row for row in _read_rows(_LANGUAGE_FILES["en"]) if row["label"] == "LAB"
            and (not isinstance(row["pattern"], str) or len(row["pattern"]) >= 5)]


def _file_patterns(lang: str = "en") -> list[dict]:
    """The language's own patterns, the French and Dutch lab names, and (outside English) the English lab names."""
    rows = _read_rows(_LANGUAGE_FILES[lang])
    if lang != "en":
        rows = _without_accents(rows) + _english_lab_names()
    return rows + _without_accents(_read_rows(_SHARED_FILE))


class _FrenchDefaults(BaseDefaults):
    prefixes = (r"(?:[Qq]u|[Jj]usqu|[Ll]orsqu|[Pp]uisqu|[CcDdJjLlMmNnSsTt])['’]", *TOKENIZER_PREFIXES)


class _French(Language):
    """French with spaCy's default punctuation rules and the elisions split off ("l'", "d'", "qu'").

    spacy.blank("fr") compiles a regular expression of thousands of hyphenated words when spacy.lang.fr is first
    imported: 13 s or more, on the first French message a server reads. The readers need only the elisions.
    """

    lang = "fr"
    Defaults = _FrenchDefaults


def _blank(lang: str) -> Language:
    return _French() if lang == "fr" else spacy.blank(lang)


# spaCy does not promise that one pipeline may run in two threads at once, and the action server runs each
# action in a thread of its own (actions/safety.py): a message is read by one thread at a time (a few ms).
_READING = threading.Lock()


def analyse(text: str, lang: str = "en") -> Doc:
    """The text run through the language's pipeline, one thread at a time."""
    nlp = pipeline(lang)
    with _READING:
        return nlp(text)


@lru_cache(maxsize=3)
def pipeline(lang: str = "en") -> Language:
    """Build a language's pipeline once per process (2-3 s, most of it unpacking the drug-name package's
    dictionary)."""
    grammar(lang)  # an unknown language fails here, clearly
    nlp = _blank(lang)
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True})
    ruler.add_patterns(_file_patterns(lang) + _vocabulary_patterns())
    nlp.add_pipe("package_drug_names")
    nlp.add_pipe("clause_negation")
    return nlp
