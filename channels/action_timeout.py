"""How long Rasa waits for the action server before it tells the person the lookup is unavailable.

Rasa 3.6 waits five minutes for a custom action (`DEFAULT_REQUEST_TIMEOUT`, read at each call), so a stuck or
overloaded action server left the person without an answer for that long. Here Rasa gives up after
$TRIALBOT_ACTION_TIMEOUT seconds (20 by default); the turn then ends without the action, and the channels' guard
(channels/guard.py) says the lookup is unavailable right now and that what was said before is kept.
"""

from __future__ import annotations

import os

import rasa.core.actions.action

DEFAULT_SECONDS = 20.0


def seconds(environ: dict[str, str] | None = None) -> float:
    """$TRIALBOT_ACTION_TIMEOUT as a number of seconds; a clear error for anything else."""
    text = (os.environ if environ is None else environ).get("TRIALBOT_ACTION_TIMEOUT", "").strip()
    if not text:
        return DEFAULT_SECONDS
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 600:
        raise ValueError(f"TRIALBOT_ACTION_TIMEOUT must be a number of seconds between 0 and 600, not {text!r}")
    return value


def install() -> None:
    rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT = seconds()  # type: ignore[attr-defined]
