"""One eligibility line of a register record → a rule in the trial-file language, or why it stays manual.

The parser never guesses. It recognises a few kinds of statement ("atoms") it can read with
confidence: an age bound, a lab value with comparison and unit, pregnancy or breastfeeding, a
diagnosis in the vocabulary, a named medicine or class with its time frame. A line it cannot read
whole stays manual, with the reason; a line it reads only in part gets a rule for that part and the
rest in `also_check`, marked so that it can never rule a person out:

- an exclusion part is `partial: necessary` (met → "may exclude", for the study team);
- an inclusion part is `partial: sufficient` (not met → "may not meet", for the study team).

Whichever the true relation between the part and the line, these two choices only ever leave a line
open where the other would have decided it (DESIGN: partial rules decide only in the direction that
allows).
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from spacy.tokens import Doc, Span

from bot.criteria import RuleError, parse_rule
from bot.facts import FACTS, ValueRefused
from bot.nlp.pipeline import pipeline
from bot.units import known_unit, parse_number
from bot.vocab import vocabulary

_OP_WORDS = (
    ("greater than or equal to", ">="), ("more than or equal to", ">="), ("less than or equal to", "<="),
    ("equal to or greater than", ">="), ("equal to or more than", ">="), ("equal to or less than", "<="),
    ("no more than", "<="), ("not more than", "<="), ("no less than", ">="), ("not less than", ">="),
    ("not exceeding", "<="), ("at least", ">="), ("at most", "<="), ("a minimum of", ">="),
    ("a maximum of", "<="), ("minimum of", ">="), ("maximum of", "<="), ("greater than", ">"),
    ("more than", ">"), ("higher than", ">"), ("above", ">"), ("over", ">"), ("exceeding", ">"), ("in excess of", ">"),
    ("older than", ">"), ("younger than", "<"), ("less than", "<"), ("lower than", "<"), ("fewer than", "<"),
    ("below", "<"), ("under", "<"),
    ("≥", ">="), (">=", ">="), ("=>", ">="), ("≤", "<="), ("<=", "<="), ("=<", "<="), (">", ">"), ("<", "<"),
)
_OP = "|".join(re.escape(w) for w, _ in _OP_WORDS)
_OPS = dict(_OP_WORDS)
_NUM = r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?)"
# Comparison right after a lab term: "platelets < 100 x 10^9/L", "ANC of at least 1,500/mm3".
_COMPARISON = re.compile(
    r"^\s*(?:\([^)]{1,15}\)\s*)?(?:count|level|levels|value|concentration|of|is|:|must be|should be|\s)*\s*"
    r"(" + _OP + r")\s*(?:to\s+)?" + _NUM + r"\s*", re.I)
# A score's range: "ECOG performance status 0-2", "Karnofsky of 70 to 100".
_SCORE_RANGE = re.compile(r"^\s*(?:\([^)]{1,15}\)\s*)?(?:score|status|of|is|:|must be|\s)*\s*(\d{1,3})\s*(?:-|–|to)\s*"
                          r"(\d{1,3})\b\s*%?", re.I)
_SCORE_UNIT = re.compile(r"^\s*(?:%|kg\s*/\s*m\s*(?:2|²|\^2))", re.I)
_TIMES_ULN = re.compile(r"^\s*(?:x|×|\*|times)?\s*(?:the\s+)?(?:institutional\s+|local\s+)?(?:uln|upper limits? of "
                        r"(?:the\s+)?normal(?:\s+range)?)(?:\s*\(uln\))?", re.I)
_UNIT_TEXT = re.compile(r"^([×x*]\s*10\s*(?:\^|\*|e)\s*\d+\s*/\s*[lL]|[A-Za-zµμ/%^*0-9³]+(?:\s*/\s*[A-Za-zµμ0-9³]+)?)")
# Ages: "aged 18 years or older", "≥ 18 years", "between 18 and 65 years", "18-75 years", "under 18".
_AGE_UNIT = r"(years?|yrs?|months?|weeks?|days?)\b"
_AGE_CONTEXT = re.compile(r"\b(age|aged|ages|old|older|younger|year-old|years-old|adults?|child|children|paediatric|"
                          r"pediatric)\b",
                          re.I)
# Ages that are not the person's age limit: another kind of age, or an age that only selects a sub-group
# ("a score of 5 for women up to the age of 50").
_NOT_AN_AGE_LIMIT = re.compile(r"\b(gestational|post-?menstrual|corrected|bone|mental)\s+age\b|"
                               r"\b(?:for|if|when|in)\s+(?:\w+\s+){0,3}(?:up to|over|above|under|below|aged|older|"
                               r"younger|the age)\b", re.I)
# A span of time, not an age: "more than 5 years ago", "under 6 months since diagnosis".
_NOT_AGE = r"(?!\s*(?:ago|before|prior|after|since|following|from|post|of (?:treatment|therapy|diagnosis|follow)))"
_AGE_RANGE = re.compile(r"(?:between\s+|from\s+)?(\d{1,3})\s*(?:years?\s*)?(?:-|–|to|and)\s*(\d{1,3})\s*" + _AGE_UNIT
                        + _NOT_AGE + r"(?:\s*(?:of age|old))?", re.I)
_AGE_OP_BEFORE = re.compile(r"(" + _OP + r")\s*(\d{1,3})\s*" + _AGE_UNIT + _NOT_AGE + r"(?:\s*(?:of age|old))?",
                            re.I)
_AGE_OP_AFTER = re.compile(r"(\d{1,3})\s*" + _AGE_UNIT + r"\s*(?:of age|old)?\s*(?:or|and)\s*"
                           r"(older|above|over|younger|under)\b(?!\s*than)", re.I)
# "aged 18-65", "age 12 to 74": a range right after the word age is in years when no unit follows.
_AGE_RANGE_BARE = re.compile(r"\bage[ds]?\s*[:：]?\s*(?:between|from)?\s*(\d{1,3})\s*(?:-|–|to|and)\s*(\d{1,3})\b"
                             r"(?!\s*(?:%|kg|mg|cm|g\b|mm|months?|weeks?|days?|years?|yrs?|\.\d))", re.I)
# The legacy PDQ layout: "Age: 18 and over", "Age: 3 to 21", "18 and under" (years when no unit is written).
_AGE_BARE = re.compile(r"^age\s*[:：-]?\s*(\d{1,3})\s*(?:(and|or)\s*(over|older|above|under|younger|below)|"
                       r"(?:to|-|–)\s*(\d{1,3}))\s*(years?|yrs?|months?)?\W*$", re.I)
# An age bound belongs to the person only next to an age word or a person: "aged 18 to 65", "children > 5 years",
# "18 years of age or older"; not "wound more than 6 months old" or "life expectancy of at least 2 weeks".
_AGE_BEFORE = re.compile(r"(?:\bage[ds]?\b|\b(?:patients?|subjects?|participants?|children|child|adults?|men|women|"
                         r"males?|females?|boys?|girls?|infants?|adolescents?|volunteers?|persons?|people|individuals?)\b)"
                         r"[^.;:\d]{0,20}$", re.I)
_AGE_AFTER = re.compile(r"^\s*(?:of age|years?[- ]old|yrs?[- ]old|y/o|of age or)", re.I)
# An inclusion that asks the person not to be pregnant or breastfeeding: "Not pregnant or nursing".
_NOT_PREGNANT_LINE = re.compile(r"^(?:must\s+)?(?:be\s+)?(?:not|no)\s+(?:be\s+)?pregnan(?:t|cy)"
                                r"(?:\s*(?:or|,|and|/)\s*(?:nursing|lactating|breast[- ]?feeding))?\W*$", re.I)
# An inclusion that is a negated requirement, with nothing else negated or excepted in it: "No prior JAK inhibitor".
_NEGATED_REQUIREMENT = re.compile(r"^(?:no|without|absence of|free of|never)\s+(?!.*\b(?:no|not|without|except|unless|"
                                  r"other than|excluding|but|however|n't)\b)(.+)$", re.I)
# Words before a disease name that make the line about something else than having it.
_NOT_HAVING = re.compile(r"(?:\banti-?\s*$|\b(?:test(?:ing|ed|s)?|screen(?:ing|ed)?|serolog\w*|vaccin\w*|immuni[sz]\w*)"
                         r"\b[^.;]*$)", re.I)
_OTHER_TRIAL = re.compile(r"\b(?:clinical trial|clinical study|investigational|study drug|study medication|"
                          r"sponsored|enrolled in)\b", re.I)
_NOT_SPECIFIED = re.compile(r"^(?:[\w /-]{1,40}[:：]\s*)?not specified\W*$", re.I)
_PREGNANT = re.compile(r"\bpregnan(?:t|cy)\b", re.I)
_BREASTFEEDING = re.compile(r"\b(?:breast[- ]?feeding|lactating|lactation|nursing(?= (?:mothers?|women|females|"
                            r"patients|subjects))|(?<=or )nursing)\b", re.I)
# Words before "pregnancy" that make it something else than being pregnant now ("avoidance of pregnancy").
_NOT_PREGNANT_NOW = re.compile(r"\b(avoid\w*|prevent\w*|risk|potential|test\w*|becom\w*|intend\w*|intention|plan\w*|"
                               r"contracept\w*|childbearing|child-bearing|complet\w*|previous|prior|history|after|"
                               r"termination|outcome|during|through|until)\W+(?:\w+\W+){0,2}$", re.I)
_NEGATIVE_TEST = re.compile(r"\bnegative\s+(?:serum\s+|urine\s+|blood\s+|β-?hcg\s+|b-?hcg\s+)?pregnancy\s+test\b",
                            re.I)
_TIME_UNIT = r"(hours?|hrs?|h|days?|weeks?|wks?|months?|years?|half[- ]lives|half[- ]life)"
_WINDOW = re.compile(r"\b(?:within|in|during)\s+(?:the\s+)?(?:last|past|previous|preceding|prior)?\s*" + _NUM
                     + r"\s*" + _TIME_UNIT + r"\b|\b" + _NUM + r"\s*" + _TIME_UNIT
                     + r"\s+(?:before|prior to|preceding|of)\b", re.I)
_CURRENT = re.compile(r"\b(current(?:ly)?|concomitant|ongoing|receiving|taking|on treatment with|"
                      r"concurrent(?:ly)?|at the time of)\b", re.I)
_EVER = re.compile(r"\b(prior|previous(?:ly)?|history of|ever|past|previously treated|earlier)\b", re.I)
# Words of a line that carry no condition of their own.
_FILLER = set("""a an the of with or and to in on for by at as be is are was were has have had having who which
that this these those any all its their his her patient patients subject subjects participant participants person
persons people individual individuals must should will can may known documented diagnosis diagnosed confirmed
history prior previous evidence presence present male female males females men women man
woman both either age aged old years year months month weeks week days day than more less count level levels
value values serum plasma blood total absolute treatment treated therapy with use used using received receiving
including include includes included following criteria criterion e g i eg ie etc enrolment enrollment
screening study entry randomisation randomization baseline registration inclusion start visit dose first before
prior preceding child children adult adults adolescent adolescents infant infants""".split())
_NEGATION = re.compile(r"\b(no|not|without|never|non|none|neither|nor|absence|absent|negative|except|unless|"
                       r"excluding|other than|free of|lack of|unable|unwilling|refus\w*)\b|n't\b", re.I)
_VAGUE = re.compile(r"\b(normal|adequate|sufficient|appropriate|acceptable|significant|severe|uncontrolled|"
                    r"clinically|stable|reasonable|satisfactory)\b", re.I)


@dataclass
class ParsedLine:
    """What the parser made of one criterion line."""

    text: str
    kind: str
    rule: dict[str, Any] | None
    manual: str | None
    also_check: str | None = None
    partial: str | None = None
    atoms: tuple[str, ...] = ()  # kinds of rule found: age, sex, lab, pregnancy, diagnosis, medication
    # Thresholds as the text states them (measure, operator, value, unit), before the age convention is applied.
    stated: tuple[tuple[str, str, float, str | None], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "kind": self.kind, "rule": self.rule, "manual": self.manual,
                "also_check": self.also_check, "partial": self.partial,
                "stated": [{"measure": m, "op": o, "value": v, "unit": u} for m, o, v, u in self.stated]}


@dataclass
class _Atom:
    kind: str
    rule: dict[str, Any]
    start: int
    end: int
    stated: tuple[str, str, float, str | None] | None = None
    uln: bool = False  # a threshold made from the table of upper limits of normal, not from the line's own number


def _manual(text: str, kind: str, why: str) -> ParsedLine:
    return ParsedLine(text, kind, None, why)


def parse_line(text: str, kind: str) -> ParsedLine:
    """The rule for one line (inclusion or exclusion), or why it stays manual."""
    text = " ".join(text.split())
    if kind not in ("inclusion", "exclusion"):
        return _manual(text, kind, "the record does not say whether this line includes or excludes")
    if not text:
        return _manual(text, kind, "empty line")
    if _NOT_SPECIFIED.match(text):
        return _manual(text, kind, "the record states no requirement here")
    whole = _whole_line(text, kind)
    if whole is not None:
        return whole
    negated = _NEGATED_REQUIREMENT.match(text) if kind == "inclusion" else None
    if negated:
        return _not(text, negated.group(1))
    doc = pipeline()(text)
    atoms, problem = _atoms(text, doc, kind)
    if problem:
        return _manual(text, kind, problem)
    if not atoms:
        return _manual(text, kind, "no statement the parser reads with confidence (age, sex, a lab value with its "
                                   "unit, pregnancy, a diagnosis or a medicine in the vocabulary)")
    ages = [a.rule["op"] for a in atoms if a.kind == "age"]
    if ages.count(">=") > 1 or ages.count("<") > 1:
        return _manual(text, kind, "several age ranges in one line (for different groups of people)")
    covered = [(a.start, a.end) for a in atoms]
    outside = _outside(text, covered)
    if _NEGATION.search(outside):
        return _manual(text, kind, "a negation or exception the parser cannot scope")
    joined = _join(atoms, text, kind)
    if joined is None:
        return _manual(text, kind, "'and' and 'or' mixed between the statements: grouping is not clear")
    rule, certain = joined
    leftover = [w for w in re.findall(r"[a-zA-Z][a-zA-Z'-]*", outside) if w.lower() not in _FILLER]
    vague = _VAGUE.search(outside)
    try:
        parse_rule(rule, "parsed")
    except RuleError as error:
        return _manual(text, kind, f"the rule read does not check: {error.message}")
    kinds = tuple(dict.fromkeys(a.kind for a in atoms))
    stated = tuple(a.stated for a in sorted(atoms, key=lambda a: a.start) if a.stated)
    if any(a.rule == {"fact": "pregnant", "is": False} for a in atoms):
        # "a negative pregnancy test": not being pregnant is needed, the test itself is for the study team.
        return ParsedLine(text, kind, rule, None, "the pregnancy test itself", "necessary", kinds, stated)
    if any(a.uln for a in atoms):
        # The table's upper limit stands in for the laboratory's own: the rule may never decide alone.
        partial = "necessary" if kind == "exclusion" else "sufficient"
        limits = "; ".join(f"{k} {v['uln']} {v['unit'].replace('umol', 'µmol')}" for k, v in _uln_table().items()
                           if any(a.uln and a.rule["fact"] == k for a in atoms))
        check = f"the laboratory's own upper limit of normal (the rule used {limits})"
        return ParsedLine(text, kind, rule, None, check, partial, kinds, stated)
    if leftover or vague or not certain:
        rest = " ".join(leftover) if leftover else "how the parts combine"
        partial = "necessary" if kind == "exclusion" else "sufficient"
        return ParsedLine(text, kind, rule, None, f"the rest of the line as written ({rest[:120]})", partial, kinds,
                          stated)
    return ParsedLine(text, kind, rule, None, None, None, kinds, stated)


def _not(text: str, rest: str) -> ParsedLine:
    """An inclusion "No X" is the exclusion "X" turned round; a partial part turns round with it."""
    inner = parse_line(rest, "exclusion")
    if inner.rule is None:
        return _manual(text, "inclusion", inner.manual or "not read")
    flipped = {"necessary": "sufficient", "sufficient": "necessary"}.get(inner.partial or "")
    return ParsedLine(text, "inclusion", {"not": inner.rule}, None, inner.also_check, flipped, inner.atoms,
                      inner.stated)


def _whole_line(text: str, kind: str) -> ParsedLine | None:
    """Short whole-line forms of the legacy layout, read exactly or not at all."""
    m = _AGE_BARE.match(text)
    if m and kind == "inclusion":
        unit = _unit(m.group(5) or "year")
        low = int(m.group(1))
        if m.group(4):
            high = int(m.group(4))
            if low >= high:
                return None
            atoms = [_age_bound(">=", low, unit, 0, 0), _age_bound("<=", high, unit, 0, 0)]
        else:
            up = m.group(3).lower() in ("over", "older", "above")
            atoms = [_age_bound(">=" if up else "<=", low, unit, 0, 0)]
        rule = atoms[0].rule if len(atoms) == 1 else {"all": [a.rule for a in atoms]}
        return ParsedLine(text, kind, rule, None, atoms=("age",), stated=tuple(a.stated for a in atoms if a.stated))
    if _NOT_PREGNANT_LINE.match(text) and kind == "inclusion":
        parts = [{"fact": "pregnant", "is": False}]
        if re.search(r"nursing|lactating|breast", text, re.I):
            parts.append({"fact": "breastfeeding", "is": False})
        rule = parts[0] if len(parts) == 1 else {"all": parts}
        return ParsedLine(text, kind, rule, None, atoms=("pregnancy",))
    return None


def _outside(text: str, spans: list[tuple[int, int]]) -> str:
    out, at = [], 0
    for start, end in sorted(spans):
        out.append(text[at:start])
        at = max(at, end)
    out.append(text[at:])
    return " ".join(out)


def _join(atoms: list[_Atom], text: str, kind: str) -> tuple[dict[str, Any], bool] | None:
    """One rule from the atoms, joined the way the words between them say; (rule, sure of the grouping)."""
    if len(atoms) == 1:
        return atoms[0].rule, True
    atoms = sorted(atoms, key=lambda a: a.start)
    joiners = set()
    for left, right in itertools.pairwise(atoms):
        between = text[left.end:right.start].lower()
        if re.search(r"\bor\b|/", between):
            joiners.add("any")
        elif re.search(r"\band\b", between):
            joiners.add("all")
        else:
            joiners.add("list")
    if {"any", "all"} <= joiners:
        return None
    # "A, B or C" is an or-list and "A, B and C" an and-list; commas alone leave the grouping to the kind, and
    # so does "and" in an exclusion ("pregnant and breastfeeding women" excludes either).
    sure = joiners != {"list"} and not (kind == "exclusion" and "all" in joiners)
    how = "any" if "any" in joiners else "all" if "all" in joiners else ("all" if kind == "inclusion" else "any")
    if all(a.kind == "age" for a in atoms):
        how, sure = "all", True  # the bounds of one age range
    if how == "any" and all(a.kind == "diagnosis" for a in atoms):
        return {"fact": "diagnoses", "within": list(dict.fromkeys(c for a in atoms for c in a.rule["within"]))}, sure
    return {how: [a.rule for a in atoms]}, sure


def _atoms(text: str, doc: Doc, kind: str) -> tuple[list[_Atom], str | None]:
    atoms: list[_Atom] = []
    for finder in (_age_atoms, _lab_atoms, _pregnancy_atoms, _diagnosis_atoms, _medication_atoms):
        found, problem = finder(text, doc, kind)
        if problem:
            return [], problem
        before = list(atoms)
        atoms.extend(a for a in found if not any(a.start < b.end and b.start < a.end for b in before))
    return atoms, None


def _age_atoms(text: str, doc: Doc, kind: str) -> tuple[list[_Atom], str | None]:
    """Age bounds by the register convention: an upper "N years" lasts until the (N+1)th birthday."""
    if not _AGE_CONTEXT.search(text) or _NOT_AN_AGE_LIMIT.search(text):
        return [], None
    atoms: list[_Atom] = []
    for m in _AGE_RANGE.finditer(text):
        if not _about_the_person(text, m):
            continue
        unit = _unit(m.group(3))
        low, high = int(m.group(1)), int(m.group(2))
        if low >= high:
            return [], f"age range {m.group(0)!r} runs backwards"
        atoms.append(_Atom("age", {"fact": "age", "op": ">=", "value": low, "unit": unit}, m.start(), m.end(),
                           ("age", ">=", low, unit)))
        atoms.append(_Atom("age", {"fact": "age", "op": "<", "value": high + 1, "unit": unit}, m.end() - 1, m.end(),
                           ("age", "<=", high, unit)))
    for m in _AGE_OP_BEFORE.finditer(text):
        if any(a.start <= m.start() < a.end for a in atoms) or not _about_the_person(text, m):
            continue
        atoms.append(_age_bound(_OPS[m.group(1).lower()], int(m.group(2)), _unit(m.group(3)), m.start(), m.end()))
    for m in _AGE_RANGE_BARE.finditer(text):
        low, high = int(m.group(1)), int(m.group(2))
        if any(a.start <= m.start() < a.end for a in atoms) or low >= high:
            continue
        atoms += [_age_bound(">=", low, "year", m.start(), m.end()), _age_bound("<=", high, "year", m.end() - 1,
                                                                                  m.end())]
    for m in _AGE_OP_AFTER.finditer(text):
        if any(a.start <= m.start() < a.end for a in atoms) or not _about_the_person(text, m):
            continue
        word = m.group(3).lower()
        op = ">=" if word in ("older", "above", "over", "more", "greater") else "<="
        atoms.append(_age_bound(op, int(m.group(1)), _unit(m.group(2)), m.start(), m.end()))
    return atoms, None


def _about_the_person(text: str, match: re.Match[str]) -> bool:
    """An age word or a person just before the bound, or "of age" / "years old" right after it."""
    return bool(_AGE_BEFORE.search(text[max(0, match.start() - 40):match.start()])
                or _AGE_AFTER.match(text[match.end():])
                or re.search(r"of age|years?[- ]old|yrs? old", match.group(0), re.I))


def _age_bound(op: str, value: int, unit: str, start: int, end: int) -> _Atom:
    if op in (">", ">="):
        rule = {"fact": "age", "op": ">=", "value": value, "unit": unit}
    elif op == "<=":
        rule = {"fact": "age", "op": "<", "value": value + 1, "unit": unit}
    else:
        rule = {"fact": "age", "op": "<", "value": value, "unit": unit}
    return _Atom("age", rule, start, end, ("age", op, value, unit))


def _unit(word: str) -> str:
    word = word.lower()
    for prefix, unit in (("y", "year"), ("mo", "month"), ("w", "week"), ("d", "day")):
        if word.startswith(prefix):
            return unit
    return "year"


def _lab_atoms(text: str, doc: Doc, kind: str) -> tuple[list[_Atom], str | None]:
    """A lab term followed by a comparison and a number; the unit must be one the fact converts."""
    atoms: list[_Atom] = []
    for ent in doc.ents:
        if ent.label_ != "LAB" or ent.ent_id_ not in FACTS:
            continue
        fact = FACTS[ent.ent_id_]
        m = _COMPARISON.match(text[ent.end_char:])
        if not m and fact.type == "score":
            band = _SCORE_RANGE.match(text[ent.end_char:])
            if band and int(band.group(1)) < int(band.group(2)):
                low, high = int(band.group(1)), int(band.group(2))
                rule = {"all": [{"fact": fact.key, "op": ">=", "value": low},
                                {"fact": fact.key, "op": "<=", "value": high}]}
                try:
                    fact.canonical(low)
                    fact.canonical(high)
                except ValueRefused:
                    return [], f"{fact.label} {low}-{high} is outside the scale"
                atoms.append(_Atom("score", rule, ent.start_char, ent.end_char + band.end(),
                                   (fact.key, ">=", low, None)))
            continue
        if not m:
            continue
        end = ent.end_char + m.end()
        value = parse_number(m.group(2))
        rule: dict[str, Any] = {"fact": fact.key, "op": _OPS[m.group(1).lower()], "value": value}
        if fact.type == "quantity":
            unit_match = _UNIT_TEXT.match(text[end:])
            unit = unit_match.group(1).rstrip(".,;") if unit_match else ""
            times_uln = _TIMES_ULN.match(text[end:])
            if times_uln and fact.key in _uln_table():
                limit = _uln_table()[fact.key]
                rule["value"] = round(value * limit["uln"], 3)
                rule["unit"] = limit["unit"]
                atoms.append(_Atom("lab", rule, ent.start_char, end + times_uln.end(),
                                   (fact.key, rule["op"], value, "× ULN"), uln=True))
                continue
            if re.search(r"\b(uln|upper limit|lln|lower limit|normal)\b", text[end:end + 30], re.I):
                return [], f"{fact.label} is compared with a normal range (× ULN), which the parser does not read"
            if not unit or not known_unit(unit):
                return [], f"{fact.label} {m.group(1)} {m.group(2)} has no unit the parser knows"
            try:
                fact.canonical(value, unit)
            except ValueRefused:
                return [], f"{fact.label}: {value:g} {unit} is not a value or unit of {fact.label}"
            rule["unit"] = unit
            end += unit_match.end() if unit_match else 0
        else:
            unit_after = _SCORE_UNIT.match(text[end:])
            end += unit_after.end() if unit_after else 0
            try:
                fact.canonical(value)
            except ValueRefused:
                return [], f"{fact.label} {value:g} is outside the scale"
        atoms.append(_Atom("lab" if fact.type == "quantity" else "score", rule, ent.start_char, end,
                           (fact.key, rule["op"], value, rule.get("unit"))))
    return atoms, None


@functools.lru_cache(maxsize=1)
def _uln_table() -> dict[str, dict[str, Any]]:
    return yaml.safe_load((Path(__file__).resolve().parents[1] / "data" / "reference_ranges.yaml").read_text(
        encoding="utf-8"))


def _pregnancy_atoms(text: str, doc: Doc, kind: str) -> tuple[list[_Atom], str | None]:
    atoms: list[_Atom] = []
    test = _NEGATIVE_TEST.search(text)
    if test:
        return [_Atom("pregnancy", {"fact": "pregnant", "is": False}, test.start(), test.end())], None
    if kind == "inclusion":
        return [], None  # a trial that requires a pregnancy is rare enough to stay manual
    for pattern, key in ((_PREGNANT, "pregnant"), (_BREASTFEEDING, "breastfeeding")):
        m = pattern.search(text)
        if m and not _NOT_PREGNANT_NOW.search(text[:m.start()]):
            atoms.append(_Atom("pregnancy", {"fact": key, "is": True}, m.start(), m.end()))
    return atoms, None


def _diagnosis_atoms(text: str, doc: Doc, kind: str) -> tuple[list[_Atom], str | None]:
    """Diagnoses the vocabulary knows; "malignancy" means ICD-10's C-codes, the myeloid neoplasms borderline."""
    voc = vocabulary()
    hits: list[Span] = [e for e in doc.ents if e.label_ == "DIAG" and e.ent_id_ in voc.concepts]
    if not hits:
        return [], None
    if any(e._.negated for e in hits):
        return [], "a diagnosis under a negation the parser cannot scope"
    atoms = []
    for ent in hits:
        before = text[:ent.start_char]
        if (_NOT_HAVING.search(before) and not re.search(r"\bpositive\b[^.;]*$", before, re.I)) or re.match(
                r"\s*(?:vaccin|test|screen|serolog|status unknown)", text[ent.end_char:], re.I):
            continue  # "anti-cancer treatment", "testing for HIV", "hepatitis B vaccine": not having the disease
        rule: dict[str, Any] = {"fact": "diagnoses", "within": [ent.ent_id_]}
        if voc.concept_within(ent.ent_id_, "malignancy") and ent.ent_id_ in ("malignancy", "haematological_malignancy"):
            rule["borderline"] = ["myeloid_neoplasm"]
        atoms.append(_Atom("diagnosis", rule, ent.start_char, ent.end_char))
    return atoms, None


def _medication_atoms(text: str, doc: Doc, kind: str) -> tuple[list[_Atom], str | None]:
    """Named medicines or classes with a time frame: now, ever, or within hours to years or half-lives."""
    names = [e for e in doc.ents if e.label_ in ("DRUG", "CLASS")]
    if not names:
        return [], None
    if _OTHER_TRIAL.search(text):
        return [], "a medicine given in another trial: whether that trial counts is for the study team"
    if any(e._.negated for e in names):
        return [], "a medicine under a negation the parser cannot scope"
    voc = vocabulary()
    whole_class = {e.text: voc.class_for_word(e.text) for e in names}  # "corticosteroids" names the class
    drugs = sorted({e.ent_id_ for e in names if e.label_ == "DRUG" and e.ent_id_ in voc.drugs
                    and not whole_class[e.text]})
    classes = sorted({e.ent_id_ for e in names if e.label_ == "CLASS" and e.ent_id_ in voc.classes}
                     | {c for c in whole_class.values() if c})
    if not drugs and not classes:
        return [], None
    spec: dict[str, Any] = {"medication": {k: v for k, v in (("drugs", drugs), ("classes", classes)) if v}}
    window = _WINDOW.search(text)
    if window:
        number = window.group(1) or window.group(3)
        unit = (window.group(2) or window.group(4)).lower()
        if unit.startswith("half"):
            spec["within_half_lives"] = parse_number(number)
        else:
            spec["within"] = f"{number} {_time_unit(unit)}"
        span = (min(window.start(), names[0].start_char), max(window.end(), names[-1].end_char))
    elif _CURRENT.search(text):
        spec["current"] = True
        when = _CURRENT.search(text)
        span = (min(when.start(), names[0].start_char), max(when.end(), names[-1].end_char))
    elif _EVER.search(text):
        spec["ever"] = True
        when = _EVER.search(text)
        span = (min(when.start(), names[0].start_char), max(when.end(), names[-1].end_char))
    else:
        return [], "a medicine is named without a time frame (now, ever, or within a period)"
    return [_Atom("medication", spec, *span)], None


def _time_unit(word: str) -> str:
    for prefix, unit in (("h", "hours"), ("d", "days"), ("w", "weeks"), ("mo", "months"), ("y", "years")):
        if word.startswith(prefix):
            return unit
    return "days"
