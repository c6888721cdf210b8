"""Rasa's REST channel, never silent (see channels/guard.py), that takes the person's language from the request.

A client may send `"metadata": {"lang": "fr"}` with a message (the widget does, over socket.io, as customData):
only `lang` is kept, so nothing else a client sends reaches the tracker. credentials.yml names this class for `rest`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.request import Request

from channels.guard import language_metadata, never_silent
from channels.settle import after_start


class GuardedRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        return after_start(super().blueprint(never_silent(on_new_message)))

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        return language_metadata((request.json or {}).get("metadata") if isinstance(request.json, dict) else None)
