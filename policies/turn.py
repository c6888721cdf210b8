"""The dialogue policy: after a person's message, the action data/rules.yml names for its intent; after that, listen.

The dialogue is decided in the action server (actions/turn.py), and data/rules.yml sends every message to it.
Rasa's RulePolicy enforced that by turning the whole conversation into dialogue states at every message, a tenth
of Rasa's work per message by the end of a conversation; this policy looks at the last action and the last intent
only. It reads the rules when Rasa trains (intent → action, kept in the model), so the rule file stays what the
server does. It reads rules of one message and one action only, and refuses any other shape at training rather than
follow part of it. An intent no rule names (a typed "/restart") is answered as an unrecognised message would be:
with the action the rules give `nlu_fallback`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rasa.core.constants import POLICY_PRIORITY, RULE_POLICY_PRIORITY
from rasa.core.policies.policy import Policy, PolicyPrediction, SupportedData
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.core.constants import ACTION_LISTEN_NAME, RULE_SNIPPET_ACTION_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

ANSWERS_FILE = "answers.json"


class UnsupportedRule(ValueError):
    """A rule this policy cannot follow whole: training stops with what to change."""


def answers_from(trackers: list[TrackerWithCachedStates]) -> dict[str, str]:
    """intent → the action a rule runs after a message of that intent."""
    answers: dict[str, str] = {}
    for tracker in trackers:
        heard: str | None = None
        for event in tracker.events:
            if isinstance(event, UserUttered):
                heard = event.intent_name
            elif isinstance(event, ActionExecuted):
                if event.action_name in (ACTION_LISTEN_NAME, RULE_SNIPPET_ACTION_NAME):
                    continue
                if heard is None:
                    raise UnsupportedRule(f"rule {tracker.sender_id!r}: the action {event.action_name!r} does not "
                                          "follow a message; TurnPolicy reads rules of one message and one action")
                if answers.setdefault(heard, event.action_name) != event.action_name:
                    raise UnsupportedRule(f"the intent {heard!r} leads to both {answers[heard]!r} and "
                                          f"{event.action_name!r}")
                heard = None
            else:
                raise UnsupportedRule(f"rule {tracker.sender_id!r} holds a {type(event).__name__} event (a "
                                      "condition, slot or loop); TurnPolicy reads rules of one message and one action")
    return answers


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class TurnPolicy(Policy):
    """The rules' action after a message, action_listen after anything else."""

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 execution_context: ExecutionContext, answers: dict[str, str] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(config, model_storage, resource, execution_context, **kwargs)
        self.answers = answers or {}

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {POLICY_PRIORITY: RULE_POLICY_PRIORITY}  # the one policy: its priority decides nothing

    @staticmethod
    def supported_data() -> SupportedData:
        return SupportedData.RULE_DATA

    def train(self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        self.answers = answers_from([t for t in training_trackers if t.is_rule_tracker])
        if DEFAULT_NLU_FALLBACK_INTENT_NAME not in self.answers:
            raise UnsupportedRule(f"no rule answers {DEFAULT_NLU_FALLBACK_INTENT_NAME!r}: an unrecognised message "
                                  "would get no reply")
        with self._model_storage.write_to(self._resource) as folder:
            (Path(folder) / ANSWERS_FILE).write_text(json.dumps(self.answers, sort_keys=True), encoding="utf-8")
        return self._resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> TurnPolicy:
        with model_storage.read_from(resource) as folder:
            answers = json.loads((Path(folder) / ANSWERS_FILE).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, execution_context, answers=answers)

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: dict[str, Any] | None = None,
                                     **kwargs: Any) -> PolicyPrediction:
        action = ACTION_LISTEN_NAME
        if tracker.latest_action_name == ACTION_LISTEN_NAME:
            intent = (tracker.latest_message.intent if tracker.latest_message else {}).get("name")
            action = self.answers.get(intent) or self.answers[DEFAULT_NLU_FALLBACK_INTENT_NAME]
        probabilities = self._default_predictions(domain)
        probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities)
