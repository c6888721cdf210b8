"""What the channels do with every message: cut it to a sane length, read a malformed "/..." as words, and never
leave a turn silent.

Rasa 3.6 runs the NLU pipeline in the server's event loop, and its cost grows faster than the text: a message of
400,000 characters held every other conversation for 24 s here, one of 990,000 for over a minute. A message is cut
to MAX_CHARS (five times what the widget lets a person type) before Rasa reads it.

A person always gets an answer: when a turn sends nothing back, the channel says the lookup is unavailable.

With the action server down or failing, Rasa 3.6 logs the error and ends the turn without a message, so the REST
channel answers 200 with an empty list and the widget shows nothing. Every turn of this assistant says something,
so silence means the lookup failed: the person is told so, and that the facts read before are kept (they are in
the tracker's slots) while the last message was not read and should be sent again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rasa.core.channels.channel import OutputChannel, UserMessage

from bot.i18n import marked, words

DOMAIN = Path(__file__).resolve().parents[1] / "domain.yml"
# The longest message Rasa reads (five times the widget's limit); the rest is cut off (see above).
MAX_CHARS = 5000
# A button's payload: "/intent" or "/intent{"entity": "value"}". Rasa parses any message starting with "/" as one,
# and when it is malformed it logs a warning that quotes the whole message; such a message is read as plain text.
SHORTCUT = re.compile(r"^/(?P<intent>[a-z_]{1,40})(?P<entities>\{[^{}]{0,200}\})?$")


@lru_cache(maxsize=1)
def known_intents() -> frozenset[str]:
    data = yaml.safe_load(DOMAIN.read_text(encoding="utf-8")) or {}
    return frozenset(i if isinstance(i, str) else next(iter(i)) for i in data.get("intents") or ())


def as_text(text: str) -> str:
    """The message as Rasa should read it: its first MAX_CHARS characters; a well-formed shortcut of a known intent
    stays one; anything else that starts with "/" loses its slashes, so that it is read as words and never quoted in
    a log."""
    if not isinstance(text, str):
        return text
    text = text[:MAX_CHARS]
    if not text.startswith("/"):
        return text
    match = SHORTCUT.match(text)
    if match and match.group("intent") in known_intents():
        entities = match.group("entities")
        if entities is None or _flat_strings(entities):
            return text
    return text.lstrip("/ ")


def _flat_strings(entities: str) -> bool:
    try:
        data = json.loads(entities)
    except ValueError:
        return False
    return isinstance(data, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in data.items())

UNAVAILABLE = marked("Sorry, I can't look up trials right now, so I couldn't read your last message. What you told "
                     "me before is kept: please send it again in a moment, and we'll go on where we were.")


def language_metadata(metadata: Any) -> dict[str, str] | None:
    """Of what a client sends with a message, only the language it asks for ("fr", "nl-BE"), if it is a short code."""
    lang = metadata.get("lang") if isinstance(metadata, dict) else None
    return {"lang": lang} if isinstance(lang, str) and re.fullmatch(r"[A-Za-z]{2}([-_][A-Za-z]{2,4})?", lang) else None


def sent_count(channel: OutputChannel | None) -> int | None:
    """How many messages a channel has sent so far, when it can tell."""
    sent = getattr(channel, "sent", None)
    if isinstance(sent, int):
        return sent
    messages = getattr(channel, "messages", None)
    return len(messages) if isinstance(messages, list) else None


def never_silent(on_new_message: Callable[[UserMessage], Awaitable[Any]]
                 ) -> Callable[[UserMessage], Awaitable[Any]]:
    """on_new_message, followed by the unavailable notice when the turn sent nothing."""

    async def handle(message: UserMessage) -> Any:
        message.text = as_text(message.text)
        before = sent_count(message.output_channel)
        result = await on_new_message(message)
        after = sent_count(message.output_channel)
        if before is not None and after == before and message.output_channel is not None:
            lang = (message.metadata or {}).get("lang") if isinstance(message.metadata, dict) else None
            await message.output_channel.send_text_message(message.sender_id, words(lang)(UNAVAILABLE))
        return result

    return handle
