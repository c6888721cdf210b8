"""Every fact has a type, a unit where it needs one, a range and a plain question; bad values never land."""

import pytest

from bot.facts import FACTS, ValueRefused, format_value
from bot.profile import Profile, profile_from_mapping

REQUIRED = {"age", "sex", "weight", "country", "diagnoses", "hct", "icu", "infection", "recurrent_infections",
            "platelets", "neutrophils", "haemoglobin", "haematocrit", "wbc", "ferritin", "alt", "bilirubin", "pt",
            "inr", "phoenix", "vas_pruritus", "vas_fever", "vas_night_sweats", "vas_fatigue", "eln_response",
            "medications", "pregnant", "breastfeeding", "contraception", "dnr", "allergies", "legal_protection",
            "other_trial", "organ_failure", "hepatic_encephalopathy", "other_trial_drug", "vitamin_k_corrects",
            "treated_for_hyperinflammation"}


def test_vocabulary_holds_every_fact_the_issue_lists():
    assert REQUIRED <= set(FACTS)


@pytest.mark.parametrize("key", sorted(FACTS))
def test_each_fact_has_a_question_and_numbers_have_a_range(key):
    fact = FACTS[key]
    assert fact.question.endswith("?")
    if fact.type in ("quantity", "score"):
        assert fact.low is not None and fact.high is not None
    if fact.type == "quantity":
        assert fact.unit


@pytest.mark.parametrize(("key", "value"), [("age", "300 years"), ("weight", "-5 kg"), ("platelets", "-1 G/L"),
                                            ("vas_fatigue", 11), ("phoenix", 14), ("inr", 50), ("age", -1)])
def test_impossible_values_are_refused_and_nothing_collected_is_lost(key, value):
    profile = profile_from_mapping({"age": "67 years", "platelets": "250 G/L"})
    before = profile.to_dict()
    with pytest.raises(ValueRefused) as refused:
        profile.set(key, value)
    assert "For example" in refused.value.message
    assert profile.to_dict() == before


def test_enum_and_bool_values_are_checked():
    profile = Profile()
    with pytest.raises(ValueRefused):
        profile.set("sex", "unknown-value")
    with pytest.raises(ValueRefused):
        profile.set("pregnant", "perhaps")
    profile.set("sex", "Female")
    assert profile.get("sex") == "female"


def test_infant_ages_are_shown_in_months():
    assert format_value(FACTS["age"], 8 / 12) == "8 months"
    assert format_value(FACTS["age"], 67.0) == "67 years"


def test_profile_round_trips_through_its_dict_form():
    profile = profile_from_mapping({"age": "6 years", "diagnoses": {"has": ["all"], "not": ["aml"]},
                                    "medications": {"taken": [{"drug": "infliximab", "before_icu": "3 days"}],
                                                    "not": ["anakinra"], "complete": True},
                                    "allergies": {"none": True}})
    data = profile.to_dict()
    assert profile_from_mapping(data).to_dict() == data


def test_update_keeps_old_facts_and_reports_changes():
    profile = profile_from_mapping({"age": "67 years", "platelets": "85 G/L"})
    changed = profile.update(profile_from_mapping({"age": "68 years"}))
    assert changed == ["age"]
    assert profile.get("age") == 68 and profile.get("platelets") == 85


def test_unknown_fact_in_a_profile_file_is_refused():
    with pytest.raises(ValueRefused, match="unknown fact"):
        profile_from_mapping({"shoe_size": 42})
