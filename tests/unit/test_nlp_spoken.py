"""Facts as people write them: number words, spans and dates, "only", and the plain phrasings of trial facts."""

from datetime import date

import pytest

from bot.nlp import dates, extract
from bot.nlp.spoken import normalise
from bot.nlp.values import days_ago, span_days

TODAY = date(2025, 6, 10)
MONTH = 365.25 / 12


def facts(text):
    return extract(text, today=TODAY).profile.to_dict()


def medicine(text):
    return facts(text)["medications"]["taken"][0]


# Number words


@pytest.mark.parametrize(("text", "age"), [("I'm thirty-five", 35), ("I’m thirty five", 35),
                                           ("my son is nine years old", 9), ("she is seventy-two", 72),
                                           ("aged sixty seven", 67), ("a six-year-old boy", 6)])
def test_ages_in_words(text, age):
    assert facts(text)["age"] == age


def test_a_caregiver_age_in_words_keeps_the_sex():
    assert facts("my son is nine years old") == {"age": 9, "sex": "male"}


@pytest.mark.parametrize(("text", "key", "value"),
                         [("platelets four hundred thousand", "platelets", 400),
                          ("platelets four hundred and fifty thousand", "platelets", 450),
                          ("Hb ten point five g/dL", "haemoglobin", 105), ("Phoenix three", "phoenix", 3),
                          ("itching seven out of ten", "vas_pruritus", 7)])
def test_lab_values_in_words(text, key, value):
    assert facts(text)[key] == pytest.approx(value)


@pytest.mark.parametrize("text", ["one of the trials", "a trial near me", "no one told me", "I have one son"])
def test_one_and_a_stay_words(text):
    assert normalise(text) == text


def test_digits_punctuation_and_spacing_are_kept():
    text = "6 y/o, ALL post-HCT, PICU, Phoenix 3, ferritin 4500 — anything?\nplt 90,000/µL  ok"
    assert normalise(text) == text


# Durations


@pytest.mark.parametrize(("text", "days"),
                         [("for two years", 2 * 365.25), ("for a year", 365.25), ("for one year", 365.25),
                          ("for half a year", 365.25 / 2), ("for a year and a half", 1.5 * 365.25),
                          ("for 2 and a half years", 2.5 * 365.25), ("for 1 year and 6 months", 1.5 * 365.25),
                          ("for about six months", 6 * MONTH), ("for a couple of weeks", 14),
                          ("for eleven days", 11)])
def test_durations_in_words(text, days):
    assert span_days(text) == pytest.approx(days)


@pytest.mark.parametrize(("text", "days"), [("on hydroxyurea for half a year", 365.25 / 2),
                                            ("on hydroxyurea for about six months", 6 * MONTH),
                                            ("on Hydrea for a year and a half", 1.5 * 365.25),
                                            ("taking hydroxycarbamide for two years", 2 * 365.25)])
def test_medicine_taken_for_a_span_in_words(text, days):
    use = medicine(text)
    assert use["current"] is True and use["started_days_ago"] == pytest.approx(days)


@pytest.mark.parametrize(("text", "days"), [("three months ago", 3 * MONTH), ("a week ago", 7),
                                            ("two days ago", 2), ("yesterday", 1)])
def test_days_ago_in_words(text, days):
    assert days_ago(text) == pytest.approx(days)


@pytest.mark.parametrize("text", ["started hydroxyurea 3 months ago", "I started hydroxyurea three months ago",
                                  "began Hydrea 3 months ago"])
def test_a_start_some_time_ago(text):
    use = medicine(text)
    assert use["current"] is True and use["started_days_ago"] == pytest.approx(3 * MONTH)


@pytest.mark.parametrize(("text", "days"), [("I stopped hydroxyurea last week", 7),
                                            ("stopped Hydrea two weeks ago", 14)])
def test_a_stop_some_time_ago(text, days):
    use = medicine(text)
    assert use["current"] is False and use["stopped_days_ago"] == pytest.approx(days)


# Calendar dates, counted back from a fixed today


@pytest.mark.parametrize(("text", "started"),
                         [("hydroxyurea since March 2024", date(2024, 3, 1)),
                          ("on Hydrea since 2023", date(2023, 1, 1)),
                          ("I have been taking hydroxyurea since June", date(2025, 6, 1)),
                          ("taking hydroxyurea since January", date(2025, 1, 1)),
                          ("on Jakavi since 12/03/2024", date(2024, 3, 12)),
                          ("started hydroxyurea in September 2024", date(2024, 9, 1)),
                          ("hydroxyurea since the 3rd of March 2024", date(2024, 3, 3))])
def test_a_start_date(text, started):
    use = medicine(text)
    assert use["current"] is True and use["started_days_ago"] == (TODAY - started).days


def test_a_month_without_a_year_is_the_last_one_before_today():
    assert medicine("on hydroxyurea since July")["started_days_ago"] == (TODAY - date(2024, 7, 1)).days


def test_a_stop_date():
    use = medicine("stopped hydroxyurea in January 2025")
    assert use["current"] is False and use["stopped_days_ago"] == (TODAY - date(2025, 1, 1)).days


def test_a_start_in_the_future_is_a_problem_not_a_fact():
    result = extract("started hydroxyurea in March 2030", today=TODAY)
    assert "started_days_ago" not in result.profile.to_dict()["medications"]["taken"][0]
    assert [p.fact for p in result.problems] == ["medications"] and "future" in result.problems[0].message


def test_a_year_after_in_is_not_a_start_without_a_word_of_starting():
    assert "started_days_ago" not in medicine("hydroxyurea for PV diagnosed in 2019")


def test_a_dose_is_not_a_year():
    assert "started_days_ago" not in medicine("started hydroxyurea on 2000 mg")


def test_today_comes_from_the_dates_module_unless_given(monkeypatch):
    monkeypatch.setattr(dates, "today", lambda: date(2024, 4, 1))
    assert extract("hydroxyurea since March 2024").profile.medications.uses[0].started_days_ago == 31


# "Only": the medicine list is closed


@pytest.mark.parametrize("text", ["only hydroxyurea", "I just take hydroxyurea", "I'm only on Hydrea and aspirin",
                                  "hydroxyurea only", "hydroxyurea, nothing else", "hydroxyurea and nothing else",
                                  "hydroxyurea and no other medicines", "hydroxyurea, I don't take anything else",
                                  "the only medicine I take is hydroxyurea", "Hydrea is my only medication",
                                  "hydroxyurea 500 mg daily, that's all"])
def test_only_closes_the_medicine_list(text):
    meds = facts(text)["medications"]
    assert meds["complete"] is True and meds["taken"][0]["drug"] == "hydroxyurea"


@pytest.mark.parametrize("text", ["I just started hydroxyurea", "not only hydroxyurea but also aspirin",
                                  "hydroxyurea for PV, nothing else", "platelets only 85, on hydroxyurea",
                                  "on hydroxyurea, I have just one question"])
def test_only_about_something_else_leaves_the_list_open(text):
    assert facts(text)["medications"]["complete"] is False


def test_not_only_lists_both_medicines():
    taken = [u["drug"] for u in facts("not only hydroxyurea but also aspirin")["medications"]["taken"]]
    assert taken == ["hydroxyurea", "aspirin"]


def test_only_about_something_else_says_nothing_about_medicines():
    assert "medications" not in facts("platelets only 85")


# Infections now and infections that keep coming back


@pytest.mark.parametrize("text", ["he keeps getting infections", "infections all the time", "recurrent pneumonias",
                                  "repeated chest infections", "one infection after another",
                                  "she keeps catching chest infections", "recurring urinary tract infections",
                                  "infections that keep coming back", "frequent infections"])
def test_infections_that_keep_coming_back(text):
    assert facts(text) == {"recurrent_infections": True}


@pytest.mark.parametrize("text", ["no recurrent infections", "he doesn't keep getting infections",
                                  "never had repeated chest infections"])
def test_denied_recurrent_infections(text):
    assert facts(text) == {"recurrent_infections": False}


def test_an_infection_now_is_not_a_recurrent_one():
    assert facts("she has a chest infection") == {"infection": True}


def test_no_infection_now_means_none_recurrent_unless_said():
    assert facts("no infection") == {"infection": False, "recurrent_infections": False}
    assert facts("recurrent pneumonias but no infection now") == {"infection": False,
                                                                   "recurrent_infections": True}


# Another trial


@pytest.mark.parametrize(("text", "expected"),
                         [("already enrolled in another drug study", {"other_trial": True, "other_trial_drug": True}),
                          ("she's in another trial", {"other_trial": True}),
                          ("he is in another clinical study", {"other_trial": True}),
                          ("currently in a medicine trial", {"other_trial": True, "other_trial_drug": True}),
                          ("she is in a different drug trial", {"other_trial": True, "other_trial_drug": True}),
                          ("not in another trial", {"other_trial": False}),
                          ("she isn't in any other clinical trial", {"other_trial": False}),
                          ("not in another drug study", {"other_trial_drug": False})])
def test_another_trial(text, expected):
    assert facts(text) == expected


# Response to treatment (ELN): complete = counts normal; counts not normal = partial unless "no response" is said


@pytest.mark.parametrize(("text", "response"),
                         [("incomplete haematological response", "partial"),
                          ("incomplete hematologic response", "partial"),
                          ("partial haematologic response", "partial"), ("partial response", "partial"),
                          ("my counts never normalised", "partial"), ("my counts never normalized", "partial"),
                          ("his blood counts haven't normalised", "partial"),
                          ("blood counts still too high", "partial"), ("her counts remain high", "partial"),
                          ("not a complete response", "partial"), ("complete response", "complete"),
                          ("complete haematological response", "complete"),
                          ("complete hematologic response", "complete"), ("counts back to normal", "complete"),
                          ("his blood counts are normal now", "complete"), ("my counts normalised", "complete"),
                          ("my counts normalized", "complete"), ("no haematological response", "none"),
                          ("counts didn't come down at all", "none")])
def test_response_to_treatment(text, response):
    assert facts(text)["eln_response"] == response


def test_no_response_keeps_the_medicine_it_was_to():
    profile = facts("did not respond to hydroxyurea")
    assert profile["eln_response"] == "none"
    assert profile["medications"]["taken"] == [{"drug": "hydroxyurea", "current": True}]


def test_a_denied_response_is_not_stored():
    assert "eln_response" not in facts("no complete response yet? not sure")


@pytest.mark.parametrize("text", ["my blood pressure is still too high", "my sugar levels never normalised"])
def test_other_values_still_high_are_not_a_response(text):
    assert "eln_response" not in facts(text)


def test_no_known_allergy_to_a_medicine_is_no_use_of_it():
    profile = facts("no known allergies to anakinra")
    assert profile["allergies"]["not"] == ["anakinra"] and "medications" not in profile


# --- doubt, pregnancy terms and a time span after a comma --------------------------------------------------------

@pytest.mark.parametrize("text", ["I'm not sure about infections that keep coming back", "maybe pregnant",
                                  "I don't know the ferritin", "I dont know the ferritin",
                                  "I can't remember the Phoenix score"])
def test_a_fact_named_with_doubt_is_not_a_fact(text):
    assert extract(text, today=TODAY).profile.to_dict() == {}


def test_doubt_stops_at_the_clause_and_is_reported():
    result = extract("not sure about infections that keep coming back, but platelets are 400", today=TODAY)
    assert result.profile.to_dict() == {"platelets": 400.0}
    assert result.unsure == ["recurrent_infections"]


@pytest.mark.parametrize("text", ["yes, I'm 12 weeks pregnant", "she is 30 weeks pregnant", "I am 5 months pregnant"])
def test_weeks_of_pregnancy_are_not_an_age(text):
    profile = extract(text, today=TODAY).profile.to_dict()
    assert profile.get("pregnant") is True and "age" not in profile


def test_a_time_span_in_the_next_comma_clause_belongs_to_the_medicine():
    assert round(medicine("hydroxyurea, for about three years I think")["started_days_ago"]) == 1096
    assert "started_days_ago" not in medicine("I take hydroxyurea, for my PV")


def test_a_minus_sign_is_kept_and_a_dash_between_words_is_not_one():
    refused = extract("ferritin -4", today=TODAY)
    assert "ferritin" not in refused.profile.to_dict() and refused.problems
    assert extract("ferritin - 4500", today=TODAY).profile.to_dict() == {"ferritin": 4500.0}
