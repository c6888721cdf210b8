"""The spaCy pipeline: a blank English tokenizer, an entity ruler for clinical terms, clause-bounded negation.

No pretrained English pipeline is trusted here, so every term comes from patterns that
ship in the repository: hand-written ones in patterns/terms.jsonl, and diagnosis and
drug names generated from the vocabulary tables so a new synonym needs one edit only.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from bot.vocab import vocabulary

PATTERNS = Path(__file__).parent / "patterns"

# Words that open a negation; its scope runs to the end of the clause, never further.
NEGATION_CUES = {"no", "not", "n't", "never", "without", "denies", "denied", "deny", "none", "neither", "nor",
                 "unwilling", "refuses", "refuse", "refused", "negative", "nil", "absent", "excluded", "wo"}
# Words after which a new clause starts, so "no fever but itching 7/10" negates fever only.
CLAUSE_BREAK_WORDS = {"but", "however", "although", "though", "whereas", "yet", "and", "plus", "also", "while",
                      "with", "except", "apart"}
CLAUSE_BREAK_PUNCT = {",", ";", ".", "!", "?", "(", ")", "\n", "—", "–"}
# "not only hydroxyurea but also aspirin": a cue before these words widens the list rather than denying it.
NOT_NEGATING_AFTER = {"only", "just"}

# Words that make what follows in the clause uncertain: "not sure about infections" states nothing.
HEDGE_WORDS = {"unsure", "maybe", "perhaps", "possibly", "might", "unclear", "uncertain", "dunno"}
# ...and the same when a negation comes first: "not sure", "don't know", "no idea", "can't remember".
HEDGE_AFTER_NEGATION = {"sure", "certain", "know", "idea", "remember", "recall"}
_NEGATING_BEFORE_HEDGE = {"not", "n't", "no", "t", "dont", "didnt", "cant", "cannot"}

if not Span.has_extension("negated"):
    Span.set_extension("negated", default=False)
if not Span.has_extension("hedged"):
    Span.set_extension("hedged", default=False)


def clause_spans(doc: Doc) -> list[tuple[int, int]]:
    """Token index ranges of clauses: split at punctuation and at joining words."""
    spans: list[tuple[int, int]] = []
    start = 0
    for token in doc:
        text = token.text
        lower = token.lower_
        if text in CLAUSE_BREAK_PUNCT or token.is_space or (lower in CLAUSE_BREAK_WORDS and token.i > start):
            if token.i > start:
                spans.append((start, token.i))
            start = token.i + (0 if lower in CLAUSE_BREAK_WORDS else 1)
    if start < len(doc):
        spans.append((start, len(doc)))
    return spans


def _negating_cues(doc: Doc, start: int, end: int) -> bool:
    """Whether a negation cue in doc[start:end] denies what follows it.

    A cue inside another entity belongs to that phrase ("did not respond" to hydroxyurea, "no other medicines"
    than aspirin), and "not only" adds rather than denies.
    """
    inside = {i for e in doc.ents if e.start < end and e.end > start for i in range(e.start, e.end)}
    return any(t.lower_ in NEGATION_CUES and t.i not in inside
               and not (t.i + 1 < len(doc) and doc[t.i + 1].lower_ in NOT_NEGATING_AFTER)
               for t in doc[start:end])


@Language.component("clause_negation")
def clause_negation(doc: Doc) -> Doc:
    """Mark an entity negated when a cue stands before it in its clause, or a "no"/"negative" follows it."""
    clauses = clause_spans(doc)
    for ent in doc.ents:
        for start, end in clauses:
            if start <= ent.start < end:
                after = [t.lower_ for t in doc[ent.end:end]][:2]
                post = bool(after) and after[-1] in {"no", "negative", "absent", "excluded", "none"} and (
                    len(after) == 1 or after[0] in {":", "-", "=", "is", "was"})
                ent._.negated = _negating_cues(doc, start, ent.start) or post
                ent._.hedged = _hedged(doc, start, ent.start)
                break
    return doc


def _hedged(doc: Doc, start: int, end: int) -> bool:
    """Whether doc[start:end] (the clause before an entity) says the person is not sure of it."""
    for token in doc[start:end]:
        if token.lower_ in HEDGE_WORDS:
            return True
        before = doc[token.i - 1].lower_ if token.i > start else ""
        if token.lower_ in HEDGE_AFTER_NEGATION and before in _NEGATING_BEFORE_HEDGE:
            return True
    return False


def _vocabulary_patterns() -> list[dict]:
    voc = vocabulary()
    patterns: list[dict] = []
    for concept in voc.concepts.values():
        # An ICD-10 concept's label is its formal title ("Essential (primary) hypertension"); only its plain names
        # are matched.
        for phrase in ((concept.label,) if concept.curated else ()) + concept.synonyms:
            patterns.append({"label": "DIAG", "pattern": phrase, "id": concept.id})
        for phrase in concept.synonyms_cs:
            patterns.append({"label": "DIAG", "pattern": [{"ORTH": t} for t in phrase.split()], "id": concept.id})
    for cls in voc.classes.values():
        for phrase in cls.synonyms:
            patterns.append({"label": "CLASS", "pattern": phrase, "id": cls.id})
    for drug in voc.drugs.values():
        if not drug.curated:
            continue  # looked up by package_drug_names: ten thousand phrase patterns would take seconds to build
        for phrase in (drug.label, *drug.synonyms, *drug.brands):
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


def _file_patterns() -> list[dict]:
    rows: list[dict] = []
    for path in sorted(PATTERNS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows


@lru_cache(maxsize=1)
def pipeline() -> Language:
    """Build the pipeline once per process (2-3 s, most of it unpacking the drug-name package's dictionary)."""
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True})
    ruler.add_patterns(_file_patterns() + _vocabulary_patterns())
    nlp.add_pipe("package_drug_names")
    nlp.add_pipe("clause_negation")
    return nlp
