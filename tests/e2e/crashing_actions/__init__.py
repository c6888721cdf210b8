"""The project's actions, with one that fails and one that is slow. "What happens in the study?" raises an error whose
message quotes the person's words, as a careless bug would; "what is a clinical trial?" takes 8 seconds, as a stuck
database would make it. Served by rasa-sdk (`--actions crashing_actions`, tests/e2e on the path) to check that such
an error reaches neither the person nor a log with their words, and that a slow action gets a timely answer."""

from __future__ import annotations

import time
from typing import Any

from actions import dialogue, said, turn  # noqa: F401  (turn: rasa-sdk registers the action it imports)


def _fail(self: Any, dispatcher: Any, tracker: Any) -> list:
    raise ValueError(f"could not answer {tracker.latest_message.get('text')!r} for {tracker.get_slot('profile')!r}")


_say = said.Say.act


def _slow(self: Any, dispatcher: Any, tracker: Any) -> list:
    if self.saying == "what_is_trial":
        time.sleep(8)
    return _say(self, dispatcher, tracker)


dialogue.TrialInfo.act = _fail
said.Say.act = _slow
