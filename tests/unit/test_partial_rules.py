"""A rule that covers part of its line decides only in the direction the line allows (DESIGN: partial rules)."""

import pytest

from bot.catalog.trial import TrialFileError, parse_trial
from bot.matching import evaluate_criterion, evaluate_trial
from bot.profile import profile_from_mapping

INR_HIGH = {"fact": "inr", "op": ">", "value": 2}


def trial(kind, partial, also_check="the rest of the line"):
    criterion = {"id": f"{kind[:2]}1", "text": "A line with more than its rule.", "label": "the line",
                 "rule": INR_HIGH}
    if partial:
        criterion.update(partial=partial, also_check=also_check)
    other = "exclusion" if kind == "inclusion" else "inclusion"
    data = {"id": "NCT99999999", "register_ids": [{"register": "ClinicalTrials.gov", "id": "NCT99999999"}],
            "title": "A test trial", "summary": "A trial made up for the partial-rule tests.", "phase": "II",
            "recruitment": [{"country": "France", "status": "recruiting"}], "sites": [],
            "criteria": {kind: [criterion], other: []}}
    return parse_trial(data)


def status(kind, partial, inr):
    result = evaluate_criterion(trial(kind, partial).criteria[0], profile_from_mapping({"inr": inr}))
    return result.status


@pytest.mark.parametrize(("kind", "partial", "inr", "expected"), [
    # a whole rule decides both ways
    ("exclusion", None, 2.5, "failed"), ("exclusion", None, 1.0, "met"),
    ("inclusion", None, 2.5, "met"), ("inclusion", None, 1.0, "failed"),
    # necessary: the line adds a qualifier; the rule met leaves the line open
    ("exclusion", "necessary", 2.5, "unknown"), ("exclusion", "necessary", 1.0, "met"),
    ("inclusion", "necessary", 2.5, "met"), ("inclusion", "necessary", 1.0, "failed"),
    # sufficient: the rule is one case of the line; the rule not met leaves the line open
    ("exclusion", "sufficient", 2.5, "failed"), ("exclusion", "sufficient", 1.0, "met"),
    ("inclusion", "sufficient", 2.5, "met"), ("inclusion", "sufficient", 1.0, "unknown"),
])
def test_partial_rules_decide_only_where_the_line_allows(kind, partial, inr, expected):
    assert status(kind, partial, inr) == expected


def test_a_partial_exclusion_met_is_may_exclude_with_what_to_check_never_does_not_fit():
    result = evaluate_trial(trial("exclusion", "necessary", "whether it improves after vitamin K"),
                            profile_from_mapping({"inr": 2.5}))
    assert result.verdict == "possible"
    assert result.missing == []
    line = result.criteria[0]
    assert line.open_against and line.to_check == "whether it improves after vitamin K"
    assert result.study_team_checks[0].startswith("May exclude: the line")
    assert "vitamin K" in result.study_team_checks[0]
    assert result.to_dict()["criteria"][0]["open_against"] is True


def test_also_check_on_a_rule_must_say_how_the_rule_covers_its_line():
    data = trial("exclusion", None).data
    data["criteria"]["exclusion"][0]["also_check"] = "something"
    with pytest.raises(TrialFileError, match="partial: necessary"):
        parse_trial(data)
    data["criteria"]["exclusion"][0].pop("also_check")
    data["criteria"]["exclusion"][0]["partial"] = "necessary"
    with pytest.raises(TrialFileError, match="needs also_check"):
        parse_trial(data)


def test_notes_are_shown_with_the_study_team_checks():
    data = trial("inclusion", None).data
    data["criteria"]["inclusion"][0]["note"] = "read as the value at admission"
    result = evaluate_trial(parse_trial(data), profile_from_mapping({"inr": 2.5}))
    assert any("read as the value at admission" in c for c in result.study_team_checks)
    assert result.to_dict()["criteria"][0]["note"] == "read as the value at admission"
