"""The catalogue database: load trials in one transaction, read them back for matching.

SQLite file by default; any SQLAlchemy URL through DATABASE_URL. A database that
cannot be reached raises CatalogUnavailable with a message a person can act on.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
from collections import namedtuple
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import (
    ARRAY,
    Select,
    String,
    and_,
    any_,
    bindparam,
    case,
    create_engine,
    distinct,
    exists,
    false,
    func,
    insert,
    inspect,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.engine import Compiled, Connection, Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import ColumnElement

from bot import collector
from bot.catalog.index import ABOUT, OTHER, UNKNOWN, Filters, Query, filters_for
from bot.catalog.models import (
    Base,
    ConceptRow,
    CountryRow,
    CriterionRow,
    FilterRow,
    RecruitmentRow,
    RegisterIdRow,
    SiteRow,
    TrialRow,
)
from bot.catalog.trial import Trial, TrialFileError, parse_trial

logger = logging.getLogger(__name__)
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


def engine_for(url: str | None = None, statement_seconds: float | None = None) -> Engine:
    """An engine for the catalogue; with statement_seconds, a PostgreSQL server cancels any statement that runs
    longer (the assistant's reads: a stuck query ends as "database unavailable" instead of holding a thread)."""
    url = url or database_url()
    options = {}
    if statement_seconds is not None and url.startswith("postgresql"):
        options["connect_args"] = {"options": f"-c statement_timeout={int(statement_seconds * 1000)}"}
    try:
        return create_engine(url, future=True, **options)
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
    """Create the tables, and bring a database an older version made up to date: add the columns later
    versions need, and compute the prefilter fields of trials stored before there were any."""
    try:
        Base.metadata.create_all(engine)
        columns = {c["name"] for c in inspect(engine).get_columns("trials")}
        if "origin" not in columns:
            with engine.begin() as connection:
                connection.execute(text("ALTER TABLE trials ADD COLUMN origin VARCHAR(10) DEFAULT 'curated'"))
        filter_columns = {c["name"] for c in inspect(engine).get_columns("trial_filters")}
        if "has_needs" not in filter_columns:
            with engine.begin() as connection:
                connection.execute(text("ALTER TABLE trial_filters ADD COLUMN has_needs BOOLEAN"))
                connection.execute(text(
                    "UPDATE trial_filters SET has_needs = EXISTS (SELECT 1 FROM trial_concepts c "
                    "WHERE c.trial_id = trial_filters.trial_id AND c.role = 'need')"))
        if "checksum" not in filter_columns:
            with engine.begin() as connection:
                connection.execute(text("ALTER TABLE trial_filters ADD COLUMN checksum VARCHAR(64)"))
                connection.execute(text("UPDATE trial_filters SET checksum = (SELECT t.checksum FROM trials t "
                                        "WHERE t.id = trial_filters.trial_id)"))
        _index_unindexed(engine)
    except SQLAlchemyError as error:
        raise _unavailable(error) from None


def _index_unindexed(engine: Engine) -> None:
    """Prefilter fields for trials that have none (stored by an older version), in batches."""
    while True:
        with Session(engine) as session, session.begin():
            rows = session.execute(
                select(TrialRow).where(~exists().where(FilterRow.trial_id == TrialRow.id)).limit(500)
            ).scalars().all()
            if not rows:
                return
            for row in rows:
                try:
                    trial = parse_trial(row.document, f"database:{row.id}", validate=False)
                except TrialFileError:
                    trial = None
                # A stored document that no longer reads gets fields that never filter it out.
                _set_filters(row, filters_for(trial) if trial else Filters(row.is_open))


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
    _set_filters(row, filters_for(trial))
    return row


def _set_filters(row: TrialRow, filters: Filters) -> None:
    for key, value in _filter_values(row.id, row.origin, filters, row.checksum).items():
        if key == "filters":
            row.filters = FilterRow(**value)
        elif key == "concepts":
            row.concepts = [ConceptRow(**v) for v in value]
        else:
            row.countries = [CountryRow(**v) for v in value]


def _filter_values(trial_id: str, origin: str, filters: Filters, digest: str) -> dict:
    """The rows of the three prefilter tables for one trial, as plain values (for the ORM and bulk inserts)."""
    sexes = "," + ",".join(sorted(filters.sexes)) + "," if filters.sexes is not None else None
    concepts = [{"trial_id": trial_id, "role": "topic", "grp": 0, "concept": c} for c in sorted(filters.topics)]
    concepts += [{"trial_id": trial_id, "role": "need", "grp": i, "concept": c}
                 for i, group in enumerate(filters.needs) for c in sorted(group)]
    return {
        "filters": {"trial_id": trial_id, "origin": origin, "is_open": filters.is_open, "min_age": filters.min_age,
                    "max_age": filters.max_age, "sexes": sexes, "has_topics": bool(filters.topics),
                    "has_countries": bool(filters.countries), "has_needs": bool(filters.needs),
                    "checksum": digest},
        "concepts": concepts,
        "countries": [{"trial_id": trial_id, "country": c[:80]} for c in sorted(filters.countries)],
    }


def bulk_add(trials: Iterable[Trial], engine: Engine, origin: str = "imported", batch: int = 500,
             progress: object | None = None) -> int:
    """Store many new trials fast (multi-row inserts or COPY, one transaction per batch), for catalogues built
    elsewhere; the trials' ids must not be stored yet. `progress` is a tqdm-like bar to advance."""
    prepare(engine)
    with collector.paused():
        stored = _bulk_add(trials, engine, origin, batch, progress)
    try:
        if engine.dialect.name == "postgresql":
            # VACUUM as well: it marks the new pages all-visible, so the prefilter's lookups are index-only from
            # the first match instead of after autovacuum comes by. It cannot run inside a transaction.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))
        else:
            with engine.begin() as connection:
                # Fresh statistics, or the planner takes the new tables for nearly empty.
                connection.execute(text("ANALYZE"))
    except SQLAlchemyError as error:
        raise _unavailable(error) from None
    return stored


# The tables of a trial in the order their foreign keys need.
_BULK_MODELS = (TrialRow, RegisterIdRow, SiteRow, RecruitmentRow, CriterionRow, FilterRow, ConceptRow, CountryRow)


def _bulk_add(trials: Iterable[Trial], engine: Engine, origin: str, batch: int, progress: object | None) -> int:
    """On PostgreSQL, rows are made here while the previous batch is written by a second thread: the server parses
    one batch while Python prepares the next, which nearly halves a load on two cores."""
    postgres = engine.dialect.name == "postgresql"
    compression = _fast_compression(engine) if postgres else None
    tables: dict[str, list[dict]] = {}
    stored = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk-write") as writer:
        pending: Future | None = None

        def add(table: str, rows: list[dict]) -> None:
            tables.setdefault(table, []).extend(rows)

        def flush() -> None:
            nonlocal pending, tables
            if not postgres:  # SQLite's inserts hold the GIL throughout: no gain from a thread
                _write(engine, tables, None)
                tables = {}
                return
            ready = {name: _csv(rows) for name, rows in tables.items() if rows}
            if pending is not None:
                pending.result()
            pending = writer.submit(_write, engine, ready, compression)
            tables = {}

        for trial in trials:
            data = trial.data
            digest = checksum(data)
            add("trials", [{"id": trial.id, "protocol": (data.get("protocol") or "")[:80] or None,
                            "title": trial.title, "phase": data["phase"][:40], "is_open": trial.open,
                            "origin": origin, "source_file": Path(trial.source).name[:255],
                            "checksum": digest, "document": data}])
            add("register_ids", [{"trial_id": trial.id, "register": r["register"], "register_id": r["id"]}
                                 for r in data["register_ids"]])
            add("sites", [{"trial_id": trial.id, "name": s.name, "city": s.city[:120], "country": s.country[:80],
                           "verified": s.verified} for s in trial.sites])
            add("recruitment", [{"trial_id": trial.id, "country": r.country, "status": r.status, "start": r.start}
                                for r in trial.recruitment])
            add("criteria", [{"trial_id": trial.id, "code": c.id, "kind": c.kind, "position": i, "text": c.text,
                              "rule": c.rule_raw, "manual": c.manual, "also_check": c.also_check}
                             for i, c in enumerate(trial.criteria)])
            values = _filter_values(trial.id, origin, filters_for(trial), digest)
            add("trial_filters", [values["filters"]])
            add("trial_concepts", values["concepts"])
            add("trial_countries", values["countries"])
            stored += 1
            if stored % batch == 0:
                flush()
            if progress is not None:
                progress.update(1)
        flush()
        if pending is not None:
            pending.result()
    return stored


def _write(engine: Engine, tables: dict, compression: str | None) -> None:
    """One batch in one transaction: COPY texts on PostgreSQL, multi-row INSERTs elsewhere."""
    try:
        with engine.begin() as connection:
            if compression:
                connection.execute(text(f"SET LOCAL default_toast_compression = {compression}"))
            for model in _BULK_MODELS:
                content = tables.get(model.__tablename__)
                if content and isinstance(content, tuple):
                    _copy(connection, model.__tablename__, *content)
                elif content:
                    connection.execute(insert(model), content)
    except (SQLAlchemyError, DBAPIError) as error:
        raise _unavailable(error) from None


def _fast_compression(engine: Engine) -> str | None:
    """lz4 where the server has it: the stored documents are compressed several times faster than with PostgreSQL's
    default (pglz), which took a third of the server's share of a bulk load."""
    query = text("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
    try:
        with engine.connect() as connection:
            return "lz4" if connection.execute(query).scalar() else None
    except SQLAlchemyError as error:
        raise _unavailable(error) from None


def _csv(rows: list[dict]) -> tuple[list[str], io.StringIO]:
    """The rows of one table as COPY's CSV text, with their column names."""
    columns = list(rows[0])
    buffer = io.StringIO()
    for row in rows:
        buffer.write(",".join(_csv_field(row[c]) for c in columns))
        buffer.write("\n")
    buffer.seek(0)
    return columns, buffer


COPY_READ = 1 << 22


def _copy(connection: Connection, table: str, columns: list[str], buffer: io.StringIO) -> None:
    """PostgreSQL's COPY for a bulk load: multi-row INSERTs loaded 100,000 trials in over six minutes here."""
    cursor = connection.connection.cursor()
    try:
        # Large reads: each read takes the GIL back from the thread preparing the next batch, up to 5 ms a time.
        cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)", buffer,
                           size=COPY_READ)
    finally:
        cursor.close()


def _csv_field(value: object) -> str:
    """One CSV field as COPY reads it: a missing value is an unquoted empty field (NULL), every text is quoted
    (so an empty text stays text), JSON goes as its text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text_value = json.dumps(value) if isinstance(value, (dict, list)) else str(value)
    return '"' + text_value.replace('"', '""') + '"'


class Candidate(NamedTuple):
    """A stored trial the prefilter let through: its id, its content's fingerprint (to know whether a kept
    parsed copy is still current) and how it relates to the person's diagnoses (index.ABOUT, UNKNOWN, OTHER).
    A tuple: a hundred are made per message."""

    trial_id: str
    checksum: str
    tier: str


def prefilter(engine: Engine, query: Query, origin: str = "imported") -> list[Candidate]:
    """The stored trials (of this origin) the query admits, in SQL on the indexed prefilter fields.

    Says the same as index.admits, except that trials about other conditions are returned with tier OTHER
    whatever query.other_conditions says, so the caller can count them.
    """
    stmt = _prefilter_statement(query.include_closed, query.age is not None, query.sex is not None,
                                query.diagnosed, query.only_country is not None, engine.dialect.name == "postgresql")
    values = {"origin": origin, "age": query.age, "sex": f"%,{query.sex},%", "related": sorted(query.related),
              "country": query.only_country}
    try:
        # Outside a transaction: a read of one statement needs none, and on PostgreSQL the BEGIN and the
        # ROLLBACK when the connection goes back to the pool were two more round trips per message.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            rows = _prepared(connection, stmt, values) if engine.dialect.name == "postgresql" else None
            if rows is None:
                rows = connection.execute(stmt, values).all()
    except SQLAlchemyError as error:
        raise _unavailable(error) from None
    out = []
    for row in rows:
        if query.diagnosed and row.unmet:
            continue
        if not query.diagnosed:
            tier = ABOUT
        elif not row.has_topics:
            tier = UNKNOWN
        else:
            tier = ABOUT if row.about else OTHER
        out.append(Candidate(row.trial_id, row.checksum, tier))
    return out


def _prepared(connection: Connection, stmt: Select, values: dict) -> list | None:
    """The rows of a prefilter statement on PostgreSQL, prepared once per database connection and then executed
    by name: PostgreSQL no longer plans it at each message (a millisecond of the few a match takes at 10,000
    trials), nor SQLAlchemy renders it. None when the server no longer knows the statement (a pooler such as
    PgBouncer in transaction mode hands each statement to any server connection): the caller runs it plainly,
    and this process stops preparing."""
    global _PREPARE
    if not _PREPARE:
        return None
    compiled, sql, order, columns = _dollar_form(stmt, connection.dialect)
    name = f"trialbot_prefilter_{hashlib.sha1(sql.encode()).hexdigest()[:16]}"
    known = connection.connection.info.setdefault("prepared", set())
    params = compiled.construct_params(values)
    dbapi = connection.dialect.dbapi
    try:
        with connection.connection.cursor() as cursor:
            if name not in known:
                cursor.execute(f"PREPARE {name} AS {sql}")
                known.add(name)
            cursor.execute(f"EXECUTE {name} ({', '.join(['%s'] * len(order))})", [params[k] for k in order])
            return [columns(*row) for row in cursor.fetchall()]
    except dbapi.Error as error:
        known.discard(name)  # a table changed under it (a migration): prepared again at the next message
        if getattr(error, "pgcode", None) == "26000":  # invalid_sql_statement_name: prepared elsewhere
            logger.warning("prepared statements are not kept by the database connection (a pooler in transaction "
                           "mode?): the prefilter runs unprepared from now on")
            _PREPARE = False
            return None
        if isinstance(error, (dbapi.OperationalError, dbapi.InterfaceError)):
            connection.invalidate()  # the server went away: the pool must not hand this connection out again
        raise _unavailable(error) from None


# Whether the prefilter is prepared on PostgreSQL (see _prepared): off once the server has lost a prepared statement.
_PREPARE = True


@lru_cache(maxsize=64)
def _dollar_form(stmt: Select, dialect: object) -> tuple[Compiled, str, list[str], type]:
    """The statement compiled, its text with $1, $2… for PREPARE, the parameters' names in that order, and a row
    type."""
    compiled = stmt.compile(dialect=dialect)
    order: list[str] = []

    def number(match: re.Match) -> str:
        if match.group(1) not in order:
            order.append(match.group(1))
        return f"${order.index(match.group(1)) + 1}"

    sql = re.sub(r"%\((\w+)\)s", number, str(compiled)).replace("%%", "%")
    return compiled, sql, order, namedtuple("PrefilterRow", [c.name for c in stmt.selected_columns])


@lru_cache(maxsize=64)
def _prefilter_statement(include_closed: bool, by_age: bool, by_sex: bool, diagnosed: bool,
                         by_country: bool, as_array: bool = False) -> Select:
    """The prefilter's statement for one combination of what is known, built once with bound parameters:
    building and compiling it anew per message cost three times the query itself (measured on 10,000 trials)."""
    f = FilterRow.__table__.c
    stmt = select(f.trial_id, f.checksum, f.has_topics)
    stmt = stmt.where(f.origin == bindparam("origin"))
    if not include_closed:
        stmt = stmt.where(f.is_open == true())
    if by_age:
        stmt = stmt.where(or_(f.min_age.is_(None), f.min_age <= bindparam("age")),
                          or_(f.max_age.is_(None), f.max_age >= bindparam("age")))
    if by_sex:
        stmt = stmt.where(or_(f.sexes.is_(None), f.sexes.like(bindparam("sex"))))
    if diagnosed:
        # Per candidate row, through the (trial_id, role, concept) index, as scalar subqueries: an EXISTS here let
        # PostgreSQL hash every trial's groups once per query (3-5 ms at 10,000 trials, most of the statement),
        # when only the trials the other conditions let through need looking at. A trial misses a group of
        # concepts when it has fewer groups met by the person's related concepts than groups in all.
        groups, met, topic = (ConceptRow.__table__.alias(name) for name in ("groups", "met", "topic"))
        # PostgreSQL takes the concepts as one array parameter: an expanding IN list is rewritten into the
        # statement's text at every execution, which cost SQLAlchemy 2.5 ms a query (more than the query).
        def in_related(column: ColumnElement) -> ColumnElement:
            if as_array:
                return column == any_(bindparam("related", type_=ARRAY(String)))
            return column.in_(bindparam("related", expanding=True))

        all_groups = select(func.count(distinct(groups.c.grp))).where(
            groups.c.trial_id == f.trial_id, groups.c.role == "need").scalar_subquery()
        met_groups = select(func.count(distinct(met.c.grp))).where(
            met.c.trial_id == f.trial_id, met.c.role == "need", in_related(met.c.concept)).scalar_subquery()
        stmt = stmt.add_columns(case((f.has_needs.is_(True), all_groups > met_groups), else_=false()).label("unmet"))
        topics_met = select(func.count()).where(
            topic.c.trial_id == f.trial_id, topic.c.role == "topic", in_related(topic.c.concept)).scalar_subquery()
        stmt = stmt.add_columns(case((f.has_topics, topics_met > 0), else_=false()).label("about"))
    if by_country:
        countries = CountryRow.__table__.c
        stmt = stmt.where(or_(f.has_countries.is_(False), exists().where(
            and_(countries.trial_id == f.trial_id, countries.country == bindparam("country")))))
    return stmt


def counts(engine: Engine, origin: str = "imported") -> tuple[int, int]:
    """How many trials of this origin are stored, and how many of them are open, in one query."""
    stmt = select(func.count(), func.count().filter(FilterRow.is_open == true())).where(FilterRow.origin == origin)
    try:
        with engine.connect() as connection:
            total, open_ = connection.execute(stmt).one()
            return int(total), int(open_)
    except SQLAlchemyError as error:
        raise _unavailable(error) from None


def documents(engine: Engine, trial_ids: list[str]) -> dict[str, dict]:
    """The stored documents of these trials, by id."""
    found: dict[str, dict] = {}
    try:
        with engine.connect() as connection:
            for start in range(0, len(trial_ids), 500):
                chunk = trial_ids[start:start + 500]
                rows = connection.execute(select(TrialRow.id, TrialRow.document).where(TrialRow.id.in_(chunk)))
                found.update({row.id: row.document for row in rows})
    except SQLAlchemyError as error:
        raise _unavailable(error) from None
    return found


def read_all(engine: Engine, validate: bool = True) -> list[Trial]:
    """Every trial in the database, rebuilt and re-checked from its stored document (validate=False: without
    the schema, which every stored document passed when it was stored)."""
    try:
        with Session(engine) as session:
            rows = session.execute(select(TrialRow.id, TrialRow.document).order_by(TrialRow.id)).all()
            return [parse_trial(row.document, f"database:{row.id}", validate) for row in rows]
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
