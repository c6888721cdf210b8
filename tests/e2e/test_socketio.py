"""The widget's channel (socket.io) against someone who is not the person: another website, a guessed or chosen
session id, an id seen in the tracker store, a message written into someone else's session.

A small Engine.IO v4 polling client over `requests` plays each side, so the test needs nothing beyond the actions
environment. The servers are those of test_rest_conversation (the trained model, both channels of credentials.yml).
Run: PYTHONPATH=. <actions env>/bin/python -m pytest tests/e2e/test_socketio.py -q -m e2e
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests
from test_rest_conversation import rasa_url  # noqa: F401  (the servers fixture)

pytestmark = pytest.mark.e2e

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
        self._post("40")
        self.connected = any(p.startswith("40") for p in self._poll())

    def _params(self) -> dict[str, str]:
        return {"EIO": "4", "transport": "polling", "sid": self.sid}

    def _post(self, packet: str) -> None:
        requests.post(self.base, params=self._params(), data=packet.encode("utf-8"), headers=self.headers,
                      timeout=10).raise_for_status()

    def _poll(self) -> list[str]:
        reply = requests.get(self.base, params=self._params(), headers=self.headers, timeout=30)
        reply.raise_for_status()
        packets = reply.text.split(SEPARATOR)
        for packet in packets:
            if packet == "2":
                self._post("3")  # ping, pong
            elif packet.startswith("42"):
                name, *data = json.loads(packet[2:])
                self.events.append((name, data[0] if data else None))
        return packets

    def emit(self, event: str, data: Any) -> None:
        self._post("42" + json.dumps([event, data]))

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


def test_a_page_of_another_origin_gets_no_socket(rasa_url):  # noqa: F811
    stranger = Socket(rasa_url, origin="https://evil.example")
    assert not stranger.connected
    page = Socket(rasa_url)
    assert page.connected
    page.close()


def test_session_ids_are_issued_by_the_server_never_chosen_by_the_client(rasa_url):  # noqa: F811
    client = Socket(rasa_url)
    chosen = "my-own-session-id-123"
    token = client.session(chosen)
    assert token != chosen and len(token) == 46
    assert client.session(token) == token  # the server's own token is taken back
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.session(forged) not in (forged, token)
    client.close()


def test_no_one_else_can_join_or_write_into_a_conversation(rasa_url):  # noqa: F811
    owner = Socket(rasa_url)
    token = owner.session()
    owner.say(token, "hi", expect="Shall we go on?")
    owner.say(token, "yes")
    owner.say(token, "I have polycythaemia vera and I'm 63", expect="Noted")
    # the stored conversation's id is not the token: knowing it gives nothing
    tracker_ids = requests.get(rasa_url.split("/webhooks/")[0] + "/conversations", timeout=10)
    assert tracker_ids.status_code in (401, 403, 404)  # Rasa's HTTP API is off (see README)
    intruder = Socket(rasa_url)
    intruder.emit("user_uttered", {"message": "forget me", "session_id": token})  # without asking for the session
    own = intruder.session()
    assert own != token
    # the owner comes back on a new connection: the conversation, with its facts, is still there
    owner.close()
    again = Socket(rasa_url)
    assert again.session(token) == token
    again.say(token, "show results", expect="2025-523921-17-00")  # the facts are still there: nothing was forgotten
    assert not [e for e in intruder.events if e[0] == "bot_uttered"]  # and the intruder heard nothing
    intruder.close()
    again.close()
