"""Whole conversations through the one custom action, driven with rasa-sdk's Tracker and CollectingDispatcher.

Each message is one call of `action_turn`, as Rasa makes it (data/rules.yml sends every message there); the slots
it sets are kept for the next message. The Rasa side (NLU and the one rule) is tested by tests/test_stories.yml.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ("2025-523921-17-00", "2025-524541-27-00")
# The two seed trials only, so that these tests do not change as the catalogue grows.
_SEED_DIR = Path(tempfile.mkdtemp(prefix="trialbot-seeds-"))
for _seed in SEEDS:
    shutil.copy(ROOT / "trials" / f"{_seed}.yaml", _SEED_DIR)
os.environ["TRIALBOT_TRIALS_DIR"] = str(_SEED_DIR)

from actions import turn  # noqa: E402
from actions.catalog import catalogue  # noqa: E402


class Recording(turn.ActionTurn):
    """action_turn, remembering which steps its last turn ran (for the tests that check the dialogue's path)."""

    def __init__(self) -> None:
        self.ran: list[str] = []

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[Any]:
        taken = turn.Turn(tracker, dispatcher)
        try:
            return taken.take()
        finally:
            self.ran = taken.ran


class Chat:
    """One conversation: say() sends a message with its intent and returns what the assistant sent back."""

    def __init__(self) -> None:
        self.slots: dict[str, Any] = {}
        self.events: list[dict[str, Any]] = []
        self.message: dict[str, Any] = {}
        self.clock = 1_700_000_000.0
        self.ran: list[str] = []

    def tracker(self) -> Tracker:
        return Tracker("test", dict(self.slots), self.message, list(self.events), False, None, {}, "action_listen")

    @property
    def in_questions(self) -> bool:
        return bool(self.slots.get("in_questions"))

    def say(self, text: str, intent: str, entities: list[dict[str, Any]] | None = None,
            lang: str | None = None) -> list[dict[str, Any]]:
        """One message; lang is what a widget sends as the page's language (message metadata)."""
        self.clock += 1
        self.message = {"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": entities or [],
                        "metadata": {"lang": lang} if lang else {}}
        self.events.append({"event": "user", "text": text, "timestamp": self.clock, "parse_data": self.message})
        for entity in entities or ():  # Rasa's slot mapping of focus_trial, before the action
            if entity.get("entity") == "trial_id":
                self.slots["focus_trial"] = entity.get("value")
        dispatcher = CollectingDispatcher()
        action = Recording()
        events = asyncio.run(action.run(dispatcher, self.tracker(), {}))
        self.ran = action.ran
        for event in events:
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]
        self.events += [*events, {"event": "action", "name": "action_turn", "timestamp": self.clock}]
        return dispatcher.messages

    @staticmethod
    def text(messages: list[dict[str, Any]]) -> str:
        return "\n".join(m.get("text") or "" for m in messages)

    def payload(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        return next(m["custom"] for m in messages if m.get("custom"))


@pytest.fixture
def chat() -> Chat:
    catalogue.cache_clear()
    return Chat()


@pytest.fixture
def consented(chat: Chat) -> Chat:
    chat.say("hi", "greet")
    chat.say("yes", "affirm")
    return chat


@pytest.fixture
def chat_factory():
    """A second conversation in the same test (each its own slots)."""
    return Chat
