"""Whether an "only" word closes the list of medicines: "only hydroxyurea", "Hydrea, nothing else".

The cue words are ONLY entities in patterns/terms.jsonl; their id says where the medicine stands:
"before" (the cue comes first: "just taking hydroxyurea"; or straight after it: "hydroxyurea only"),
"after" (the cue follows the list: "hydroxyurea and aspirin, nothing else"), "after_denied" (the same, said
with a negation: "hydroxyurea, I don't take anything else") and "sentence" ("the only medicine I take is
hydroxyurea"). "Only" says many other things ("platelets only 85", "I just started hydroxyurea"), so the words
between cue and medicine must be ones that keep the sense.
"""

from __future__ import annotations

from spacy.tokens import Doc, Span

from bot.nlp.grammar import grammar

# Words that may stand between "only"/"just" and the medicine without changing what "only" is about (English,
# French, Dutch: "je ne prends que de l'hydroxyurée", "ik neem alleen hydroxyurea").
_GAP_BEFORE = frozenset("""on taking take takes use uses using have has get gets getting receive receives receiving
the a my her his their been now currently daily am is are 'm 's prescribed
de du d' l' la le les un une mon ma mes son sa ses sous je il elle prends prend prenons reçoit reçois actuellement
maintenant tous les jours
ik hij zij ze neem neemt gebruik gebruikt krijg krijgt slik slikt het een mijn zijn haar nu momenteel
dagelijks""".split())
_MAX_GAP = 8
_SENTENCE_END = frozenset({".", "!", "?", ";", "\n"})


def _same_sentence(doc: Doc, start: int, end: int) -> bool:
    return not any(t.text in _SENTENCE_END or "\n" in t.text for t in doc[start:end])


def _next_medicine(ent: Span) -> Span | None:
    """The entity right after the cue when it is a medicine and only gap words stand between."""
    later = [e for e in ent.doc.ents if e.start >= ent.end]
    if not later or later[0].label_ != "DRUG":
        return None
    between = ent.doc[ent.end:later[0].start]
    return later[0] if all(t.lower_ in _GAP_BEFORE for t in between) else None


def _previous_medicine(ent: Span, max_gap: int) -> Span | None:
    """The entity right before the cue when it is a medicine in the same sentence, a few words away at most."""
    earlier = [e for e in ent.doc.ents if e.end <= ent.start]
    if not earlier or earlier[-1].label_ != "DRUG":
        return None
    last = earlier[-1]
    close = ent.start - last.end <= max_gap and _same_sentence(ent.doc, last.end, ent.start)
    return last if close else None


def closes_medicine_list(ent: Span) -> bool:
    """True when the ONLY cue says the medicines named beside it are all the person takes."""
    kind = ent.ent_id_
    if ent._.negated != (kind == "after_denied"):  # "not anything else" closes; a denied "only" does not
        return False
    cues = grammar(ent.doc.lang_ if ent.doc.lang_ in ("fr", "nl") else "en").negation_cues
    if ent.start > 0 and ent.doc[ent.start - 1].lower_ in cues:  # "not only hydroxyurea but also..."
        return False
    if kind == "before":
        return _next_medicine(ent) is not None or _previous_medicine(ent, 0) is not None
    if kind in ("after", "after_denied"):
        return _previous_medicine(ent, _MAX_GAP) is not None
    sentence = [e for e in ent.doc.ents if e.label_ == "DRUG"
                and _same_sentence(ent.doc, min(e.start, ent.end), max(e.start, ent.end))]
    return bool(sentence)
