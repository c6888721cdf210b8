"""The project's actions, with one that fails: "what happens in the study?" raises an error whose message quotes the
person's words, as a careless bug would. Served by rasa-sdk (`--actions crashing_actions`, tests/e2e on the path)
to check that such an error reaches neither the person nor a log with their words."""

from __future__ import annotations

from typing import Any

from actions import dialogue, turn  # noqa: F401  (turn: rasa-sdk registers the action it imports)


def _fail(self: Any, dispatcher: Any, tracker: Any) -> list:
    raise ValueError(f"could not answer {tracker.latest_message.get('text')!r} for {tracker.get_slot('profile')!r}")


dialogue.TrialInfo.act = _fail
