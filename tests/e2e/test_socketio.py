"""The widget's channel (socket.io) against someone who is not the person: another website, a guessed or chosen
session id, an id seen in the tracker store, a message written into someone else's session.

A small Engine.IO v4 polling client over `requests` (sio_client.py) plays each side, so the test needs nothing
beyond the actions environment. The servers are those of test_rest_conversation (the trained model, both channels of
credentials.yml).
Run: PYTHONPATH=. <actions env>/bin/python -m pytest tests/e2e/test_socketio.py -q -m e2e
"""

from __future__ import annotations

import pytest
import requests
from sio_client import Socket
from test_rest_conversation import rasa_url  # noqa: F401  (the servers fixture)

pytestmark = pytest.mark.e2e


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
