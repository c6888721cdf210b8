"""The dialogue policy: after a person's message, the one custom action (`action_turn`); after it, listen.

The dialogue is decided in the action server (actions/turn.py), and data/rules.yml states the one rule. Rasa's
RulePolicy enforced that rule by turning the whole conversation into dialogue states at every message, a tenth of
Rasa's work per message by the end of a conversation; this policy looks at the last action only. It follows rule
data (Rasa then trains a dialogue model and checks the rule file), and learns nothing from it.
"""

from __future__ import annotations

from typing import Any

from rasa.core.constants import POLICY_PRIORITY, RULE_POLICY_PRIORITY
from rasa.core.policies.policy import Policy, PolicyPrediction, SupportedData
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

TURN = "action_turn"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class TurnPolicy(Policy):
    """action_turn after a message, action_listen after anything else."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {POLICY_PRIORITY: RULE_POLICY_PRIORITY}  # the one policy: its priority decides nothing

    @staticmethod
    def supported_data() -> SupportedData:
        return SupportedData.RULE_DATA

    def train(self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        return self._resource

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: dict[str, Any] | None = None,
                                     **kwargs: Any) -> PolicyPrediction:
        after_message = tracker.latest_action_name == ACTION_LISTEN_NAME
        probabilities = self._default_predictions(domain)
        probabilities[domain.index_for_action(TURN if after_message else ACTION_LISTEN_NAME)] = 1.0
        return self._prediction(probabilities)
