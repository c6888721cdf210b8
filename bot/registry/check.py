"""Try one parsed criterion line against a description of a person: what staff use before trusting a rule."""

from __future__ import annotations

from typing import Any

from bot.catalog.trial import Criterion
from bot.criteria import parse_rule
from bot.matching import evaluate_criterion
from bot.nlp import extract
from bot.registry.criteria_parser import ParsedLine, parse_line

# The line's own statement, from the person's side of a criterion's status ("met" for an exclusion means the
# person is excluded).
_STATEMENT = {("inclusion", "met"): "met", ("inclusion", "failed"): "not_met",
              ("exclusion", "failed"): "met", ("exclusion", "met"): "not_met"}


def criterion_of(parsed: ParsedLine) -> Criterion:
    """A catalogue criterion from a parsed line, so it is evaluated exactly as an imported one would be."""
    prefix = "in" if parsed.kind == "inclusion" else "ex"
    rule = parse_rule(parsed.rule, "parsed") if parsed.rule else None
    return Criterion(f"{prefix}1", parsed.kind if parsed.kind in ("inclusion", "exclusion") else "inclusion",
                     parsed.text, parsed.text[:60], rule, parsed.rule, parsed.manual, parsed.also_check, None,
                     parsed.partial)


def check_line(line: str, kind: str, description: str) -> dict[str, Any]:
    """Parse the line, read the description with bot.nlp and say met, not_met, unknown or manual, with reasons."""
    parsed = parse_line(line, kind)
    reading = extract(description)
    if parsed.rule is None:
        result, reasons, missing = "manual", [parsed.manual or ""], []
    else:
        outcome = evaluate_criterion(criterion_of(parsed), reading.profile)
        result = _STATEMENT.get((parsed.kind, outcome.status), "unknown")
        reasons = outcome.reasons + ([f"the study team checks {parsed.also_check}"]
                                     if outcome.status == "unknown" and not outcome.missing and parsed.also_check
                                     else [])
        missing = outcome.missing
    return {"criterion": parsed.text, "kind": parsed.kind, "text": description, "result": result,
            "reasons": reasons, "missing": missing, "rule": parsed.rule, "partial": parsed.partial,
            "also_check": parsed.also_check, "problems": [p.message for p in reading.problems]}
