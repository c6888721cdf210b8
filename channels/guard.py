"""A person always gets an answer: when a turn sends nothing back, the channel says the lookup is unavailable.

With the action server down or failing, Rasa 3.6 logs the error and ends the turn without a message, so the REST
channel answers 200 with an empty list and the widget shows nothing. Every turn of this assistant says something,
so silence means the lookup failed: the person is told so, and that the facts read before are kept (they are in
the tracker's slots) while the last message was not read and should be sent again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage

UNAVAILABLE = ("Sorry, I can't look up trials right now, so I couldn't read your last message. What you told me "
               "before is kept: please send it again in a moment, and we'll go on where we were.")


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
        before = sent_count(message.output_channel)
        result = await on_new_message(message)
        after = sent_count(message.output_channel)
        if before is not None and after == before and message.output_channel is not None:
            await message.output_channel.send_text_message(message.sender_id, UNAVAILABLE)
        return result

    return handle
