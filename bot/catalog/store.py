"""The catalogue database: load trials in one transaction, read them back for matching.

SQLite file by default; any SQLAlchemy URL through DATABASE_URL. A database that
cannot be reached raises CatalogUnavailable with a message a person can act on.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from bot.catalog.models import Base, CriterionRow, RecruitmentRow, RegisterIdRow, SiteRow, TrialRow
from bot.catalog.trial import Trial, parse_trial

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_URL = f"sqlite:///{ROOT / 'catalog.db'}"


class CatalogUnavailable(RuntimeError):
    """The catalogue database cannot be reached or read."""


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_URL


def safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def _unavailable(error: Exception) -> CatalogUnavailable:
    """Say what to do: an empty database needs loading, an unreachable one needs checking."""
    if "no such table" in str(error) or "does not exist" in str(error):
        return CatalogUnavailable("the trial catalogue has not been loaded yet; run `trialbot trials load`")
    return CatalogUnavailable(f"cannot reach the trial database at {safe_url(database_url())} "
                              f"({error.__class__.__name__}); check DATABASE_URL and that the server is up")


def engine_for(url: str | None = None) -> Engine:
    url = url or database_url()
    try:
        return create_engine(url, future=True)
    except (SQLAlchemyError, ImportError, ValueError) as error:
        raise CatalogUnavailable(f"cannot open the trial database at {safe_url(url)}: {error}") from None


def checksum(document: dict) -> str:
    """The content's fingerprint; where it was read from (`source`) is not content."""
    content = {k: v for k, v in document.items() if k != "source"}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


@dataclass
class LoadReport:
    added: list[str]
    updated: list[str]
    unchanged: list[str]
    removed: list[str]


def prepare(engine: Engine) -> None:
    """Create the tables, and add the columns later versions need to a database an older version made."""
    Base.metadata.create_all(engine)
    columns = {c["name"] for c in inspect(engine).get_columns("trials")}
    if "origin" not in columns:
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE trials ADD COLUMN origin VARCHAR(10) DEFAULT 'curated'"))


def load(trials: Iterable[Trial], engine: Engine) -> LoadReport:
    """Make the database's curated trials exactly these, in one transaction; running it twice changes nothing.

    Imported trials stay; a curated trial replaces an imported one with the same id (the reviewed file wins).
    """
    trials = list(trials)
    report = LoadReport([], [], [], [])
    try:
        prepare(engine)
        with Session(engine) as session, session.begin():
            rows = session.execute(select(TrialRow.id, TrialRow.checksum, TrialRow.origin)).all()
            existing = {row.id: row.checksum for row in rows if row.origin != "imported"}
            imported = {row.id for row in rows if row.origin == "imported"}
            wanted = {t.id for t in trials}
            for trial_id in sorted(set(existing) - wanted):
                session.delete(session.get(TrialRow, trial_id))
                report.removed.append(trial_id)
            for trial in trials:
                digest = checksum(trial.data)
                if existing.get(trial.id) == digest and trial.id not in imported:
                    report.unchanged.append(trial.id)
                    continue
                old = session.get(TrialRow, trial.id)
                if old is not None:
                    session.delete(old)
                    session.flush()
                    report.updated.append(trial.id)
                else:
                    report.added.append(trial.id)
                session.add(_row(trial, digest))
    except SQLAlchemyError as error:
        raise _unavailable(error) from None
    return report


@dataclass
class ImportOutcome:
    """What one import did to one trial: added, updated, unchanged, or skipped because a curated file wins."""

    trial_id: str
    action: str


def import_trial(trial: Trial, session: Session) -> ImportOutcome:
    """Store one imported trial inside its own savepoint: a failure undoes this trial only, never half of it.

    The caller commits (every few hundred trials: one commit per record costs a disk sync each). The same
    record again changes nothing; a curated trial with the same id is never touched.
    """
    digest = checksum(trial.data)
    try:
        with session.begin_nested():
            old = session.get(TrialRow, trial.id)
            if old is not None and old.origin != "imported":
                return ImportOutcome(trial.id, "curated_wins")
            if old is not None and old.checksum == digest:
                return ImportOutcome(trial.id, "unchanged")
            if old is not None:
                session.delete(old)
                session.flush()
            session.add(_row(trial, digest, origin="imported"))
            session.flush()
            return ImportOutcome(trial.id, "updated" if old is not None else "added")
    except SQLAlchemyError as error:
        raise _unavailable(error) from None


def _row(trial: Trial, digest: str, origin: str = "curated") -> TrialRow:
    data = trial.data
    row = TrialRow(id=trial.id, protocol=(data.get("protocol") or "")[:80] or None, title=trial.title,
                   phase=data["phase"][:40], is_open=trial.open, source_file=Path(trial.source).name[:255],
                   checksum=digest, document=data, origin=origin)
    row.register_ids = [RegisterIdRow(register=r["register"], register_id=r["id"]) for r in data["register_ids"]]
    row.sites = [SiteRow(name=s.name, city=s.city[:120], country=s.country[:80], verified=s.verified)
                 for s in trial.sites]
    row.recruitment = [RecruitmentRow(country=r.country, status=r.status, start=r.start) for r in trial.recruitment]
    row.criteria = [
        CriterionRow(code=c.id, kind=c.kind, position=i, text=c.text, rule=c.rule_raw, manual=c.manual,
                     also_check=c.also_check)
        for i, c in enumerate(trial.criteria)
    ]
    return row


def read_all(engine: Engine) -> list[Trial]:
    """Every trial in the database, rebuilt and re-checked from its stored document."""
    try:
        with Session(engine) as session:
            rows = session.execute(select(TrialRow).order_by(TrialRow.id)).scalars().all()
            return [parse_trial(row.document, f"database:{row.id}") for row in rows]
    except SQLAlchemyError as error:
        raise _unavailable(error) from None


def summaries(engine: Engine) -> list[dict]:
    """A short line per trial for `trialbot trials list`."""
    try:
        with Session(engine) as session:
            rows = session.execute(
                select(TrialRow).options(selectinload(TrialRow.recruitment), selectinload(TrialRow.criteria))
                .order_by(TrialRow.id)
            ).scalars().all()
            return [
                {
                    "trial_id": row.id,
                    "title": row.title,
                    "phase": row.phase,
                    "open": row.is_open,
                    "recruitment": [{"country": r.country, "status": r.status, "start": r.start}
                                    for r in row.recruitment],
                    "criteria": len(row.criteria),
                    "manual_criteria": sum(1 for c in row.criteria if c.rule is None),
                }
                for row in rows
            ]
    except SQLAlchemyError as error:
        raise _unavailable(error) from None


def document(engine: Engine, trial_id: str) -> dict | None:
    """The stored trial document, looked up by any of its register ids."""
    try:
        with Session(engine) as session:
            row = session.get(TrialRow, trial_id)
            if row is None:
                alias = session.execute(
                    select(RegisterIdRow.trial_id).where(RegisterIdRow.register_id == trial_id)
                ).scalar_one_or_none()
                row = session.get(TrialRow, alias) if alias else None
            return dict(row.document) if row else None
    except SQLAlchemyError as error:
        raise _unavailable(error) from None
