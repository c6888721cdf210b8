"""A small stand-in for the Rasa server, enough to drive the custom actions through whole conversations.

It mirrors data/rules.yml: every user message first goes through action_read_message (as Rasa's
action_extract_slots does), the form validates and asks while it is active, and each intent outside
the form maps to the action its rule names. The real dialogue policy is tested by tests/test_stories.yml.
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

from actions import catalog as catalog_module  # noqa: E402
from actions import dialogue, said  # noqa: E402
from actions.catalog import catalogue  # noqa: E402

FORM = "trial_form"
REQUIRED = ("consent", "matching_done")
OUTSIDE = {"show_results": "action_show_results", "show_more": "action_show_results",
           "forget_me": "action_forget", "ask_about_drug": "action_trial_info",
           "ask_what_happens": "action_trial_info", "ask_sites": "action_trial_info",
           "ask_how_to_join": "action_trial_info", "ask_what_is_trial": "action_say_what_is_trial",
           "help": "action_say_help", "out_of_scope": "action_say_out_of_scope", "abuse": "action_say_abuse",
           "goodbye": "action_say_goodbye", "thank": "action_say_you_are_welcome", "deny": "action_what_next",
           "dont_know": "action_what_next", "nlu_fallback": "action_fallback"}
ACTIONS = {a().name(): a() for a in (dialogue.ActionReadMessage, dialogue.ValidateTrialForm, dialogue.ActionAskConsent,
                                     dialogue.ActionAskMatchingDone, dialogue.ActionShowResults,
                                     dialogue.ActionTrialInfo, dialogue.ActionForget, dialogue.ActionStartOver,
                                     dialogue.ActionFallback, dialogue.ActionWhatNext)}
ACTIONS.update({action.name(): action for action in (cls() for cls in said.ActionSay.__subclasses__())})


class Chat:
    """One conversation: say() sends a message with its intent and returns what the assistant sent back."""

    def __init__(self) -> None:
        self.slots: dict[str, Any] = {}
        self.events: list[dict[str, Any]] = []
        self.loop: str | None = None
        self.message: dict[str, Any] = {}
        self.clock = 1_700_000_000.0
        self.ran: list[str] = []

    def tracker(self) -> Tracker:
        loop = {"name": self.loop} if self.loop else {}
        return Tracker("test", dict(self.slots), self.message, list(self.events), False, None, loop, "action_listen")

    def run(self, name: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Run one action; apply its slot events; return (messages, events)."""
        self.ran.append(name)
        dispatcher = CollectingDispatcher()
        events = asyncio.run(ACTIONS[name].run(dispatcher, self.tracker(), {}))
        for event in events:
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]
            if event.get("event") == "followup":
                dispatcher.messages += self.say_form()
        return dispatcher.messages, events

    def say(self, text: str, intent: str, entities: list[dict[str, Any]] | None = None,
            lang: str | None = None) -> list[dict[str, Any]]:
        """One message; lang is what a widget sends as the page's language (message metadata)."""
        self.clock += 1
        self.message = {"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": entities or [],
                        "metadata": {"lang": lang} if lang else {}}
        self.events.append({"event": "user", "text": text, "timestamp": self.clock, "parse_data": self.message})
        self.run("action_read_message")
        self.ran = []
        if self.loop == FORM:
            if self.slots.get("requested_slot") == "consent" and intent in ("affirm", "deny"):
                self.slots["consent"] = intent == "affirm"
            return self.say_form(in_loop=True)
        if intent == "start_over":
            messages, _ = self.run("action_start_over")
            return messages + self.say_form()
        if intent in ("inform", "continue_questions", "find_trials") or (
                intent in ("greet", "affirm") and self.slots.get("consent") is not True):
            return self.say_form()
        if intent in ("greet", "affirm"):
            return self.run("action_say_greet_again" if intent == "greet" else "action_what_next")[0]
        return self.run(OUTSIDE[intent])[0]

    def say_form(self, in_loop: bool = False) -> list[dict[str, Any]]:
        """The form's turn: validate, then ask the next required slot or finish."""
        messages: list[dict[str, Any]] = []
        if not in_loop:
            self.loop = FORM
            self.slots["requested_slot"] = None
        _, events = self.run("validate_trial_form")
        if in_loop and not events:  # rejected: the rule for the intent answers, then the form asks again
            intent = self.message["intent"]["name"]
            if intent == "start_over":
                messages += self.run("action_start_over")[0]
            else:
                messages += self.run(OUTSIDE.get(intent, "action_say_greet_again"))[0]
            if intent in ("forget_me", "goodbye"):
                self.loop = None
                self.slots["requested_slot"] = None
                return messages
            self.run("validate_trial_form")
        ended = any(e.get("event") == "slot" and e["name"] == "requested_slot" and e["value"] is None for e in events)
        if ended:
            return messages + self.finish()
        missing = [slot for slot in REQUIRED if self.slots.get(slot) is None]
        if not missing:
            return messages + self.finish()
        self.slots["requested_slot"] = missing[0]
        return messages + self.run(f"action_ask_{missing[0]}")[0]

    @staticmethod
    def text(messages: list[dict[str, Any]]) -> str:
        return "\n".join(m.get("text") or "" for m in messages)

    def payload(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        return next(m["custom"] for m in messages if m.get("custom"))

    def finish(self) -> list[dict[str, Any]]:
        self.loop = None
        self.slots["requested_slot"] = None
        return self.run("action_show_results")[0]


@pytest.fixture
def chat() -> Chat:
    catalogue.cache_clear()
    catalog_module._reports.clear()
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
