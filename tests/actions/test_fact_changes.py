"""Every kind of fact through the one place where a message changes the profile (actions.reading.apply):
answered, restated, corrected, denied, "I don't know" and "skip". What was known is never lost."""

from __future__ import annotations

from typing import Any

import pytest

from actions.reading import ANSWERS, apply, read
from actions.state import State


def asked(fact: str) -> State:
    return State(form_active=True, requested="matching_done", asking={"fact": fact}, consent=True)


def say(state: State, text: str, intent: str = "inform") -> dict[str, Any]:
    state.text, state.intent = text, intent
    turn = apply(state, read(state), intent in ANSWERS, lambda profile: [state.asking["fact"]])
    return turn


def value(state: State, fact: str) -> Any:
    return state.profile.to_dict().get(fact)


def drugs(state: State) -> dict[str, dict[str, Any]]:
    return {u["drug"]: u for u in (value(state, "medications") or {}).get("taken", [])}


# fact, first answer, restatement, correction, (value after the answer, value after the correction)
CASES = [
    ("age", "62", "I'm 62", "sorry, 65 not 62", 62, 65),
    ("platelets", "420", "platelets are 420", "no, 380", 420, 380),
    ("phoenix", "3", "Phoenix score 3", "actually 4", 3, 4),
    ("eln_response", "partly", "a partial response", "sorry, not at all", "partial", "none"),
    ("sex", "female", "I'm a woman", "sorry, male", "female", "male"),
]


@pytest.mark.parametrize(("fact", "answer", "restated", "corrected", "first", "second"), CASES,
                         ids=[c[0] for c in CASES])
def test_answer_restate_correct_then_dont_know_and_skip_keep_the_value(fact, answer, restated, corrected, first,
                                                                       second):
    state = asked(fact)
    say(state, answer)
    assert value(state, fact) == first
    turn = say(state, restated)
    assert value(state, fact) == first and turn["outcome"] != "miss"
    say(state, corrected)
    assert value(state, fact) == second
    say(state, "I don't know", "dont_know")
    assert value(state, fact) == second
    say(state, "skip", "dont_know")
    assert value(state, fact) == second and fact in state.skipped


def test_yes_no_facts_answered_restated_corrected_and_denied():
    state = asked("pregnant")
    say(state, "no", "deny")
    assert value(state, "pregnant") is False
    say(state, "no, I'm not pregnant", "deny")
    assert value(state, "pregnant") is False
    say(state, "sorry, yes I am pregnant", "affirm")
    assert value(state, "pregnant") is True
    say(state, "I don't know", "dont_know")
    assert value(state, "pregnant") is True


def test_diagnoses_restated_corrected_and_denied():
    state = asked("diagnoses")
    say(state, "polycythaemia vera")
    say(state, "I have PV")
    assert value(state, "diagnoses")["has"] == ["pv"]
    say(state, "sorry, it's essential thrombocythemia, not PV")
    diagnoses = value(state, "diagnoses")
    assert "et" in diagnoses["has"] and "pv" in diagnoses["not"]
    say(state, "I don't know", "dont_know")
    assert "et" in value(state, "diagnoses")["has"]


def test_medicines_restated_closed_and_denied_without_losing_the_duration():
    state = asked("medications")
    say(state, "hydroxyurea for 12 months")
    say(state, "only hydroxyurea")
    use = drugs(state)["hydroxyurea"]
    assert round(use["started_days_ago"]) == 365 and use["current"] is True
    say(state, "no, not ruxolitinib", "deny")
    assert "ruxolitinib" in value(state, "medications")["not"]
    assert round(drugs(state)["hydroxyurea"]["started_days_ago"]) == 365
    say(state, "I stopped hydroxyurea last week")
    use = drugs(state)["hydroxyurea"]
    assert use["current"] is False and use["stopped_days_ago"] == 7 and round(use["started_days_ago"]) == 365
    say(state, "skip", "dont_know")
    assert "hydroxyurea" in drugs(state)


def test_allergies_answered_then_none_is_not_a_loss():
    state = asked("allergies")
    say(state, "allergic to anakinra")
    assert value(state, "allergies")["has"]
    say(state, "I don't know", "dont_know")
    assert value(state, "allergies")["has"]
