"""The dialogue policy follows data/rules.yml: it reads the rules when Rasa trains, refuses rules it cannot follow
whole, and answers an intent no rule names as an unrecognised message.

Run in Rasa's environment (policies/turn.py is a Rasa policy), so it is in the e2e suite."""

from __future__ import annotations

import pytest

from tests.e2e.test_rest_conversation import in_rasa

pytestmark = pytest.mark.e2e

CHECKS = r'''
import json, tempfile
from pathlib import Path
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.generator import TrainingDataGenerator
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.core.training_data.structures import StoryGraph
from policies.turn import TurnPolicy, UnsupportedRule

domain = Domain.load("domain.yml")
seen = {}


def trackers(text):
    steps = YAMLStoryReader(domain).read_from_string(text)
    return TrainingDataGenerator(StoryGraph(steps), domain, augmentation_factor=0).generate()


def trained(text):
    storage = LocalModelStorage(Path(tempfile.mkdtemp()))
    resource, context = Resource("turn"), ExecutionContext(GraphSchema({}), "test")
    policy = TurnPolicy.create(TurnPolicy.get_default_config(), storage, resource, context)
    policy.train(trackers(text), domain)
    return TurnPolicy.load(TurnPolicy.get_default_config(), storage, resource, context)


def refusal(text):
    try:
        trained(text)
    except UnsupportedRule as error:
        return str(error)
    return None


def predicted(policy, *events):
    tracker = DialogueStateTracker.from_events("someone", [ActionExecuted("action_listen"), *events], domain.slots)
    probabilities = policy.predict_action_probabilities(tracker, domain).probabilities
    return domain.action_names_or_texts[probabilities.index(max(probabilities))]


RULES = "version: '3.1'\nrules:\n"
ours = trained(Path("data/rules.yml").read_text())
own_intents = [i for i in domain.intents if i not in ("restart", "back", "session_start")]
seen["every intent of the domain has the rule's action"] = all(ours.answers.get(i) == "action_turn"
                                                                 for i in own_intents)
seen["a message: the action"] = predicted(ours, UserUttered("hi", {"name": "greet"})) == "action_turn"
seen["after the action: listen"] = predicted(ours, UserUttered("hi", {"name": "greet"}),
                                             ActionExecuted("action_turn")) == "action_listen"
seen["an intent no rule names: as an unrecognised message"] = predicted(
    ours, UserUttered("/restart", {"name": "restart"})) == "action_turn"
other = trained(RULES + "  - rule: g\n    steps:\n      - intent: greet\n      - action: action_default_fallback\n"
                "  - rule: f\n    steps:\n      - intent: nlu_fallback\n      - action: action_turn\n")
seen["an edited rule changes what is predicted"] = predicted(
    other, UserUttered("hi", {"name": "greet"})) == "action_default_fallback"
seen["a condition is refused"] = "SlotSet" in (refusal(
    RULES + "  - rule: c\n    condition:\n      - slot_was_set:\n          - consent: true\n"
    "    steps:\n      - intent: greet\n      - action: action_turn\n") or "")
seen["two answers to one intent are refused"] = "both" in (refusal(
    RULES + "  - rule: a\n    steps:\n      - intent: greet\n      - action: action_turn\n"
    "  - rule: b\n    steps:\n      - intent: greet\n      - action: action_default_fallback\n") or "")
seen["no answer to an unrecognised message is refused"] = "nlu_fallback" in (refusal(
    RULES + "  - rule: a\n    steps:\n      - intent: greet\n      - action: action_turn\n") or "")
print(json.dumps(seen))
'''


def test_the_policy_follows_the_rule_file_and_refuses_what_it_cannot_follow():
    seen = in_rasa(CHECKS)
    assert seen == {check: True for check in seen} and len(seen) == 8, seen
