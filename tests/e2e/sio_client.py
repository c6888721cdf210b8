"""A small socket.io client (Engine.IO v4 over HTTP long-polling, on `requests`) for the end-to-end tests.

It needs nothing beyond the actions environment, and it can also send what no real client would: raw Engine.IO
payloads, Socket.IO packets of any type, binary attachments. `turn()` asks the server for an acknowledgement
(Socket.IO's ack id): python-socketio sends it when the handler has returned, after every message of the turn, on the
same ordered queue, so the replies between the message and the ack are exactly the replies to that message.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from itertools import count
from typing import Any

import requests

ALLOWED = "http://localhost:8080"  # credentials.yml's allowed_origins
SEPARATOR = "\x1e"


class Socket:
    """One socket.io client over HTTP long-polling: connect, emit, and collect the events the server sends."""

    def __init__(self, webhook: str, origin: str | None = ALLOWED) -> None:
        self.base = webhook.split("/webhooks/")[0] + "/socket.io/"
        self.headers = {"Origin": origin} if origin else {}
        opened = requests.get(self.base, params={"EIO": "4", "transport": "polling"}, headers=self.headers,
                              timeout=10)
        opened.raise_for_status()
        self.sid = json.loads(opened.text[1:])["sid"]
        self.events: list[tuple[str, Any]] = []
        self.acks: dict[int, Any] = {}
        self.closed = False  # the server closed the socket (Engine.IO "1" packet)
        self._ack_ids = count(1)
        self._post("40")
        self.connected = any(p.startswith("40") for p in self._poll())

    def _params(self) -> dict[str, str]:
        return {"EIO": "4", "transport": "polling", "sid": self.sid}

    def post_raw(self, body: bytes | str) -> requests.Response:
        """POST an Engine.IO payload as it is (packets separated by \\x1e), whatever it holds."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        return requests.post(self.base, params=self._params(), data=data, headers=self.headers, timeout=30)

    def post_while_polling(self, body: bytes | str) -> tuple[requests.Response, list[str]]:
        """POST with a poll waiting, as a real client has: a payload that makes the server close the socket gets its
        answer only once the close packet went out on a poll."""
        polled: list[list[str]] = []
        poller = threading.Thread(target=lambda: polled.append(self._poll()), daemon=True)
        poller.start()
        time.sleep(0.2)  # the poll is waiting on the server
        reply = self.post_raw(body)
        poller.join(60)
        return reply, polled[0] if polled else []

    def _post(self, packet: str) -> None:
        self.post_raw(packet).raise_for_status()

    def _poll(self) -> list[str]:
        reply = requests.get(self.base, params=self._params(), headers=self.headers, timeout=60)
        reply.raise_for_status()
        packets = reply.text.split(SEPARATOR)
        for packet in packets:
            if packet == "2":
                self._post("3")  # ping, pong
            elif packet == "1":
                self.closed = True
            elif packet.startswith("42"):
                name, *data = json.loads(packet[2:])
                self.events.append((name, data[0] if data else None))
            elif packet.startswith("43"):
                digits = len(packet[2:]) - len(packet[2:].lstrip("0123456789"))
                self.acks[int(packet[2:2 + digits])] = json.loads(packet[2 + digits:])
        return packets

    def emit(self, event: str, data: Any) -> None:
        self._post("42" + json.dumps([event, data]))

    def emit_with_ack(self, *args: Any) -> int:
        """Emit [*args] asking for an acknowledgement; return its id."""
        ack = next(self._ack_ids)
        self._post(f"42{ack}" + json.dumps(list(args)))
        return ack

    def emit_binary(self, event: str, data: Any, attachments: list[bytes], ack: int | None = None) -> None:
        """A Socket.IO binary event: `data` holds {"_placeholder": true, "num": i} where attachment i goes."""
        header = f"45{len(attachments)}-{'' if ack is None else ack}" + json.dumps([event, data])
        self._post(SEPARATOR.join([header, *("b" + base64.b64encode(a).decode("ascii") for a in attachments)]))

    def wait_ack(self, ack: int, seconds: float = 60) -> Any:
        deadline = time.monotonic() + seconds
        while ack not in self.acks:
            if time.monotonic() > deadline:
                raise AssertionError(f"no acknowledgement {ack} within {seconds} s: the server dropped the event "
                                     "(an exception in its handler?) or is stuck")
            self._poll()
        return self.acks.pop(ack)

    def wait_for(self, event: str, seconds: float = 30) -> Any:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for index, (name, data) in enumerate(self.events):
                if name == event:
                    del self.events[index]
                    return data
            self._poll()
        raise AssertionError(f"no {event!r} within {seconds} s; got {self.events}")

    def session(self, wanted: str | None = None) -> str:
        self.emit("session_request", {"session_id": wanted})
        return self.wait_for("session_confirm")

    def take(self, event: str = "bot_uttered") -> list[Any]:
        """The data of the `event`s received so far, removed from `events`."""
        taken = [data for name, data in self.events if name == event]
        self.events = [e for e in self.events if e[0] != event]
        return taken

    def turn(self, token: Any, text: Any, seconds: float = 120, **extra: Any) -> list[Any]:
        """Send a message and return every reply to it (the bot_uttered data before the server's ack)."""
        before = self.take()
        assert not before, f"replies nobody asked for: {before}"
        ack = self.emit_with_ack("user_uttered", {"message": text, "session_id": token, **extra})
        self.wait_ack(ack, seconds)
        return self.take()

    def say(self, token: str, text: str, expect: str = "", seconds: float = 60) -> str:
        """Send a message; return the replies received until one contains `expect` (any reply when empty)."""
        self.emit("user_uttered", {"message": text, "session_id": token})
        texts: list[str] = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            texts += [(d or {}).get("text") or "" for n, d in self.events if n == "bot_uttered"]
            self.events = [e for e in self.events if e[0] != "bot_uttered"]
            if texts and expect in "\n".join(texts):
                return "\n".join(texts)
            self._poll()
        raise AssertionError(f"no reply with {expect!r} within {seconds} s")

    def close(self) -> None:
        try:
            self._post("1")
        except requests.RequestException:
            pass
