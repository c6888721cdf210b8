"""`trialbot import`: read register records, build and check each trial, store it, and count coverage.

Each record is stored in its own transaction: a bad record is reported (file, record, field) and skipped,
and everything before and after it is kept. A progress bar (tqdm) goes to stderr.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from tqdm import tqdm

from bot.catalog import store
from bot.catalog.lint import lint_trial
from bot.catalog.trial import TrialFileError
from bot.registry.ctgov import read_ctgov
from bot.registry.ctis import read_ctis
from bot.registry.importer import Coverage, import_trial
from bot.registry.record import RecordError, RegisterRecord

READERS = {"ctgov": read_ctgov, "ctis": read_ctis}
# Trials stored between commits; each trial still has its own savepoint.
COMMIT_EVERY = 250


@dataclass
class ImportReport:
    """What an import did, what it skipped and why, and how much of the criteria became rules."""

    actions: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    coverage: Coverage = field(default_factory=Coverage)
    per_trial: dict[str, dict[str, Any]] = field(default_factory=dict)
    lint: Counter[str] = field(default_factory=Counter)

    def to_dict(self, per_trial: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"records": dict(self.actions), "problems": self.problems,
                               "coverage": self.coverage.to_dict(), "lint": dict(self.lint)}
        if per_trial:
            out["per_trial"] = self.per_trial
        return out


def records(register: str, paths: Iterable[str]) -> Iterator[RegisterRecord | RecordError]:
    return READERS[register](paths)


def run(register: str, paths: list[str], engine: Engine, progress: bool = True) -> ImportReport:
    """Import every record the paths hold; the database keeps what was stored even if a later record fails."""
    report = ImportReport()
    store.prepare(engine)
    today = date.today()
    bar = tqdm(records(register, paths), desc=f"import {register}", unit=" records", disable=not progress,
               leave=False)
    with Session(engine) as session:
        for number, item in enumerate(bar, start=1):
            _one(item, session, report, today)
            if number % COMMIT_EVERY == 0:
                session.commit()
        session.commit()
    bar.close()
    return report


def _one(item: RegisterRecord | RecordError, session: Session, report: ImportReport, today: date) -> None:
    """Build, check, store and count one record; a bad one is reported and skipped."""
    if isinstance(item, RecordError):
        report.actions["skipped"] += 1
        report.problems.append(str(item))
        return
    try:
        trial, coverage = import_trial(item)
    except TrialFileError as error:
        report.actions["skipped"] += 1
        report.problems.append(f"{item.source}: record {item.trial_id}: {error.where}: {error.message}")
        return
    outcome = store.import_trial(trial, session)
    report.actions[outcome.action] += 1
    report.coverage.merge(coverage)
    findings = lint_trial(trial, today)
    report.lint.update(f.level for f in findings)
    report.per_trial[trial.id] = {"action": outcome.action, **coverage.to_dict()}
