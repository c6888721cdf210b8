"""One action per user message: read it, decide what comes next, and reply, in one call from Rasa.

With a Rasa form and a custom slot mapping, a message cost three calls to the action server (read the message,
validate, ask), each sending the whole conversation and each followed by a prediction of the dialogue policies;
the steps then needed turn ids to tell whether the message had been read already. Here Rasa's only rule
(data/rules.yml, followed by policies/turn.py) sends every message to `action_turn`, and the turn runs the steps it
needs in order: `Turn.dialogue` and `Turn.questions` are the whole dialogue.

The questions keep their own two slots instead of Rasa's loop: `in_questions` (the questions are on) and
`requested` ("consent" or "matching_done", what was asked last). What the message added (the `turn` working slot:
notes to confirm, problems to re-ask) lives for the turn only and is never sent back to Rasa.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import dialogue
from actions.catalog import one_match_per_turn
from actions.safety import SafeAction
from actions.said import Say
from actions.state import QUESTIONS
from actions.step import Step

# What the questions need, in order: consent, then the facts (until the answer can be shown).
REQUIRED = ("consent", "matching_done")
ASK = {"consent": dialogue.AskConsent(), "matching_done": dialogue.AskNext()}
READ, DECIDE, SHOW = dialogue.ReadMessage(), dialogue.Decide(), dialogue.ShowResults()
START_OVER, INFO, WHAT_NEXT = dialogue.StartOver(), dialogue.TrialInfo(), dialogue.WhatNext()
# The step that answers each intent outside the questions, and when it interrupts them.
ANSWERS: dict[str, Step] = {
    "show_results": SHOW, "show_more": SHOW, "forget_me": dialogue.Forget(), "ask_about_drug": INFO,
    "ask_what_happens": INFO, "ask_sites": INFO, "ask_how_to_join": INFO,
    "ask_what_is_trial": Say("what_is_trial"), "help": Say("help"), "out_of_scope": Say("out_of_scope"),
    "abuse": Say("abuse"), "goodbye": Say("goodbye"), "thank": Say("you_are_welcome"), "greet": Say("greet_again"),
    "deny": WHAT_NEXT, "dont_know": WHAT_NEXT, "affirm": WHAT_NEXT,
    "nlu_fallback": dialogue.Fallback(), "start_over": START_OVER,
}
# Intents that start (or resume) the questions outside them.
STARTS = {"inform", "continue_questions", "find_trials"}
# After these, the questions stop until the person starts them again.
ENDS = {"forget_me", "goodbye"}


class Turn:
    """One message's turn: the slots as the steps leave them, the messages they send, and which steps ran."""

    def __init__(self, tracker: Tracker, dispatcher: CollectingDispatcher) -> None:
        self.tracker = tracker
        self.dispatcher = dispatcher
        self.slots: dict[str, Any] = dict(tracker.slots)
        self.ran: list[str] = []

    def take(self) -> list[EventType]:
        """Run the turn; the slots it changed, as events for Rasa."""
        with one_match_per_turn():
            self.run(READ)
            self.dialogue(self.intent())
        return [SlotSet(name, value) for name, value in self.slots.items()
                if name != "turn" and value != self.tracker.slots.get(name)]

    def intent(self) -> str:
        return ((self.tracker.latest_message or {}).get("intent") or {}).get("name") or "nlu_fallback"

    def dialogue(self, intent: str) -> None:
        """What the message leads to; this was data/rules.yml when the dialogue was Rasa's form and rules."""
        if self.slots.get("in_questions"):
            if self.slots.get("requested") == "consent" and intent in ("affirm", "deny"):
                self.slots["consent"] = intent == "affirm"
            self.questions(resuming=True, intent=intent)
        elif intent == "start_over":
            self.run(START_OVER)
            self.questions()
        elif intent in STARTS or (intent in ("greet", "affirm") and self.slots.get("consent") is not True):
            self.questions()
        else:
            self.run(ANSWERS.get(intent, ANSWERS["nlu_fallback"]))

    def questions(self, resuming: bool = False, intent: str = "") -> None:
        """Decide whether to ask or answer; a message that is no answer is answered first, then the question
        comes again."""
        if not resuming:
            self.slots.update(in_questions=True, requested=None)
        changes = self.run(DECIDE)
        if resuming and not changes:  # an interruption: a question, a greeting, "forget me"…
            self.run(ANSWERS.get(intent, ANSWERS["greet"]))
            if intent in ENDS:
                self.slots.update(in_questions=None, requested=None)
                return
            self.run(DECIDE)
        missing = [slot for slot in REQUIRED if self.slots.get(slot) is None]
        if self.slots.get("consent") is False or not missing:
            self.slots.update(in_questions=None, requested=None)
            self.run(SHOW)
            return
        self.slots["requested"] = missing[0]
        self.run(ASK[missing[0]])

    def run(self, step: Step) -> list[EventType]:
        """One step, seeing the slots as the steps before it left them; a step that finds facts in a message
        outside the questions hands the turn to them."""
        self.ran.append(step.name())
        tracker = Tracker(self.tracker.sender_id, dict(self.slots), self.tracker.latest_message,
                          self.tracker.events, self.tracker.is_paused(), None, {}, "action_listen")
        events = step.act(self.dispatcher, tracker)
        for event in events:
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]
        if any(e.get("event") == "followup" and e.get("name") == QUESTIONS for e in events):
            self.questions()
        return events


class ActionTurn(SafeAction):
    """The only custom action: Rasa calls it once after every user message."""

    def name(self) -> str:
        return "action_turn"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[EventType]:
        return Turn(tracker, dispatcher).take()
