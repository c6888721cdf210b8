"""Rasa's SQL tracker store, where "forget me" deletes the conversation for real.

Rasa 3.6 has no delete API, and a delete made while a turn runs is undone when the turn ends: `save` writes every
event beyond the number already stored, so after a delete it writes the whole conversation back. Here the delete
happens in `save` itself, at the end of the turn in which `action_forget` erased the facts (Rasa holds the
conversation's lock until then), and nothing of that turn is written. On SQLite, `secure_delete` overwrites the
deleted rows, so the words are gone from the file's bytes too, not only from its rows. Database errors never
carry the events' values (`hide_parameters`), since Rasa logs them when the store fails mid-conversation.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

log = logging.getLogger(__name__)

FORGOTTEN = "conversation_forgotten"


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
        # A database error quotes its statement's parameters (the events: the person's words and facts), and Rasa
        # logs the error when the store fails mid-conversation; the statement alone says enough.
        self.engine.hide_parameters = True
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _secure_delete)
            self.engine.dispose()  # connections opened before the listener reconnect with it

    async def save(self, tracker: DialogueStateTracker) -> None:
        if asked_to_forget(tracker):
            self.forget(tracker.sender_id)
            return
        await super().save(tracker)

    def forget(self, sender_id: str) -> None:
        """Delete every event of one conversation (all its sessions)."""
        with self.session_scope() as session:
            removed = session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == sender_id).delete()
            session.commit()
        log.info("forgot one conversation (%d events)", removed)
