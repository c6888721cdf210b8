"""Rasa's socket.io channel, with the fixes the web widget needs (Rasa 3.6.21, python-socketio 5.18).

- Only pages of the allowed origins may open a socket (Rasa's channel accepts every origin).
- Session ids are issued by the server and signed (channels/sessions.py): a client cannot choose, guess or reuse
  another person's id, and a message is taken only from the socket that asked for its session.

- `session_request` joins the socket to its session's room. Rasa 3.6 calls `sio.enter_room()` without awaiting it;
  in python-socketio 5.18 that is a coroutine, so the socket never joins the room and, with
  `session_persistence: true`, no bot message ever reaches the browser.
- A custom payload (`dispatcher.utter_message(json_message=...)`) is sent as the event's data, to the session's room.
  Rasa spreads it into `sio.emit(event, **json_message)`, which raises TypeError for any key that is not an argument
  of emit() ("type", "results", ...), so the trial cards' payload never left the server.

- Whatever a client sends, the message is handled or ignored, never dropped by an exception: an event without its
  data or with extra arguments, metadata too deeply nested to decode (RecursionError, not ValueError: the person's
  message used to be lost without a reply, and a traceback logged).

Everything else (events, JWT, metadata, the REST-style health route) is Rasa's own. credentials.yml names this
class instead of `socketio`.
"""

from __future__ import annotations

import inspect
import json
import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from channels import sessions
from channels.guard import language_metadata, never_silent

# Pages allowed to open a socket when credentials.yml does not say (the demo page of `make run`).
DEFAULT_ORIGINS = ("http://localhost:8080", "http://127.0.0.1:8080")


def allowed_origins(configured: Any) -> frozenset[str]:
    """TRIALBOT_ALLOWED_ORIGINS (space-separated) wins over credentials.yml's `allowed_origins`."""
    from_env = os.environ.get("TRIALBOT_ALLOWED_ORIGINS")
    if from_env is not None:
        return frozenset(from_env.split())
    if isinstance(configured, (list, tuple)) and all(isinstance(o, str) for o in configured):
        return frozenset(configured)
    return frozenset(DEFAULT_ORIGINS)


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

    allowed: frozenset[str] = frozenset(DEFAULT_ORIGINS)

    @classmethod
    def name(cls) -> str:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WidgetSocketIOInput:
        channel = super().from_credentials(credentials)
        assert isinstance(channel, WidgetSocketIOInput)
        channel.allowed = allowed_origins((credentials or {}).get("allowed_origins"))
        return channel

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
        rasa_connect = sio.handlers.get(self.namespace or "/", {}).get("connect")

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: str, environ: dict, auth: dict | None = None) -> bool:
            """A browser on a page that is not allowed gets no socket (a page elsewhere could otherwise talk to the
            assistant in its visitors' names). Clients without an Origin are not browsers; the proxy guards them."""
            origin = environ.get("HTTP_ORIGIN")
            if origin and origin not in self.allowed:
                return False
            return await rasa_connect(sid, environ, auth) if rasa_connect else True

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any = None, *_: Any) -> None:
            wanted = data.get("session_id") if isinstance(data, dict) else None
            token = wanted if sessions.valid(wanted) else sessions.new_token()
            if self.session_persistence:
                joined = sio.enter_room(sid, sessions.sender_id(token), namespace=self.namespace)
                if inspect.isawaitable(joined):
                    await joined
            await sio.emit("session_confirm", token, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any = None, *_: Any) -> None:
            if not isinstance(data, dict):
                return
            output_channel = WidgetSocketIOOutput(sio, self.bot_message_evt)
            if self.session_persistence:
                token = data.get("session_id")
                if not sessions.valid(token):
                    return  # Rasa warns and ignores a message without a session too
                sender_id = sessions.sender_id(token)
                if sender_id not in sio.rooms(sid, namespace=self.namespace):
                    return  # only the socket that asked for this session (session_request) writes in it
            else:
                sender_id = sid
            text = data.get("message", "")
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except (ValueError, RecursionError):  # "[[[[…" too deep for the decoder: the message counts
                    metadata = {}
            await on_new_message(UserMessage(text if isinstance(text, str) else "", output_channel, sender_id,
                                             input_channel=self.name(),
                                             metadata=language_metadata(metadata) or {}))

        return blueprint
