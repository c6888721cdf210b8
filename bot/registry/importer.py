"""A register record → a trial document the catalogue checks and stores, with every criterion line kept.

Each line of the eligibility text becomes a criterion: a rule where the parser reads it with confidence
(origin `parsed`), else a manual check with the parser's reason. A sub-item of a list is parsed too, but
never decides on its own: how it combines with its siblings is the parent line's business, so its rule
is always partial in the direction that cannot rule a person out. Lines whose kind the record does not
say are kept as manual inclusion lines, labelled so.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bot.catalog.lint import population_findings
from bot.catalog.trial import Trial, TrialFileError, parse_trial
from bot.nlp import extract
from bot.registry.criteria_parser import ParsedLine, parse_line
from bot.registry.criteria_text import split_criteria
from bot.registry.record import RegisterRecord
from bot.vocab import vocabulary

_SCHEMA_REGISTERS = {"ClinicalTrials.gov", "CTIS", "EUCTR", "ISRCTN"}
_AGE = re.compile(r"^(\d+)\s+(year|month|week|day)s?$", re.I)
LABEL_CHARS = 80
_POINTER = re.compile(r"^\W*see\b", re.I)  # "See Disease Characteristics": the requirement is elsewhere


@dataclass
class Coverage:
    """How much of a trial's criteria the parser turned into rules."""

    lines: int = 0
    rules: int = 0
    partial: int = 0
    manual: int = 0
    # Lines that state no requirement of their own: a lead-in whose sub-items carry the requirements ("Excluded
    # within 30 days of study entry:"), a pointer to another section ("See Disease Characteristics"), "Not
    # specified". Counted among the lines, and left out of the share of criterion lines.
    structural: int = 0
    by_atom: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)

    def add(self, parsed: ParsedLine, forced_partial: bool, structural: bool = False) -> None:
        self.lines += 1
        self.structural += structural
        if parsed.rule is None:
            self.manual += 1
            self.reasons[_reason_kind(parsed.manual or "")] += 1
        elif parsed.partial or forced_partial:
            self.partial += 1
            self.by_atom.update(parsed.atoms)
        else:
            self.rules += 1
            self.by_atom.update(parsed.atoms)

    def merge(self, other: Coverage) -> None:
        self.lines += other.lines
        self.rules += other.rules
        self.partial += other.partial
        self.manual += other.manual
        self.structural += other.structural
        self.by_atom.update(other.by_atom)
        self.reasons.update(other.reasons)

    def to_dict(self) -> dict[str, Any]:
        covered = self.rules + self.partial
        criteria = self.lines - self.structural
        return {"lines": self.lines, "rules": self.rules, "partial": self.partial, "manual": self.manual,
                "covered_share": round(covered / self.lines, 3) if self.lines else None,
                "structural_lines": self.structural,
                "covered_share_of_criterion_lines": round(covered / criteria, 3) if criteria else None,
                "rules_by_kind": dict(self.by_atom.most_common()),
                "manual_reasons": dict(self.reasons.most_common(8))}


def _reason_kind(reason: str) -> str:
    """Manual reasons grouped by their first words, so the report counts kinds, not sentences."""
    return re.split(r"[:;(]", reason)[0].strip()[:80] or "no reason"


def build_document(record: RegisterRecord) -> tuple[dict[str, Any], Coverage]:
    """The trial document for one record, and how much of it the parser covered."""
    criteria, coverage = _criteria(record.eligibility_text or "")
    document: dict[str, Any] = {
        "id": record.trial_id,
        "origin": "imported",
        "register_ids": _register_ids(record),
        "title": record.title or record.brief_title or record.trial_id,
        "plain_title": record.brief_title or record.title or record.trial_id,
        "summary": _summary(record),
        "phase": record.phase or "not stated",
        "recruitment": [{"country": r.country, "status": r.status, **({"start": r.start} if r.start else {})}
                        for r in record.recruitment]
        or [{"country": "unknown", "status": record.overall_status, **({"start": record.start}
                                                                       if record.start else {})}],
        "sites": [{"name": s.facility, "city": s.city or "unknown", "country": s.country, "verified": True}
                  for s in record.sites],
        "criteria": criteria,
        "source": record.source,
    }
    protocol = next((i.id for i in record.ids if i.register == "sponsor"), None)
    if protocol:
        document["protocol"] = protocol
    if record.sponsor:
        document["sponsor"] = record.sponsor
    if record.conditions:
        document["conditions_text"] = list(record.conditions)
    if record.mesh_terms:
        document["mesh_terms"] = list(record.mesh_terms)
    concepts = _concepts(record.conditions + record.mesh_terms)
    if concepts:
        document["conditions"] = concepts
    topics = list(dict.fromkeys(concepts + _topics(record.conditions + record.mesh_terms)))
    if topics:
        document["topics"] = topics
    interventions = [_intervention(i.name, i.other_names) for i in record.interventions]
    if interventions:
        document["interventions"] = interventions
    population = _population(record)
    if population:
        document["population"] = population
    dates = {k: v for k, v in (("last_verified", record.last_verified), ("last_update", record.last_update),
                               ("completion", record.completion)) if v}
    if dates:
        if record.completion and record.completion_actual is not None:
            dates["completion_actual"] = record.completion_actual
        document["record"] = dates
    return document, coverage


def import_trial(record: RegisterRecord) -> tuple[Trial, Coverage]:
    """Build and check the trial; a document the catalogue refuses is a TrialFileError naming the record.

    A register age field that would refuse someone the record's own criteria lines admit is not applied: the
    line is the fuller statement, and the field is kept in a note for the study team.
    """
    document, coverage = build_document(record)
    try:
        trial = parse_trial(document, record.source)
        clashes = {f.where.split(".")[1] for f in population_findings(trial) if f.level == "error"}
        if clashes:
            population = document["population"]
            dropped = {k: population.pop(k) for k in sorted(clashes) if k in population}
            if not population:
                document.pop("population")
            first = (document["criteria"]["inclusion"] or document["criteria"]["exclusion"])[0]
            said = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in dropped.items())
            first["note"] = (first.get("note", "") + "; " if first.get("note") else "") + (
                f"the record's age field ({said}) contradicts its own criteria lines and is not applied")
            trial = parse_trial(document, record.source)
        return trial, coverage
    except TrialFileError:
        raise
    except (KeyError, TypeError, ValueError) as error:
        raise TrialFileError(record.source, record.trial_id, f"cannot build the trial: {error}") from None


def _register_ids(record: RegisterRecord) -> list[dict[str, str]]:
    seen: dict[str, dict[str, str]] = {}
    for item in record.ids:
        if item.register in _SCHEMA_REGISTERS and item.id not in seen:
            seen[item.id] = {"register": item.register, "id": item.id}
    if record.trial_id not in seen:
        register = "ClinicalTrials.gov" if record.trial_id.startswith("NCT") else "CTIS"
        seen = {record.trial_id: {"register": register, "id": record.trial_id}, **seen}
    return list(seen.values())


def _summary(record: RegisterRecord) -> str:
    """The register's own summary, marked as such (not the team's words); the title when there is none."""
    text = " ".join((record.summary or "").split())
    if len(text) > 600:
        text = text[:600].rsplit(" ", 1)[0] + " …"
    if len(text) < 20:
        text = f"Register record {record.trial_id}: {record.brief_title or record.title}"
    return f"From the register record: {text}"


def _concepts(words: list[str]) -> list[str]:
    """Diagnosis concepts only where a condition's words are exactly a name the vocabulary has for one."""
    found = [vocabulary().concept_named(w) for w in words]
    return list(dict.fromkeys(c for c in found if c))


def _topics(words: list[str]) -> list[str]:
    """The diagnoses the chat's reader finds in the register's condition words and MeSH terms ("Lung Cancer" is
    a cancer): what the trial is about, for ranking only. Never a rule, so a reading that is only probably
    right is acceptable here where it would not be in `conditions`."""
    found: list[str] = []
    for word in words:
        found += sorted(extract(word).profile.diagnoses.asserted)
    return list(dict.fromkeys(found))


def _intervention(name: str, other_names: list[str]) -> dict[str, Any]:
    drug = next(filter(None, (vocabulary().drug_named(n) for n in (name, *other_names))), None)
    return {"name": name[:200], "drug": drug}


def _population(record: RegisterRecord) -> dict[str, str]:
    population: dict[str, str] = {}
    for key, value in (("min_age", record.min_age), ("max_age", record.max_age)):
        match = _AGE.match((value or "").strip())
        if match and not (match.group(2).lower() == "year" and int(match.group(1)) > 120):  # "130 years": no limit
            population[key] = f"{int(match.group(1))} {match.group(2).lower()}s"
    if record.sex in ("female", "male"):
        population["sex"] = record.sex
    return population


def _criteria(text: str) -> tuple[dict[str, list[dict[str, Any]]], Coverage]:
    coverage = Coverage()
    out: dict[str, list[dict[str, Any]]] = {"inclusion": [], "exclusion": []}
    ids: dict[int, str] = {}
    lines = split_criteria(text)
    for index, line in enumerate(lines):
        kind = line.kind if line.kind in ("inclusion", "exclusion") else "inclusion"
        lead_in = lines[line.parent].text if line.parent is not None else ""
        try:
            parsed = parse_line(line.text, line.kind, lead_in if lead_in.rstrip().endswith(":") else None)
        except Exception as error:  # a parser bug on one line must not lose the record: the line stays manual
            parsed = ParsedLine(line.text, line.kind, None, f"the parser failed on this line ({type(error).__name__}); "
                                                            "please report it")
        sub_item = line.parent is not None and line.parent in ids
        lead_with_items = line.text.rstrip().endswith(":") and any(x.parent == index for x in lines[index + 1:])
        coverage.add(parsed, sub_item, structural=lead_with_items or bool(
            _POINTER.match(line.text) or (parsed.manual or "").startswith("the record states no requirement")))
        cid = f"{kind[:2]}{len(out[kind]) + 1}"
        ids[index] = cid
        criterion: dict[str, Any] = {"id": cid, "text": line.text if len(line.text) >= 3 else f"({line.text})",
                                     "label": _label(line.text, line.kind)}
        if line.heading:
            criterion["note"] = f"listed under the record's sub-heading \"{line.heading}\""
        if sub_item:
            criterion["parent"] = ids[line.parent]
        if parsed.rule is None:
            criterion["manual"] = parsed.manual or "not read by the parser"
        else:
            criterion["rule"] = parsed.rule
            criterion["origin"] = "parsed"
            if sub_item:
                criterion["partial"] = "necessary" if kind == "exclusion" else "sufficient"
                criterion["also_check"] = (f"how this sub-item combines with the others under {ids[line.parent]}"
                                           + (f"; {parsed.also_check}" if parsed.also_check else ""))
            elif parsed.partial:
                criterion["partial"] = parsed.partial
                criterion["also_check"] = parsed.also_check
        out[kind].append(criterion)
    if not out["inclusion"] and not out["exclusion"]:
        out["inclusion"].append({"id": "in1", "label": "eligibility criteria not in the record",
                                 "text": "The register record states no eligibility criteria.",
                                 "manual": "the study team says who can take part"})
        coverage.lines += 1
        coverage.manual += 1
        coverage.reasons["the record states no eligibility criteria"] += 1
    return out, coverage


def _label(text: str, kind: str) -> str:
    label = text if len(text) <= LABEL_CHARS else text[:LABEL_CHARS].rsplit(" ", 1)[0] + " …"
    return label if kind in ("inclusion", "exclusion") else f"{label} (kind not stated in the record)"
