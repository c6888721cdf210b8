"""How long conversations are kept: whole conversations idle for longer than the retention are deleted.

The assistant keeps a person's facts only for their conversation; the tracker store (Rasa's `events` table, in
SQLite under var/ or in PostgreSQL) keeps the messages until "forget me" or this purge. A conversation is removed
as a whole, by its latest event, so none is left half-deleted. On SQLite the deleted rows are overwritten
(`secure_delete`), so the words leave the file too. On PostgreSQL a deleted row's bytes stay in the table's free
space (a plain VACUUM prunes it but does not overwrite it) until `compact` rewrites the table.
"""

from __future__ import annotations

import time

import sqlalchemy as sa

from bot.units import UnitError, convert, parse_quantity

DEFAULT_RETENTION = "30 d"


def retention_days(text: str) -> float:
    """"30d", "2 weeks", "12 h" → days; a clear error for anything else."""
    try:
        number, unit = parse_quantity(text.strip())
        days = convert(number, unit or "day", "day")
    except (UnitError, ValueError, TypeError) as error:
        raise ValueError(f"cannot read {text!r} as a length of time, e.g. '30d' or '2 weeks'") from error
    if days <= 0:
        raise ValueError(f"the retention must be longer than zero, not {text!r}")
    return days


def purge(url: str, older_than_days: float, now: float | None = None) -> tuple[int, int]:
    """Delete the conversations whose latest event is older than the retention: (conversations, events)."""
    cutoff = (time.time() if now is None else now) - older_than_days * 86400
    engine = sa.create_engine(url)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", lambda conn, _: conn.execute("PRAGMA secure_delete = ON"))
    try:
        if not sa.inspect(engine).has_table("events"):
            return 0, 0
        events = sa.Table("events", sa.MetaData(), autoload_with=engine)
        latest = (sa.select(events.c.sender_id).group_by(events.c.sender_id)
                  .having(sa.func.max(events.c.timestamp) < cutoff))
        with engine.begin() as connection:
            senders = [row[0] for row in connection.execute(latest)]
            removed = 0
            for start in range(0, len(senders), 500):
                chunk = senders[start:start + 500]
                removed += connection.execute(events.delete().where(events.c.sender_id.in_(chunk))).rowcount
        return len(senders), removed
    finally:
        engine.dispose()


def compact(url: str, lock_timeout_seconds: int = 10) -> bool:
    """Rewrite PostgreSQL's events table (VACUUM FULL), so that no forgotten or purged conversation stays in its
    pages' free space. The rewrite locks the table, so it gives up after a few seconds if conversations hold it
    (the next purge tries again). False then, or when the database is not PostgreSQL or has no events table yet."""
    engine = sa.create_engine(url, hide_parameters=True)
    try:
        if engine.dialect.name != "postgresql" or not sa.inspect(engine).has_table("events"):
            return False
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text(f"SET lock_timeout = '{int(lock_timeout_seconds)}s'"))
            connection.execute(sa.text("VACUUM FULL events"))
        return True
    except sa.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()
