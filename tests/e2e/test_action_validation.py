"""channels/action_validation.py checks an action server's reply event by event: the same verdict as Rasa's own
check against its whole schema, for good replies and for every way a reply can be wrong. Runs in the Rasa
environment (the check patches Rasa), so it is in the e2e suite."""

from __future__ import annotations

import json

import pytest

from tests.e2e.test_rest_conversation import in_rasa

pytestmark = pytest.mark.e2e

REPLIES = [
    {"events": [{"event": "slot", "name": "profile", "value": {"age": 58, "diagnoses": ["pv"]}},
                {"event": "followup", "name": "action_listen"}],
     "responses": [{"text": "How old are you?", "buttons": [{"title": "Skip", "payload": "/dont_know"}]}]},
    {"events": [{"event": "bot", "text": "x", "data": {"custom": {"results": [1]}}}], "responses": [{"custom": {}}]},
    {"events": [{"event": "active_loop", "name": None}, {"event": "reset_slots"}]},
    {"responses": [{"custom": {"type": "conversation_forgotten"}}]},
    {"events": []},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"event": 5}]},
    {"events": [{}]},
    {"events": ["slot"]},
    {"events": None},
    {"events": {"event": "slot"}},
    {"events": [{"event": "slot", "name": 5, "value": 1}]},
    {"events": [{"event": "slot", "timestamp": "soon", "name": "age", "value": 1}]},
    {"events": [{"event": "user", "text": 5}]},
    {"events": [{"event": "user", "text": "hi", "parse_data": {"intent": {"name": 3}}}]},
    {"events": [{"event": "reset_slots", "metadata": "not an object"}]},
    {"events": [{"event": "action", "name": "x"}], "responses": ["not an object"]},
    [],
    "not a reply",
]

CHECK = """
import json, sys
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction
from channels.action_validation import check_reply

schema = RemoteAction.action_response_format_spec()
verdicts = []
for reply in json.load(sys.stdin):
    pair = []
    for check in (lambda r: validate(r, schema), check_reply):
        try:
            check(reply)
            pair.append(True)
        except ValidationError:
            pair.append(False)
    verdicts.append(pair)
print(json.dumps(verdicts))
"""


def test_each_event_checked_against_its_kind_gives_rasas_verdict():
    verdicts = in_rasa(CHECK, json.dumps(REPLIES))
    assert [rasas for rasas, _ in verdicts] == [True] * 5 + [False] * (len(REPLIES) - 5)
    assert [ours for _, ours in verdicts] == [rasas for rasas, _ in verdicts]
