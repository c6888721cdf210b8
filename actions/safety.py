"""Every custom action runs inside one guard: an error becomes a polite reply, never a 500.

rasa-sdk answers an exception with HTTP 500 and the whole request (the tracker, with the person's words and
facts) in the body, and Rasa logs that body. Here the error is caught first; the log line names the action,
the kind of error and where it was raised, and nothing of the conversation.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from abc import ABCMeta, abstractmethod
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.i18n import marked, words

log = logging.getLogger(__name__)

# Threads for the actions. asyncio's default pool has cpu count + 4 (6 here): six actions waiting on a stuck
# database would hold up everyone else's. Waiting costs a thread little; the database bounds each read (10 s).
THREADS = ThreadPoolExecutor(max_workers=32, thread_name_prefix="action")

SORRY = marked("Sorry, something went wrong on my side. What you told me is kept: please try again in a moment, or "
               "say \"show results\".")


def where(error: BaseException) -> str:
    """file:line of the frame that raised, without the exception's message (it may quote the person)."""
    frames = traceback.extract_tb(error.__traceback__)
    return f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "unknown"


class SafeAction(Action, metaclass=ABCMeta):
    """An action whose `act` may fail without the person seeing an error page or their facts reaching a log.

    Abstract, so that rasa-sdk registers only the actions built on it, not the guard itself."""

    @abstractmethod
    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[EventType]:
        """What the action does; its errors are caught by run."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        try:
            # In a thread of its own: the action reads the message, queries the database and runs the matcher,
            # all blocking work. On rasa-sdk's event loop a slow match or a slow database held up every other
            # conversation's actions until it ended; in a thread, the loop goes on serving them.
            return await asyncio.get_running_loop().run_in_executor(THREADS, self.act, dispatcher, tracker, domain)
        except Exception as error:  # every error: the person still gets an answer
            log.error("action %s failed: %s at %s", self.name(), type(error).__name__, where(error))
            dispatcher.messages.clear()  # nothing half-said
            dispatcher.utter_message(text=words(tracker.get_slot("language"))(SORRY))
            return []
