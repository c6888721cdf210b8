"""Staff matching scenarios: cases of text or profile with the verdict expected per trial.

A scenario file is YAML: `scenarios: [{name, text | profile, expect: {TRIAL_ID: verdict |
{verdict, reason, missing, study_team}}}]`. A failure prints what was expected, what came out and the
reasons, so the person who wrote the case can see at once which criterion moved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.catalog.trial import Trial
from bot.matching import evaluate_trial
from bot.nlp import extract
from bot.profile import profile_from_mapping


class ScenarioFileError(ValueError):
    """A scenario file that is not shaped as expected."""


@dataclass
class CaseResult:
    name: str
    failures: list[str]

    @property
    def passed(self) -> bool:
        return not self.failures


def _expectation(raw: Any, where: str) -> dict[str, Any]:
    if isinstance(raw, str):
        raw = {"verdict": raw}
    if not isinstance(raw, dict) or raw.get("verdict") not in ("eligible", "possible", "ineligible"):
        raise ScenarioFileError(f"{where}: expected verdict must be eligible, possible or ineligible")
    return raw


def run_case(case: dict[str, Any], find: Callable[[str], Trial | None], where: str) -> CaseResult:
    """One case, each expected trial looked up with find (by any of its ids) and checked whatever its status."""
    name = case.get("name") or where
    if "text" in case:
        extraction = extract(case["text"])
        profile = extraction.profile
        if extraction.problems and not case.get("allow_problems"):
            problems = "; ".join(p.message for p in extraction.problems)
            return CaseResult(name, [f"the text gave problems: {problems}"])
    elif "profile" in case:
        profile = profile_from_mapping(case["profile"])
    else:
        raise ScenarioFileError(f"{where}: a case needs text or profile")
    expected_facts = case.get("facts") or {}
    failures: list[str] = []
    values = profile.to_dict()
    for key, value in expected_facts.items():
        if values.get(key) != value:
            failures.append(f"fact {key}: expected {value!r}, read {values.get(key)!r}")
    for trial_id, raw in (case.get("expect") or {}).items():
        expectation = _expectation(raw, f"{where}.expect.{trial_id}")
        trial = find(str(trial_id))
        if trial is None:
            failures.append(f"{trial_id}: not in the catalogue")
            continue
        result = evaluate_trial(trial, profile)
        if result.verdict != expectation["verdict"]:
            failures.append(f"{trial_id}: expected {expectation['verdict']}, got {result.verdict}; "
                            f"reasons: {result.reasons[:3]}; missing: {result.missing}")
        word = expectation.get("reason")
        if word and not any(word.lower() in r.lower() for r in result.reasons):
            failures.append(f"{trial_id}: no reason mentions {word!r}; reasons: {result.reasons}")
        team = expectation.get("study_team")
        if team and not any(team.lower() in c.lower() for c in result.study_team_checks):
            failures.append(f"{trial_id}: no study-team check mentions {team!r}; checks: {result.study_team_checks}")
        shown = expectation.get("recruitment")
        if shown and not any(shown.lower() in r.display().lower() for r in result.trial.recruitment):
            failures.append(f"{trial_id}: no recruitment line mentions {shown!r}: "
                            f"{[r.display() for r in result.trial.recruitment]}")
        open_ids = {r.criterion.id for r in result.open_against}
        for criterion_id in expectation.get("open") or ():
            if criterion_id not in open_ids:
                failures.append(f"{trial_id}: expected {criterion_id} to be left open for the study team "
                                f"(may exclude / may not meet); open: {sorted(open_ids)}")
        for fact in expectation.get("missing") or ():
            if fact not in result.missing:
                failures.append(f"{trial_id}: expected {fact!r} among missing facts, got {result.missing}")
    return CaseResult(name, failures)


def run_file(path: Path, find: Callable[[str], Trial | None]) -> list[CaseResult]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ScenarioFileError(f"{path}: cannot read: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("scenarios"), list):
        raise ScenarioFileError(f"{path}: needs a top-level 'scenarios' list")
    return [run_case(case, find, f"{path.name}[{i}]") for i, case in enumerate(data["scenarios"])]
