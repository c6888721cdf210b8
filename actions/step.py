"""One part of a turn: read the message, decide, ask, answer, or say a fixed reply.

Steps are not Rasa actions: `actions.turn.ActionTurn` runs the ones a message needs, in order, within one call
from Rasa, each seeing the slots as the steps before it left them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher


class Step(ABC):
    """Reads the conversation from the tracker, may speak, and returns the slots it changes."""

    @abstractmethod
    def name(self) -> str:
        """How the step is named in tests and in the README."""

    @abstractmethod
    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """What the step does; its errors end the whole turn in actions.safety's guard."""
