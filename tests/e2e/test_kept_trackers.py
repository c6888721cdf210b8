"""The tracker store hands back the tracker it last saved only while the database holds exactly what it saved.

Run in Rasa's environment (stores/forgetting.py is Rasa's store), so it is in the e2e suite. Each check is one
conversation: a second store on the same file stands for another Rasa process, a purge, or "forget me"."""

from __future__ import annotations

import pytest

from tests.e2e.test_rest_conversation import in_rasa

pytestmark = pytest.mark.e2e

CHECKS = """
import asyncio, json, os, tempfile
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from stores.forgetting import FORGOTTEN, ForgettingSQLTrackerStore

domain = Domain.load("domain.yml")
db = os.path.join(tempfile.mkdtemp(), "conversations.db")
one, other = (ForgettingSQLTrackerStore(domain=domain, dialect="sqlite", db=db) for _ in range(2))


def turn(tracker, text):
    tracker.update(UserUttered(text, {"name": "inform", "confidence": 1.0}))
    tracker.update(ActionExecuted("action_turn"))
    tracker.update(SlotSet("language", "en"))
    tracker.update(BotUttered("noted"))
    tracker.update(ActionExecuted("action_listen"))


async def new(store, sender):
    tracker = DialogueStateTracker.from_events(sender, [ActionExecuted("action_session_start"), SessionStarted(),
                                                        ActionExecuted("action_listen")], domain.slots)
    turn(tracker, "first")
    await store.save(tracker)
    return tracker


def texts(tracker):
    return [e.text for e in tracker.events if isinstance(e, UserUttered)]


async def main():
    seen = {}
    saved = await new(one, "kept")
    again = await one.retrieve("kept")
    seen["kept"] = again is saved and texts(again) == ["first"]
    later = await one.retrieve("kept")  # the kept one went to the turn above: this one is read from the database
    seen["handed out once"] = later is not saved and texts(later) == ["first"]

    tracker = await new(one, "elsewhere")
    theirs = await other.retrieve("elsewhere")
    turn(theirs, "second, on another process")
    await other.save(theirs)
    mine = await one.retrieve("elsewhere")
    seen["another process"] = mine is not tracker and texts(mine) == ["first", "second, on another process"]

    failed = await new(one, "failed")
    failed = await one.retrieve("failed")
    turn(failed, "a turn that fails before it is saved")
    await one.save(await other.retrieve("failed"))  # the stored state saved again: kept by `one`, but not `failed`
    back = await one.retrieve("failed")
    seen["failed turn"] = texts(back) == ["first"]

    changed = await new(one, "changed after saving")
    turn(changed, "added after the save, never saved")  # a caller that goes on after saving, then fails
    seen["changed after saving"] = texts(await one.retrieve("changed after saving")) == ["first"]

    await new(one, "forgotten")
    forgetting = await one.retrieve("forgotten")
    forgetting.update(BotUttered(data={"custom": {"type": FORGOTTEN}}))
    await one.save(forgetting)
    seen["forget me"] = await one.retrieve("forgotten") is None and "forgotten" not in one._kept

    await new(one, "purged")
    other.forget("purged")
    seen["purged elsewhere"] = await one.retrieve("purged") is None

    session = await new(one, "new session")
    session = await one.retrieve("new session")
    for event in (ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")):
        session.update(event)
    turn(session, "in the new session")
    await one.save(session)
    read = await one.retrieve("new session")
    seen["new session"] = read is not session and texts(read) == ["in the new session"]

    counted = []
    for sender in ("kept", "elsewhere", "new session", "nobody"):
        with one.session_scope() as orm, one.engine.connect() as connection:
            counted.append(one._stored(connection, sender) == one._event_query(orm, sender, False).count())
    seen["counts the stored events as Rasa does"] = all(counted)
    print(json.dumps(seen))


asyncio.run(main())
"""


def test_a_kept_tracker_is_handed_back_only_while_the_database_holds_what_was_saved():
    seen = in_rasa(CHECKS)
    assert seen == {check: True for check in seen} and len(seen) == 9, seen
