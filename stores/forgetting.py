"""Rasa's SQL tracker store, where "forget me" deletes the conversation for real.

Rasa 3.6 has no delete API, and a delete made while a turn runs is undone when the turn ends: `save` writes every
event beyond the number already stored, so after a delete it writes the whole conversation back. Here the delete
happens in `save` itself, at the end of the turn in which "forget me" erased the facts (Rasa holds the
conversation's lock until then), and nothing of that turn is written. On SQLite, `secure_delete` overwrites the
deleted rows, so the words are gone from the file's bytes too, not only from its rows. On PostgreSQL a plain
`VACUUM events` follows, outside the turn's transaction and off the event loop, so the deleted rows are pruned from
the table's pages instead of waiting for autovacuum (what it does not erase: the README's production profile).
Database errors never carry the events' values (`hide_parameters`), since Rasa logs them when the store fails
mid-conversation.

Rasa read the whole conversation back from the database at every message and rebuilt it event by event: a fifth of
its work per message. The store keeps the tracker it last saved for each recent conversation and hands it back when
the database still holds exactly what it saved (the same number of events and the same last event: one indexed
query), so another Rasa process sharing the database, a purge or a deletion is always seen. A kept tracker is handed
out once (the turn that takes it owns it until it saves it again), so a turn that fails before saving leaves nothing
half-done behind. Kept only in this process's memory, for `KEPT_SECONDS` after the conversation's last save and for
the `KEPT_CONVERSATIONS` most recent; "forget me" drops it with the rows.

Rasa 3.6 starts even when the database cannot be reached (it logs "Could not create tables" and goes on), and its
FailSafeTrackerStore then keeps every conversation in memory, lost at the next restart. Here the store checks the
database at start and refuses with `TrackerStoreUnavailable`, after retrying a server database for
$TRIALBOT_TRACKER_WAIT seconds (30 by default), so Rasa stops with a clear message instead.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import time
from collections import OrderedDict
from typing import Any, NamedTuple

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_statistics import keep_out_of_statistics

log = logging.getLogger(__name__)

FORGOTTEN = "conversation_forgotten"
DEFAULT_WAIT_SECONDS = 30.0
# A conversation's tracker is kept in memory this long after its last message (the session's own expiry, in
# domain.yml), for at most this many conversations.
KEPT_SECONDS = 3600.0
KEPT_CONVERSATIONS = 256


class Kept(NamedTuple):
    tracker: DialogueStateTracker
    rows: tuple[int, int | None]  # how many events the database holds for the conversation, and the last one's id
    events: int  # how many events the tracker held when it was saved: more means a turn changed it and failed
    saved: float

    def untouched(self) -> bool:
        """Recent enough, and unchanged since it was saved (the database is asked next)."""
        return time.monotonic() - self.saved < KEPT_SECONDS and len(self.tracker.events) == self.events


def keepable(tracker: DialogueStateTracker) -> bool:
    """Rasa reads back only the latest session of a conversation, and counts the events already stored from its
    start: a tracker that began a new session since it was read differs from what Rasa would read."""
    return sum(isinstance(event, SessionStarted) for event in tracker.events) <= 1


class TrackerStoreUnavailable(RuntimeError):
    """The tracker store's database cannot be reached at start: refuse to run rather than keep conversations in
    memory."""


def wait_seconds(environ: dict[str, str] | None = None) -> float:
    """How long a server database may take to come up ($TRIALBOT_TRACKER_WAIT; never negative)."""
    text = (os.environ if environ is None else environ).get("TRIALBOT_TRACKER_WAIT", "").strip()
    try:
        return max(0.0, float(text)) if text else DEFAULT_WAIT_SECONDS
    except ValueError as error:
        raise TrackerStoreUnavailable(f"TRIALBOT_TRACKER_WAIT must be a number of seconds, not {text!r}") from error


def asked_to_forget(tracker: DialogueStateTracker) -> bool:
    """Whether the latest turn (since the last user message) erased the conversation: the forget action said so
    with its `conversation_forgotten` payload (it may also only ask whether the person meant it)."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered) and ((event.data or {}).get("custom") or {}).get("type") == FORGOTTEN:
            return True
    return False


def _secure_delete(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA secure_delete = ON")
    cursor.close()


class ForgettingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore (same endpoints.yml keys) that erases a conversation when the person asks."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._kept: OrderedDict[str, Kept] = OrderedDict()
        # A database error quotes its statement's parameters (the events: the person's words and facts), and Rasa
        # logs the error when the store fails mid-conversation; the statement alone says enough.
        self.engine.hide_parameters = True
        if self.engine.dialect.name == "sqlite":
            # SQLAlchemy 1.4 opens a SQLite file anew for every session (NullPool): three times per message, each
            # costing more than the query. A small pool keeps the connections, each with secure_delete set once.
            self.engine.dispose()
            self.engine = sa.create_engine(self.engine.url, poolclass=sa.pool.QueuePool, pool_size=2,
                                           connect_args={"check_same_thread": False}, hide_parameters=True)
            sa.event.listen(self.engine, "connect", _secure_delete)
            self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        self._check_reachable(0.0 if self.engine.dialect.name == "sqlite" else wait_seconds())
        self._keep_out_of_statistics()

    def _check_reachable(self, wait: float) -> None:
        """Connect and make sure the events table exists (Rasa's own attempt fails silently), retrying for `wait`
        seconds; then a clear error that names the database without its password."""
        deadline = time.monotonic() + wait
        while True:
            try:
                self.Base.metadata.create_all(self.engine)
                with self.engine.connect() as connection:
                    if sa.inspect(connection).has_table(self.SQLEvent.__tablename__):
                        return
                    problem = "the events table could not be created"
            except sa.exc.SQLAlchemyError as error:
                cause = getattr(error, "orig", None) or error
                problem = f"{type(cause).__name__}: {(str(cause).strip().splitlines() or [''])[0]}"
            if time.monotonic() >= deadline:
                where = self.engine.url.render_as_string(hide_password=True)
                hint = ("that the file's folder exists and is writable" if self.engine.dialect.name == "sqlite"
                        else "TRACKER_DB_HOST, TRACKER_DB_PORT, TRACKER_DB_NAME, TRACKER_DB_USER and "
                        "TRACKER_DB_PASSWORD, and that the database is up")
                raise TrackerStoreUnavailable(
                    f"the tracker store database {where} cannot be used ({problem}). Rasa would keep conversations "
                    f"in memory only and lose them; refusing to start. Check {hint}.")
            log.warning("the tracker store database is not reachable yet; retrying (%s)", problem)
            time.sleep(min(2.0, max(0.0, deadline - time.monotonic())))

    def _keep_out_of_statistics(self) -> None:
        """PostgreSQL: ANALYZE never copies the person's words or conversation id into the planner's statistics,
        where "forget me" could not reach them (bot/tracker_statistics.py). A store that may not alter the table
        (not its owner) says so and runs on: the conversations work, but the statistics may keep words."""
        if self.engine.dialect.name != "postgresql":
            return
        try:
            with self.engine.begin() as connection:
                connection.execute(sa.text("SET LOCAL lock_timeout = '10s'"))
                changed = keep_out_of_statistics(connection, self.SQLEvent.__tablename__)
        except sa.exc.SQLAlchemyError as error:
            cause = getattr(error, "orig", None) or error
            log.warning("could not keep the events table's words out of PostgreSQL's statistics (%s); run Rasa once "
                        "as the table's owner", type(cause).__name__)
            return
        if changed:
            log.info("the events table's columns %s are kept out of PostgreSQL's statistics", ", ".join(changed))

    def _rows(self, connection: Any, sender_id: str) -> tuple[int, int | None]:
        """How many events the database holds for the conversation, and the id of the last one."""
        event = self.SQLEvent.__table__.c
        count, last = connection.execute(sa.select(sa.func.count(event.id), sa.func.max(event.id))
                                         .where(event.sender_id == sender_id)).one()
        return int(count), last

    def _stored(self, connection: Any, sender_id: str) -> int:
        """How many events of the conversation's latest session are stored: Rasa's own count (its
        `_additional_events`), as one statement instead of a query of ORM objects."""
        event = self.SQLEvent.__table__.c
        started = (sa.select(sa.func.max(event.timestamp))
                   .where(event.sender_id == sender_id, event.type_name == SessionStarted.type_name)
                   .scalar_subquery())
        return int(connection.execute(sa.select(sa.func.count(event.id)).where(
            event.sender_id == sender_id, sa.or_(event.timestamp >= started, started.is_(None)))).scalar())

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        """The kept tracker when the database holds what it was saved with; else Rasa's own (same query, same
        tracker), reading only the events' JSON column: Rasa built an ORM object for every event of the
        conversation, which cost more than the query itself."""
        kept = None if fetch_events_from_all_sessions else self._kept.pop(sender_id, None)
        if kept is not None and kept.untouched():
            with self.engine.connect() as connection:
                if self._rows(connection, sender_id) == kept.rows:
                    return kept.tracker
        with self.session_scope() as session:
            rows = (self._event_query(session, sender_id, fetch_events_from_all_sessions)
                    .with_entities(self.SQLEvent.data).all())
        events = [json.loads(data) for (data,) in rows]
        if self.domain is None or not events:
            return None
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        self._kept.pop(tracker.sender_id, None)
        if asked_to_forget(tracker):
            self.forget(tracker.sender_id)
            if self.engine.dialect.name == "postgresql":
                await asyncio.to_thread(self.vacuum)
            return
        await self.stream_events(tracker)
        # Rasa's own save (the events beyond those stored, the same columns), as one insert of plain rows: Rasa
        # built an ORM object per event and counted the stored ones with a query of ORM objects.
        with self.engine.begin() as connection:
            new = itertools.islice(tracker.events, self._stored(connection, tracker.sender_id), None)
            rows = [self._row(tracker.sender_id, event.type_name, event.as_dict()) for event in new]
            if rows:
                connection.execute(self.SQLEvent.__table__.insert(), rows)
            stored = self._rows(connection, tracker.sender_id)
        if not keepable(tracker):
            return
        now = time.monotonic()
        self._kept[tracker.sender_id] = Kept(tracker, stored, len(tracker.events), now)
        while self._kept and (len(self._kept) > KEPT_CONVERSATIONS
                              or now - next(iter(self._kept.values())).saved >= KEPT_SECONDS):
            self._kept.popitem(last=False)

    @staticmethod
    def _row(sender_id: str, type_name: str, data: dict[str, Any]) -> dict[str, Any]:
        """One event as Rasa's SQLTrackerStore stores it."""
        return {"sender_id": sender_id, "type_name": type_name, "timestamp": data.get("timestamp"),
                "intent_name": ((data.get("parse_data") or {}).get("intent") or {}).get("name"),
                "action_name": data.get("name"), "data": json.dumps(data)}

    def vacuum(self) -> None:
        """Prune the deleted rows from the table's pages now (VACUUM cannot run inside a transaction). A failure is
        logged, never raised: the rows are already deleted, and autovacuum prunes them later anyway."""
        try:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(sa.text(f"VACUUM {self.SQLEvent.__tablename__}"))
        except sa.exc.SQLAlchemyError as error:
            log.warning("VACUUM after forgetting a conversation failed (%s)", type(error).__name__)

    def forget(self, sender_id: str) -> None:
        """Delete every event of one conversation (all its sessions)."""
        with self.session_scope() as session:
            removed = session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == sender_id).delete()
            session.commit()
        log.info("forgot one conversation (%d events)", removed)
