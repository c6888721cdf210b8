"""Rasa's socket.io channel, with the two fixes the web widget needs (Rasa 3.6.21, python-socketio 5.18).

- `session_request` joins the socket to its session's room. Rasa 3.6 calls `sio.enter_room()` without awaiting it;
  in python-socketio 5.18 that is a coroutine, so the socket never joins the room and, with
  `session_persistence: true`, no bot message ever reaches the browser.
- A custom payload (`dispatcher.utter_message(json_message=...)`) is sent as the event's data, to the session's room.
  Rasa spreads it into `sio.emit(event, **json_message)`, which raises TypeError for any key that is not an argument
  of emit() ("type", "results", ...), so the trial cards' payload never left the server.

Everything else (events, JWT, metadata, the REST-style health route) is Rasa's own. credentials.yml names this
class instead of `socketio`.
"""

from __future__ import annotations

import inspect
import json
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from channels.guard import language_metadata, never_silent

# Session ids are the widget's own random ids (or Rasa's uuid4 hex); anything else gets a fresh one.
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class WidgetSocketIOOutput(SocketIOOutput):
    sent = 0  # messages sent for this turn (one output channel per message): see channels/guard.py

    async def _send_message(self, socket_id: str, response: Any) -> None:
        self.sent += 1
        await super()._send_message(socket_id, response)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """Send the custom payload as the bot event's data (the widget reads `type` to render it)."""
        await self._send_message(recipient_id, json_message)


class WidgetSocketIOInput(SocketIOInput):
    """The socket.io channel (same credentials keys as Rasa's `socketio`)."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def get_output_channel(self) -> OutputChannel | None:
        if self.sio is None:
            return super().get_output_channel()
        return WidgetSocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        on_new_message = never_silent(on_new_message)
        blueprint = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None

        # Registering a handler again replaces Rasa's one for the same event.
        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: dict | None) -> None:
            wanted = data.get("session_id") if isinstance(data, dict) else None
            session_id = wanted if isinstance(wanted, str) and SESSION_ID.match(wanted) else uuid.uuid4().hex
            if self.session_persistence:
                joined = sio.enter_room(sid, session_id, namespace=self.namespace)
                if inspect.isawaitable(joined):
                    await joined
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any) -> None:
            if not isinstance(data, dict):
                return
            output_channel = WidgetSocketIOOutput(sio, self.bot_message_evt)
            if self.session_persistence:
                sender_id = data.get("session_id")
                if not isinstance(sender_id, str) or not SESSION_ID.match(sender_id):
                    return  # Rasa warns and ignores such a message too
            else:
                sender_id = sid
            text = data.get("message", "")
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = {}
            await on_new_message(UserMessage(text if isinstance(text, str) else "", output_channel, sender_id,
                                             input_channel=self.name(),
                                             metadata=language_metadata(metadata) or {}))

        return blueprint
