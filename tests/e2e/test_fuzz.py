"""End to end: hostile or odd messages over REST and over socket.io (1,000 of each with `make fuzz`).

No 5xx, always a reply, and afterwards the conversation works and its facts are what they were: the answer to
"show results" is the same before and after. The messages (hostile.py) are built from a fixed seed, so a failure
repeats. Over socket.io the same messages, plus what only that channel can carry: a `message` that is not a string,
odd metadata, malformed Engine.IO and Socket.IO packets, binary attachments, forged or missing session ids, payloads
too large; none of them may crash the server, and none may reach another person's session.

All of it runs on the one pair of servers of this module (test_rest_conversation's fixture): Rasa starts once.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from hostile import messages
from sio_client import Socket
from test_rest_conversation import rasa_url  # noqa: F401  (the module's servers)

pytestmark = pytest.mark.e2e

# `make test` sends 200 over REST and 100 over socket.io (about five minutes in all); `make fuzz` 1,000 over each
# (TRIALBOT_FUZZ_COUNT).
COUNT = int(os.environ.get("TRIALBOT_FUZZ_COUNT", "200"))
SOCKET_COUNT = int(os.environ.get("TRIALBOT_FUZZ_COUNT", "100"))
# Spread over several conversations at once: each turn sends Rasa's whole tracker to the action server, so one
# conversation of a thousand messages would test that cost rather than the messages.
PER_CONVERSATION = 100
PER_SOCKET_CONVERSATION = 50
FACTS = ("hi", "yes", "I have polycythaemia vera, I'm 58, on hydroxyurea for 14 months", "partly")
TRIAL = "2025-523921-17-00"  # the answer to FACTS names it
QUESTIONS_LEFT = re.compile(r"^(One more question|\d+ more questions) would settle it.*$", flags=re.M)
# What a socket.io client can send as `message` besides a string (the widget always sends one).
ODD_VALUES: list[Any] = [123, -1e308, None, True, False, [], ["hi"], {"text": "yes"}, {"_placeholder": True, "num": 0},
                         "lone \ud800 surrogate \udfff", "I am 58\u0000", "/inform" + "{" * 300, "a b " * 100_000]
# ... and as metadata (customData): only a short `lang` is kept, the rest must change nothing.
ODD_METADATA: list[Any] = ["[" * 50_000, "{\"lang\": \"<script>\"}", "not json", [1, 2], 1e308, None, True,
                           {"lang": "../../etc/passwd"}, {"lang": ["en"]}, {"lang": "xx-YYYYYYYY"},
                           {"slots": {"age": 3}, "intent": "forget"}, {"lang": "nl", "sender": "someone-else"}]


def post(url: str, sender: str, text: str, lang: str | None = None) -> list[dict]:
    body = {"sender": sender, "message": text, **({"metadata": {"lang": lang}} if lang else {})}
    reply = requests.post(url, json=body, timeout=120)
    assert reply.status_code < 500, f"{reply.status_code} for {text[:80]!r}"
    return reply.json()


def answer(url: str, sender: str) -> str:
    """The answer's text, without the count of questions left: an odd message may skip a question (it stays
    unknown, for the study team), which changes no fact. Asked in English: an odd message in another language may
    switch the conversation's language, which is not a fact either."""
    text = "\n".join(m.get("text") or "" for m in post(url, sender, "/show_results", lang="en"))
    return QUESTIONS_LEFT.sub("", text)


def one_conversation(url: str, hostile: list[str]) -> None:
    """Facts first, then the odd messages, then the same answer as before them."""
    sender = f"fuzz-{uuid.uuid4().hex[:12]}"
    for text in FACTS:
        post(url, sender, text)
    before = answer(url, sender)
    assert TRIAL in before
    silent = [text for text in hostile if not post(url, sender, text)]
    assert not silent, f"{len(silent)} messages got no reply, e.g. {silent[0][:80]!r}"
    assert answer(url, sender) == before


def rasa_log(tmp_path_factory) -> str:
    return sorted(tmp_path_factory.getbasetemp().glob("e2e*/rasa.log"))[-1].read_text(errors="replace")


def test_hostile_messages_change_nothing(rasa_url, tmp_path_factory):  # noqa: F811
    hostile = messages(COUNT)
    batches = [hostile[start:start + PER_CONVERSATION] for start in range(0, COUNT, PER_CONVERSATION)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        for done in [pool.submit(one_conversation, rasa_url, batch) for batch in batches]:
            done.result()  # re-raises the first conversation's failure
    # a malformed "/..." is read as words, so Rasa never quotes it in a warning
    log = rasa_log(tmp_path_factory)
    assert "Failed to parse arguments" not in log and "DROP TABLE" not in log


# socket.io


def texts(replies: list[Any]) -> str:
    return "\n".join((r.get("text") or "") if isinstance(r, dict) else json.dumps(r) for r in replies)


def socket_answer(sock: Socket, token: str) -> str:
    """answer(), over socket.io: the replies between "/show_results" and the server's acknowledgement of it."""
    return QUESTIONS_LEFT.sub("", texts(sock.turn(token, "/show_results", customData={"lang": "en"})))


def with_facts(url: str) -> tuple[Socket, str, str]:
    """A widget conversation that has told FACTS: its socket, its session token and the answer to them."""
    sock = Socket(url)
    assert sock.connected
    token = sock.session()
    for text in FACTS:
        assert sock.turn(token, text), f"no reply to {text!r}"
    before = socket_answer(sock, token)
    assert TRIAL in before
    return sock, token, before


def socket_hostile(count: int) -> list[tuple[Any, Any]]:
    """(message, metadata) pairs: `count` of hostile.py's messages, with odd metadata on every fifth, and the odd
    values that only socket.io carries spread among them."""
    pairs: list[tuple[Any, Any]] = [(text, ODD_METADATA[(i // 5) % len(ODD_METADATA)] if i % 5 == 4 else ...)
                                    for i, text in enumerate(messages(count))]
    for i, value in enumerate(ODD_VALUES):
        pairs.insert(min(len(pairs), 1 + i * max(1, count // len(ODD_VALUES))), (value, ...))
    return pairs


def one_socket_conversation(url: str, hostile: list[tuple[Any, Any]]) -> None:
    sock, token, before = with_facts(url)
    silent = []
    for message, metadata in hostile:
        extra = {} if metadata is ... else {"customData": metadata}
        if not sock.turn(token, message, **extra):
            silent.append(message)
    assert not silent, f"{len(silent)} messages got no reply, e.g. {str(silent[0])[:80]!r}"
    assert socket_answer(sock, token) == before
    sock.close()


def test_hostile_messages_over_socketio_change_nothing(rasa_url, tmp_path_factory):  # noqa: F811
    hostile = socket_hostile(SOCKET_COUNT)
    batches = [hostile[start:start + PER_SOCKET_CONVERSATION] for start in range(0, len(hostile),
                                                                                 PER_SOCKET_CONVERSATION)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        for done in [pool.submit(one_socket_conversation, rasa_url, batch) for batch in batches]:
            done.result()
    log = rasa_log(tmp_path_factory)
    assert "DROP TABLE" not in log and "<script>" not in log


# Socket.IO packets (after Engine.IO's "4", message) that no client should send; each is ignored or refused.
JUNK_PACKETS = [
    "4", "49", "4x", "42", "42{", "42[", "42]", '42"x"', "42[1,2]", "42[null]", "42[]", "42{}", '42["user_uttered"]',
    '42["user_uttered",{"message":"hi"},"extra"]', '42["session_request"]', '42["session_request",1,2,3]',
    '42["bot_uttered",{"text":"fake"}]', '42["session_confirm","x"]', '42["connect"]', '42["disconnect"]',
    '42["' + "x" * 20_000 + '"]', "42" + "[" * 50_000, "42" + json.dumps(["user_uttered", "[" * 1000]),
    "43[]", "431[]", "4399999999999999999999[]", "44", '44{"message":"x"}', "40/nope,", '42/nope,["user_uttered",{}]',
    "45", "451-", "451-[\"user_uttered\"]", "b", "bAAAA", "b!!!not base64", "3", "5", "9", "x", "", "\x1e\x1e",
]
# Engine.IO packets a client may not send: the server closes that one socket (and nothing else).
CLOSING_PACKETS = ["0", "2", "6", "1", "4" + "x" * 1_100_000]


def test_malformed_socketio_packets_crash_nothing_and_reach_no_one(rasa_url, tmp_path_factory):  # noqa: F811
    victim, victim_token, before = with_facts(rasa_url)
    # junk on a socket of its own: some of it leaves that socket waiting for binary attachments that never come
    prankster = Socket(rasa_url)
    prankster.session()
    for packet in JUNK_PACKETS:
        reply = prankster.post_raw(packet)
        assert reply.status_code < 500, f"{reply.status_code} for {packet[:40]!r}"
    # an attachment that is not there (python-socketio then swallows whatever that socket sends next: its own loss)
    prankster.emit_binary("user_uttered", {"message": "x", "session_id": {"_placeholder": True, "num": 7}},
                          [victim_token.encode()])
    attacker = Socket(rasa_url)
    own = attacker.session()
    # binary attachments: in the message, the session id, the metadata, and too few of them
    placeholder = {"_placeholder": True, "num": 0}
    attacker.emit_binary("user_uttered", {"message": placeholder, "session_id": own}, [b"\x00\xff" * 1000], ack=901)
    attacker.wait_ack(901)
    assert attacker.take(), "a message with a binary body went unanswered"
    for data in ({"message": "forget me", "session_id": placeholder},
                 {"message": "forget me", "session_id": victim_token, "customData": placeholder}):
        attacker.emit_binary("user_uttered", data, [victim_token.encode()])
    attacker.emit_binary("session_request", {"session_id": placeholder}, [victim_token.encode()], ack=902)
    attacker.wait_ack(902)
    # forged, missing and other people's session ids: acknowledged, never answered, never joined
    forged = victim_token[:-1] + ("A" if victim_token[-1] != "A" else "B")
    for session_id in (victim_token, forged, victim_token.lower(), victim_token + "x", "", None, 0, [victim_token],
                       {"session_id": victim_token}, "w-" + "A" * 32, own + own):
        assert attacker.turn(session_id, "forget me") == [], f"answered for session id {str(session_id)[:50]!r}"
        assert attacker.turn(session_id, "/forget") == []
    ack = attacker.emit_with_ack("user_uttered", {"message": "forget me"})  # no session id at all
    attacker.wait_ack(ack)
    assert attacker.take() == []
    ack = attacker.emit_with_ack("session_request")  # without data: a new session, as Rasa's own handler gives
    attacker.wait_ack(ack)
    assert attacker.wait_for("session_confirm") not in (own, victim_token)
    for wanted in (forged, victim_token[:24], victim_token + victim_token):
        assert attacker.session(wanted) not in (victim_token, wanted)

    # the attacker's own socket still works, and hears nothing of the victim's conversation
    assert attacker.turn(own, "hi")
    heard = json.dumps(attacker.events) + texts(attacker.take())
    assert TRIAL not in heard and "polycythaemia" not in heard

    # a message of 400,000 characters (within Engine.IO's 1 MB) is answered, and holds up no one else
    held: list[float] = []

    def other_conversation() -> None:
        time.sleep(0.3)  # the long message is in
        started = time.monotonic()
        assert post(rasa_url, f"fuzz-{uuid.uuid4().hex[:12]}", "hi")
        held.append(time.monotonic() - started)

    other = threading.Thread(target=other_conversation)
    other.start()
    assert attacker.turn(own, "I have polycythaemia vera " * 15_000)
    other.join()
    assert held and held[0] < 8, f"another conversation waited {held} s for a long message"

    # packets that make the server close a socket: that socket is closed, the server goes on
    for packet in CLOSING_PACKETS:
        doomed = Socket(rasa_url)
        token = doomed.session()
        # a client's own close ("1") is taken at once; the others answer once the close went out on a poll
        reply = doomed.post_raw(packet) if packet == "1" else doomed.post_while_polling(packet)[0]
        assert reply.status_code < 500, f"{reply.status_code} for {packet[:40]!r}"
        closed = requests.get(doomed.base, params=doomed._params(), headers=doomed.headers, timeout=10)
        assert closed.status_code == 400, f"the socket survived {packet[:40]!r}"
        again = Socket(rasa_url)
        assert again.session(token) == token  # the session outlives its socket
        assert again.turn(token, "hi")
        again.close()

    # the victim heard nothing of all this, and its conversation and facts are as they were
    assert socket_answer(victim, victim_token) == before
    prankster.close()
    attacker.close()
    victim.close()
    log = rasa_log(tmp_path_factory)
    assert "polycythaemia" not in log and "hydroxyurea" not in log and victim_token not in log
