"""Verdicts, reasons with numbers, ranking, closed trials, country preference and the next question."""

from dataclasses import replace

from bot.catalog.trial import Recruitment
from bot.matching import match, relevance, topic_weight
from bot.profile import Profile, profile_from_mapping

MPN = "2025-523921-17-00"
PAED = "2025-524541-27-00"


def by_id(report):
    return {r.trial.id: r for r in report.results}


def test_exclusion_gives_the_reason_with_numbers(trials):
    report = match(profile_from_mapping({"age": "67 years", "diagnoses": ["et"], "platelets": "85 G/L"}), trials)
    mpn = by_id(report)[MPN]
    assert mpn.verdict == "ineligible"
    assert mpn.reasons[0] == "Excluded: low platelet count — platelet count 85 G/L, below 100 G/L"


def test_possible_lists_what_is_missing_and_what_the_team_checks(trials):
    report = match(profile_from_mapping({"age": "67 years", "diagnoses": ["et"]}), trials)
    mpn = by_id(report)[MPN]
    assert mpn.verdict == "possible"
    assert {"platelets", "neutrophils", "medications"} <= set(mpn.missing)
    assert any("questionnaires" in check for check in mpn.study_team_checks)
    assert any("WHO" in check for check in mpn.study_team_checks)


def test_ranking_may_fit_by_relevance_then_fewest_missing_then_does_not_fit(trials):
    profile = profile_from_mapping({"age": "6 years", "diagnoses": ["all"], "icu": True})
    report = match(profile, trials)
    order = [r.verdict == "ineligible" for r in report.results]
    assert order == sorted(order)
    keys = [(-relevance(r, {"all"}), len(r.missing)) for r in report.fitting]
    assert keys == sorted(keys)


def test_the_trial_built_for_the_disease_outranks_one_that_only_checks_age(trials):
    """The case seen by a new user: the anakinra sepsis trial first, not a brain-tumour radiation trial."""
    text = {"age": "6 years", "diagnoses": ["all", "sepsis"], "hct": True, "icu": True, "phoenix": 3,
            "ferritin": "4500 ug/L"}
    report = match(profile_from_mapping(text), trials)
    assert report.fitting[0].trial.id == PAED
    assert report.order_note.startswith("Trials that may fit come first")


def test_relevance_weighs_disease_and_labs_above_age(seeds):
    paed = next(t for t in seeds if t.id == PAED)
    young = match(profile_from_mapping({"age": "6 years"}), [paed]).results[0]
    specific = match(profile_from_mapping({"age": "6 years", "diagnoses": ["sepsis"], "ferritin": "4500 ug/L"}),
                     [paed]).results[0]
    assert relevance(specific, {"sepsis"}) > relevance(young, set()) + 4


def test_closed_trials_are_left_out_unless_asked(trials):
    closed = [replace(t, recruitment=(Recruitment("France", "completed", "2019-01"),)) if t.id == MPN else t
              for t in trials]
    report = match(Profile(), closed)
    assert MPN not in by_id(report) and report.closed_left_out >= 1
    assert MPN in by_id(match(Profile(), closed, include_closed=True))


def test_a_trial_about_the_disease_itself_outranks_one_about_a_wider_group():
    assert topic_weight(["all"], {"all"}) == topic_weight(["all"], {"leukaemia"}) == 4
    assert topic_weight(["leukaemia"], {"all"}) > topic_weight(["malignancy"], {"all"}) > 0
    assert topic_weight(["covid19"], {"all"}) == 0


def test_country_preference_breaks_ties_of_relevance_and_unknowns(seeds):
    mpn = next(t for t in seeds if t.id == MPN)
    dutch = replace(mpn, id="copy-nl", recruitment=(Recruitment("Netherlands", "recruiting", None),), sites=())
    french = replace(mpn, id="copy-zz", recruitment=(Recruitment("France", "recruiting", None),), sites=())
    assert match(Profile(), [dutch, french], country="France").results[0].trial.id == "copy-zz"
    assert match(Profile(), [dutch, french], country="Netherlands").results[0].trial.id == "copy-nl"


def test_next_questions_start_with_diagnosis_and_age_then_by_trials_settled(seeds):
    questions = match(Profile(), list(seeds)).next_questions
    assert [q["fact"] for q in questions[:2]] == ["diagnoses", "age"]
    later = match(profile_from_mapping({"age": "6 years", "diagnoses": ["all"]}), list(seeds)).next_questions
    assert later and later[0]["fact"] not in ("age", "diagnoses")
    assert all(q["question"].endswith("?") for q in later)
    counts = [q["trials"] for q in later]
    assert counts == sorted(counts, reverse=True)


def test_next_questions_only_ask_what_matters_for_trials_still_in_play(seeds):
    profile = profile_from_mapping({"age": "6 years", "diagnoses": ["all"]})
    facts = {q["fact"] for q in match(profile, list(seeds)).next_questions}
    assert "platelets" not in facts and "eln_response" not in facts  # only the excluded MPN trial asks those
    assert {"icu", "ferritin", "phoenix"} <= facts


def test_json_shape_of_a_result(seeds):
    data = match(Profile(), list(seeds)).to_dict()
    result = data["results"][0]
    assert {"trial_id", "title", "verdict", "reasons", "missing", "sites", "recruitment"} <= set(result)
    assert result["verdict"] in ("eligible", "possible", "ineligible")
    assert {"profile", "results", "next_questions"} <= set(data)
