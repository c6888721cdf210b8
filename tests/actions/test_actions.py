"""Custom actions driven with rasa-sdk's Tracker and CollectingDispatcher (see conftest.Chat), no Rasa server.

Run: cd /work/main && PYTHONPATH=. <actions env>/bin/python -m pytest tests/actions -q
"""

from __future__ import annotations

import logging
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from rasa_sdk import Tracker

from actions import dialogue, safety
from actions.questions import phrase
from actions.replies import NO_MORE, how_to_join_answer
from actions.state import State
from bot.catalog.store import ROOT
from bot.catalog.trial import read_trial_file
from bot.facts import FACTS

MPN = "2025-523921-17-00"
PAED = "2025-524541-27-00"
TRIALS = ROOT / "trials"
FACTS_BY_LABEL = {f.label: key for key, f in FACTS.items()}
ELIGIBLE = re.compile(r"\b(is|are|you're|you are) eligible\b|\beligible\b", re.I)


def no_promise(text: str) -> None:
    """The assistant never says someone is eligible."""
    assert not ELIGIBLE.search(text), text


# --- consent ---------------------------------------------------------------------------------------------------

def test_consent_comes_first_and_says_what_is_kept(chat):
    text = chat.text(chat.say("hi", "greet"))
    assert "medical advice" in text
    assert "only for this conversation" in text
    assert "forget me" in text
    assert text.rstrip().endswith("Shall we go on?")
    assert chat.slots["requested"] == "consent"
    assert chat.ran == ["read_message", "decide", "ask_consent"]


def test_consent_refused_ends_politely_and_keeps_nothing(chat):
    chat.say("I have ET and I'm 67", "inform")
    assert chat.slots["profile"]["age"] == 67
    text = chat.text(chat.say("no thanks", "deny"))
    assert "won't ask anything" in text
    assert chat.slots["consent"] is False
    assert not chat.slots.get("profile")
    assert not chat.in_questions
    # nothing said afterwards is kept, and coming back asks for consent again
    chat.say("I'm 70", "deny")
    assert not chat.slots.get("profile")
    again = chat.text(chat.say("start", "start_over"))
    assert "Shall we go on?" in again


def test_consent_in_words(chat):
    chat.say("hello", "greet")
    text = chat.text(chat.say("ok, go ahead", "inform"))
    assert chat.slots["consent"] is True
    assert "diagnosed" in text


def test_no_health_question_before_consent(chat):
    text = chat.text(chat.say("I have ET", "inform"))
    assert "Shall we go on?" in text
    assert "How old" not in text


# --- the two seed trials --------------------------------------------------------------------------------------

def test_mpn_happy_path(consented):
    chat = consented
    asked = chat.text(chat.say("I have essential thrombocythemia", "inform"))
    assert "Noted: diagnosis: essential thrombocythaemia." in asked
    assert "How old are you?" in asked
    chat.say("45", "inform")
    assert chat.slots["profile"]["age"] == 45
    chat.say("I've been on hydroxyurea for 8 months", "inform")
    chat.say("partial response", "inform")
    chat.say("platelets 250", "inform")
    messages = chat.say("show me the results", "show_results")
    text = chat.text(messages)
    assert MPN in text
    assert "Brest" in text
    assert "planned to open on 1 June 2026" in text and "check with the study team" in text
    assert "may fit" in text and "study team" in text
    assert "Still unknown:" in text
    no_promise(text)
    # the paediatric trial studies other conditions than ET: counted in one sentence, not checked or listed
    assert f"- {PAED}" not in text and "1 trial studies other conditions than yours" in text
    payload = chat.payload(messages)
    assert payload["type"] == "trial_results"
    assert payload["results"][0]["trial_id"] == MPN
    assert {r["fit"] for r in payload["results"]} <= {"may fit", "may fit (some facts unknown)", "does not fit"}
    buttons = [b["title"] for m in messages for b in m.get("buttons") or ()]
    assert "What happens in the study?" in buttons and "Forget my data" in buttons


def test_paediatric_caregiver_path(consented):
    chat = consented
    text = chat.text(chat.say("my daughter is 6 and has ALL", "inform"))
    assert chat.slots["voice"] == "caregiver"
    assert chat.slots["profile"]["age"] == 6
    assert "your daughter" in text  # the question is about the patient, not the speaker
    chat.say("she is in the PICU", "inform")
    chat.say("Phoenix 3", "inform")
    chat.say("ferritin 4500", "inform")
    text = chat.text(chat.say("show results", "show_results"))
    assert PAED in text
    assert "Utrecht" in text
    assert "planned to open on 1 May 2026" in text
    no_promise(text)


def test_clinician_one_shot(chat):
    messages = chat.say("6 y/o, ALL post-HCT, PICU, Phoenix 3, ferritin 4500 — anything?", "inform")
    text = chat.text(messages)
    assert chat.slots["consent"] is True
    assert "not medical advice" in text and "forget me" in text  # consent acknowledged briefly
    assert PAED in text and "Utrecht" in text and "1 May 2026" in text
    assert "ferritin 4500 µg/L, at least 2000 µg/L" in text  # reasons with numbers
    assert chat.payload(messages)["results"]
    assert chat.ran[-1] == "show_results"
    # a correction gets the updated answer at once
    text = chat.text(chat.say("ferritin was 1500 actually", "inform"))
    assert "I've changed the ferritin to 1500 µg/L (it was 4500 µg/L)." in text
    assert "below 2000 µg/L" in text


def test_clinician_one_shot_with_a_high_inr_is_not_turned_away(chat):
    text = chat.text(chat.say("6 y/o, ALL post-HCT, PICU, Phoenix 3, ferritin 4500, INR 2.5, in another drug trial",
                              "inform"))
    assert PAED in text
    paed = text[text.index(PAED) - 200:]
    assert "Could still rule it out, which only the study team can check: in another trial that forbids a second " \
           "one (the study team checks whether the other trial forbids" in paed
    assert "clotting values improved after vitamin K" in paed  # asked, not decided
    assert f"- {PAED}" not in text  # not listed among the trials that do not fit
    no_promise(text)


def test_a_sponsor_the_record_does_not_state_is_said_to_be_unconfirmed():
    trial = read_trial_file(TRIALS / f"{MPN}.yaml")
    text = how_to_join_answer(trial, "clinician", None)
    assert "the sponsor is Centre Hospitalier Regional et Universitaire de Brest (not stated by the register " \
           "record; to be confirmed)" in text
    stated = read_trial_file(TRIALS / "NCT03281889.yaml")
    assert "to be confirmed" not in how_to_join_answer(stated, "clinician", None)


# --- reading every message --------------------------------------------------------------------------------------

def test_several_facts_at_once_whatever_was_asked(consented):
    chat = consented
    text = chat.text(chat.say("I'm 67, I have ET and my platelets are 85", "inform"))
    profile = chat.slots["profile"]
    assert profile["age"] == 67 and profile["platelets"] == 85 and profile["diagnoses"]["has"] == ["et"]
    # both seed trials are decided (platelets below 100; age above 18): the answer comes at once
    assert "low platelet count" in text
    assert chat.ran[-1] == "show_results"


def test_short_answers_read_as_the_question_asked(consented):
    chat = consented
    chat.say("ET", "inform")
    chat.say("58", "inform")
    assert chat.slots["profile"]["age"] == 58
    fact = chat.slots["asking"]["fact"]
    assert fact not in ("age", "diagnoses")


def test_yes_no_answers(consented):
    chat = consented
    chat.say("my son is 9 and has leukemia", "inform")
    assert chat.slots["asking"]["fact"] == "icu"
    chat.say("yes", "affirm")
    assert chat.slots["profile"]["icu"] is True
    asked = chat.slots["asking"]["fact"]
    chat.say("no", "deny")
    assert chat.slots["profile"][asked] is False


def test_button_payloads_answer_the_question(consented):
    chat = consented
    chat.say("my son is 9 and has leukemia", "inform")
    asked = chat.slots["asking"]["fact"]
    chat.say("/affirm", "affirm")
    assert chat.slots["profile"][asked] is True
    skipped = chat.slots["asking"]["fact"]
    chat.say("/dont_know", "dont_know")
    assert skipped in chat.slots["skipped"]
    results = chat.say("/show_results", "show_results")
    assert chat.payload(results)["type"] == "trial_results"


def test_question_about_a_medicine_is_not_a_fact(consented):
    chat = consented
    chat.say("ET", "inform")
    text = chat.text(chat.say("what is anakinra?", "ask_about_drug"))
    assert "medications" not in chat.slots["profile"]
    assert "interleukin-1" in text and MPN in text
    assert "How old are you?" in text  # the form asks its question again


# --- unknowns, corrections, bad values --------------------------------------------------------------------------

def test_dont_know_moves_on_and_stays_unknown(consented):
    chat = consented
    chat.say("ET", "inform")
    chat.say("45", "inform")
    first = chat.slots["asking"]["fact"]
    text = chat.text(chat.say("I don't know", "dont_know"))
    assert f"the study team will check the {FACTS[first].label}" in text
    assert chat.slots["asking"]["fact"] != first
    assert first in chat.slots["skipped"]
    second = chat.slots["asking"]["fact"]
    chat.say("skip", "dont_know")
    assert chat.slots["asking"]["fact"] not in (first, second)
    results = chat.text(chat.say("show results", "show_results"))
    assert "Still unknown:" in results and FACTS[first].label in results


def test_correction_is_confirmed_and_matched_again(consented):
    chat = consented
    chat.say("ET", "inform")
    chat.say("17", "inform")
    results = chat.text(chat.say("show results", "show_results"))
    assert "adult able to consent" in results  # 17: the MPN trial does not fit
    text = chat.text(chat.say("actually I'm 68", "inform"))
    assert "I've changed the age to 68 years (it was 17 years)." in text
    # the MPN trial is back in play: the questions that decide it come before a new answer
    assert "Which medicines are you taking now" in text
    assert "Here is what I found" not in text


def test_no_comma_number_corrects_the_last_value(consented):
    chat = consented
    chat.say("ET", "inform")
    chat.say("85", "inform")
    text = chat.text(chat.say("no, 58", "inform"))
    assert chat.slots["profile"]["age"] == 58
    assert "it was 85 years" in text


def test_duration_after_naming_a_medicine(consented):
    chat = consented
    chat.say("I have myelofibrosis and I'm 61", "inform")
    chat.say("I take Jakavi", "inform")
    chat.say("for about a year", "inform")
    use = chat.slots["profile"]["medications"]["taken"][0]
    assert use["drug"] == "ruxolitinib" and round(use["started_days_ago"]) == 365


def test_stopping_a_medicine_is_a_correction(consented):
    chat = consented
    chat.say("ET, 67, hydroxyurea for 8 months, partial response, platelets 250", "inform")
    chat.say("show results", "show_results")
    text = chat.text(chat.say("I stopped hydroxyurea last month", "inform"))
    assert "I've updated the medicines" in text
    assert "no longer taken" in text


def test_impossible_value_reasked_then_skip_offered(consented):
    chat = consented
    chat.say("ET", "inform")
    first = chat.say("I'm 300", "inform")
    assert "300 years is not a possible age" in chat.text(first)
    assert "For example" in chat.text(first)
    assert "age" not in chat.slots["profile"]
    second = chat.say("I'm 400", "inform")
    assert "say \"skip\"" in chat.text(second)
    assert any(b["title"] == "Skip this question" for m in second for b in m.get("buttons") or ())
    chat.say("skip", "dont_know")
    assert "age" in chat.slots["skipped"]


def test_unclear_answer_gets_a_specific_reask(consented):
    chat = consented
    chat.say("ET", "inform")
    chat.say("45", "inform")
    label = FACTS[chat.slots["asking"]["fact"]].label
    text = chat.text(chat.say("lots", "inform"))
    assert f"couldn't read that as the {label}" in text and "For example" in text
    assert "say \"skip\"" in text  # the second time a question is asked, skipping is offered
    text = chat.text(chat.say("lots and lots", "inform"))
    # never a third time in a row: the fact goes to the study team and the next question comes
    assert f"leave the {label} to the study team" in text
    assert f"couldn't read that as the {label}" not in text
    assert chat.slots["asking"]["fact"] != FACTS_BY_LABEL[label]
    text = chat.text(chat.say("platelets lots", "inform"))
    assert "couldn't read a number for the platelet count" in text


def test_bad_value_never_spoils_what_was_collected(consented):
    chat = consented
    chat.say("I'm 67 and I have ET", "inform")
    chat.say("-5 kg and platelets 250", "inform")
    profile = chat.slots["profile"]
    assert profile["age"] == 67 and profile["platelets"] == 250 and "weight" not in profile


def test_huge_and_markup_messages_do_not_crash(consented):
    chat = consented
    text = chat.text(chat.say("<script>alert(1)</script> " + "blah " * 1000, "nlu_fallback"))
    assert "very long" in text
    assert "<script>" not in text


# --- forget me, start over, follow-ups --------------------------------------------------------------------------

def test_forget_me_clears_the_profile(consented):
    chat = consented
    chat.say("I have PV and I'm 60", "inform")
    messages = chat.say("forget me", "forget_me")
    text = chat.text(messages)
    assert "deleted everything" in text
    assert {"type": "conversation_forgotten"} in [m.get("custom") for m in messages]
    assert not chat.slots.get("profile")
    assert chat.slots.get("consent") is None
    assert not chat.in_questions


def test_start_over(consented):
    chat = consented
    chat.say("I have PV and I'm 60", "inform")
    text = chat.text(chat.say("start over", "start_over"))
    assert "start again" in text and "diagnosed" in text
    assert not chat.slots.get("profile")


@pytest.mark.parametrize("intent,expected", [
    ("ask_what_happens", "3 study visits"),
    ("ask_sites", "Brest, France"),
    ("ask_how_to_join", "your doctor"),
    ("ask_about_drug", "Kineret"),
])
def test_follow_ups_about_a_trial(chat, intent, expected):
    entity = [{"entity": "trial_id", "value": MPN}]
    text = chat.text(chat.say(f'/{intent}{{"trial_id": "{MPN}"}}', intent, entity))
    assert expected in text
    assert not re.search(r"@|\+?\d[\d ]{7,}\d|https?://", text)  # never an invented contact


def test_visits_of_the_paediatric_trial(chat):
    text = chat.text(chat.say(f"how many visits in {PAED}?", "ask_what_happens"))
    assert "does not describe separate study visits" in text and "day 28" in text


def test_out_of_scope_and_abuse_during_questions(consented):
    chat = consented
    text = chat.text(chat.say("what's the weather?", "out_of_scope"))
    assert "say_out_of_scope" in chat.ran
    assert "diagnosed" in text  # then the question again
    chat.say("you're useless", "abuse")
    assert "say_abuse" in chat.ran


# --- wording ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", sorted(FACTS))
def test_every_question_worded_for_each_voice(key):
    question = FACTS[key].question
    mine = phrase(question, "self")
    assert "the patient" not in mine
    theirs = phrase(question, "caregiver", "daughter")
    assert not re.search(r"\b(you|your)\b", theirs, re.I) or "your daughter" in theirs
    assert not re.search(r"\bAre you\b|\bDo you\b", theirs)
    assert phrase(question, "clinician").endswith("?")


def test_never_eligible_in_any_reply(consented):
    chat = consented
    text = chat.text(chat.say("I'm a 67 year old woman with ET, hydroxyurea for 8 months, partial response, "
                              "platelets 250, neutrophils 3, no allergies, no other medications, no infections, "
                              "not pregnant, not breastfeeding, postmenopausal, not under guardianship",
                              "inform"))
    text += chat.text(chat.say("show results", "show_results"))
    assert MPN in text
    no_promise(text)


# --- privacy --------------------------------------------------------------------------------------------------------

def test_no_health_fact_reaches_the_logs(chat, caplog):
    caplog.set_level(logging.DEBUG)
    chat.say("6 y/o, ALL post-HCT, PICU, Phoenix 3, ferritin 4500 — anything?", "inform")
    chat.say("ferritin was 1517 actually", "inform")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in ("4500", "1517", "ALL", "Phoenix", "ferritin", "leukaemia"):
        assert secret not in logged


def test_state_survives_an_unreadable_slot():
    tracker = Tracker("t", {"profile": {"age": "not a number"}, "misses": "x"}, {"text": "hi"}, [], False, None, {},
                      "action_listen")
    state = State.from_tracker(tracker)
    assert state.profile.to_dict() == {} and state.misses == {}


@pytest.mark.parametrize(("fact", "answer", "expected"), [
    ("creatinine", "1.2 mg/dL", 106.082), ("egfr", "75", 75), ("hba1c", "7.2%", 7.2), ("qtc", "430 ms", 430),
    ("systolic_bp", "135", 135), ("radiotherapy_days_ago", "3 weeks ago", 21),
])
def test_a_bare_answer_is_read_as_the_fact_asked_for_the_facts_register_criteria_need(fact, answer, expected):
    from actions.reading import read
    from actions.state import State

    reading = read(State(asking={"fact": fact}, text=answer, intent="inform", form_active=True,
                         requested="matching_done"))
    assert reading.profile.get(fact) == pytest.approx(expected, rel=1e-3)


def test_show_more_pages_through_the_trials_that_may_fit(consented, monkeypatch):
    """Twelve trials may fit: five with the answer, a button and "show more" for the next five, then the last
    two, then a plain "that was all"."""
    from dataclasses import replace

    from actions import catalog
    from bot.search import Catalogue

    mpn = catalog.by_id(MPN)
    copies = [replace(mpn, id=f"T{i:02d}", data={**mpn.data, "id": f"T{i:02d}"}) for i in range(12)]
    fake = Catalogue(copies)
    monkeypatch.setattr(dialogue, "catalogue", lambda: fake)
    monkeypatch.setattr(catalog, "catalogue", lambda: fake)
    chat = consented
    chat.say("I have essential thrombocythemia", "inform")
    chat.say("45", "inform")
    first = chat.say("show me the results", "show_results")
    text = chat.text(first)
    assert "12 trials that may fit" in text and "Trials that may fit come first" in text
    assert "7 more trials that may fit: say \"show more\"" in text
    assert {"title": "Show more trials", "payload": "/show_more"} in first[-2]["buttons"]
    assert [r["trial_id"] for r in chat.payload(first)["results"]] == [f"T{i:02d}" for i in range(5)]
    second = chat.say("show me more", "show_more")
    assert "Trials 6 to 10 of the 12 that may fit." in chat.text(second)
    assert chat.payload(second)["offset"] == 5 and chat.payload(second)["more_may_fit"] == 2
    third = chat.text(chat.say("more please", "show_more"))
    assert "Trials 11 to 12 of the 12" in third and "show more" not in third
    assert chat.text(chat.say("any more?", "show_more")).strip() == NO_MORE


def test_a_trial_database_down_mid_conversation_is_said_and_the_reviewed_trials_still_answer(consented, monkeypatch,
                                                                                             caplog):
    from actions import catalog
    from bot.catalog import store
    from bot.search import Catalogue

    down = Catalogue([catalog.by_id(MPN), catalog.by_id(PAED)],
                     store.engine_for("postgresql+psycopg2://user:secret@127.0.0.1:1/none"))
    monkeypatch.setattr(dialogue, "catalogue", lambda: down)
    monkeypatch.setattr(catalog, "catalogue", lambda: down)
    chat = consented
    chat.say("I have essential thrombocythemia", "inform")
    chat.say("45", "inform")
    text = chat.text(chat.say("show me the results", "show_results"))
    assert "the full list of trials from the registers is unavailable" in text and MPN in text
    assert "secret" not in text and "secret" not in caplog.text
    assert "thrombocyth" not in caplog.text.lower()


# --- how people really talk (issue 9) -------------------------------------------------------------------------

def test_a_first_message_asking_for_trials_starts_with_consent_and_keeps_its_facts(chat):
    text = chat.text(chat.say("hi, my son is 6 and has leukaemia, is there a trial for him?", "find_trials"))
    assert "Shall we go on?" in text and "If you say no, I'll delete it." in text
    assert chat.slots["profile"]["age"] == 6
    text = chat.text(chat.say("yes", "affirm"))
    assert "How old" not in text  # the age was in the first message


def test_a_trial_of_a_medicine_is_not_a_medicine_taken(chat):
    chat.say("is there a trial of anakinra for me?", "find_trials")
    assert "medications" not in (chat.slots.get("profile") or {})
    chat.say("is there a trial testing anakinra? I take hydroxyurea", "find_trials")
    taken = [u["drug"] for u in chat.slots["profile"]["medications"]["taken"]]
    assert taken == ["hydroxyurea"]


def test_restating_a_medicine_keeps_what_is_known_about_it(consented):
    chat = consented
    chat.say("I have PV and I'm 60", "inform")
    chat.say("hydroxyurea for 12 months", "inform")
    text = chat.text(chat.say("only hydroxyurea", "inform"))
    use = chat.slots["profile"]["medications"]["taken"][0]
    assert use["drug"] == "hydroxyurea" and round(use["started_days_ago"]) == 365
    assert "Since when" not in text


def test_a_correction_that_reopens_a_trial_goes_back_to_the_questions(consented):
    chat = consented
    text = chat.text(chat.say("my son has ALL and had a stem cell transplant, he is 19", "inform"))
    assert "none of the open trials I know fits" in text
    text = chat.text(chat.say("sorry, he is 9, not 19", "deny"))
    assert "I've changed the age to 9 years (it was 19 years)." in text
    assert "intensive care" in text and "Here is what I found" not in text


def test_the_first_answer_comes_when_the_trials_that_may_fit_are_known(consented):
    chat = consented
    for text, intent in (("I have polycythaemia vera", "inform"), ("62", "inform"), ("hydroxyurea", "inform"),
                         ("for 14 months", "inform")):
        chat.say(text, intent)
    answer = chat.text(chat.say("partly", "inform"))
    assert "Here is what I found: one trial that may fit." in answer
    assert re.search(r"\d+ more questions would settle it", answer)
    assert "Still unknown:\n- " in answer and "register ID 2025-523921-17-00" in answer
    assert "Brest" in answer and "Give your doctor the register ID" in answer
    payload = chat.payload(chat.say("show results", "show_results"))
    assert payload["audience"] == "patient" and payload["remaining_questions"] > 0
    assert payload["results"][0]["plain"]["why"][0] == "confirmed myeloproliferative neoplasm"
    # then the rest, until nothing is left to ask
    text = chat.text(chat.say("continue", "continue_questions"))
    assert "Here is what I found" not in text and chat.slots["continuing"] is True
    for _ in range(15):
        if chat.slots.get("results_shown") and not chat.slots.get("continuing"):
            break
        fact = chat.slots["asking"]["fact"]
        chat.say("no" if FACTS[fact].type == "bool" else "I don't know", "deny" if FACTS[fact].type == "bool"
                 else "dont_know")
    assert not chat.slots.get("continuing")


def test_a_patient_answer_is_short_and_a_clinician_answer_has_the_numbers(consented, chat_factory):
    chat = consented
    chat.say("I have PV, I'm 62, on hydroxyurea for 14 months, partial response", "inform")
    patient = chat.text(chat.say("show results", "show_results"))
    assert "Why it may fit: confirmed myeloproliferative neoplasm" in patient
    assert "at least the 6 months required" not in patient
    clinician = chat_factory()
    clinician.say("67 y/o pt with PV on hydroxyurea for 14 months, partial response, platelets 420", "inform")
    text = clinician.text(clinician.say("show results", "show_results"))
    assert "at least the 6 months required" in text


def _continue_until_group(chat) -> str:
    text = chat.text(chat.say("continue", "continue_questions"))
    for answer in ("female", "420", "3.1", "none"):
        if "Do any of these apply" in text:
            return text
        text = chat.text(chat.say(answer, "inform"))
    return text


def test_yes_no_exclusions_are_asked_together_and_none_answers_them_all(consented):
    chat = consented
    chat.say("I have PV, I'm 62, on hydroxyurea for 14 months, nothing else, partial response", "inform")
    text = _continue_until_group(chat)
    assert "Do any of these apply to you?" in text and "none of these" in text
    if "sex" not in chat.slots["profile"]:
        assert "pregnancy" not in text  # asked only once the sex is known
    group = chat.slots["asking"]["detail"]["group"]
    assert len(group) > 1
    chat.say("none of these", "deny")
    profile = chat.slots["profile"]
    assert all(profile[key] is False for key in group)


def test_a_grouped_question_reads_the_one_named_and_skips_together(consented, chat_factory):
    chat = consented
    chat.say("I have PV, I'm 62, on hydroxyurea for 14 months, nothing else, partial response", "inform")
    _continue_until_group(chat)
    text = chat.text(chat.say("I'm breastfeeding", "inform"))
    assert chat.slots["profile"]["breastfeeding"] is True
    assert "none of the open trials I know fits" in text  # breastfeeding rules the MPN trial out
    other = chat_factory()
    other.say("hi", "greet")
    other.say("yes", "affirm")
    other.say("I have PV, I'm 62, on hydroxyurea for 14 months, nothing else, partial response", "inform")
    _continue_until_group(other)
    group = other.slots["asking"]["detail"]["group"]
    text = other.text(other.say("I don't know", "dont_know"))
    assert set(group) <= set(other.slots["skipped"])
    assert "Do any of these apply" not in text


def test_a_man_is_never_asked_about_pregnancy(consented):
    chat = consented
    chat.say("I have PV, I'm 71, on hydroxyurea for 14 months, nothing else, partial response", "inform")
    asked = chat.text(chat.say("continue", "continue_questions"))
    for _ in range(12):
        if chat.slots.get("asking", {}) and chat.slots["asking"].get("fact") == "sex":
            asked += chat.text(chat.say("male", "inform"))
            break
        assert "pregnan" not in asked
        fact = (chat.slots.get("asking") or {}).get("fact")
        if fact is None:
            break
        asked = chat.text(chat.say("I don't know", "dont_know"))
    assert chat.slots["profile"].get("sex") == "male"
    for _ in range(12):
        if not (chat.slots.get("asking") or {}).get("fact"):
            break
        asked = chat.text(chat.say("none of these", "deny"))
        assert "pregnan" not in asked and "breastfeeding" not in asked


def test_no_answers_the_yes_no_question_even_with_other_facts_and_none_known_is_none(consented):
    chat = consented
    chat.say("my son is 9, he has ALL after a stem cell transplant, in the PICU with an infection, Phoenix 3, "
             "ferritin 3200, 31 kg, PT 14 s, INR 1.2", "inform")
    chat.say("continue", "continue_questions")
    if (chat.slots.get("asking") or {}).get("detail", {}).get("group"):
        chat.say("no, he was healthy before the leukaemia", "deny")
        assert all(chat.slots["profile"].get(k) is False for k in ("dnr", "organ_failure", "other_trial"))
    chat.say("no", "deny")  # medicines
    chat.say("none known", "inform")
    assert chat.slots["profile"]["allergies"]["none"] is True


def test_the_continue_button_only_when_a_question_is_left(consented):
    chat = consented
    chat.say("I have PV, I'm 62, on hydroxyurea for 14 months, nothing else, partial response", "inform")
    messages = chat.say("show results", "show_results")
    buttons = [b["payload"] for m in messages for b in m.get("buttons") or ()]
    assert "/continue_questions" in buttons
    for _ in range(15):
        if not chat.slots.get("asking") and chat.slots.get("results_shown") and _ > 0:
            break
        messages = chat.say("I don't know", "dont_know") if _ else chat.say("continue", "continue_questions")
    buttons = [b["payload"] for m in messages for b in m.get("buttons") or ()]
    assert "/continue_questions" not in buttons
    text = chat.text(chat.say("continue", "continue_questions"))
    assert "no more questions I can ask" in text


# --- faults ------------------------------------------------------------------------------------------------------

def test_an_error_in_an_action_is_a_polite_reply_and_a_log_line_without_the_persons_words(consented, monkeypatch,
                                                                                         caplog):
    chat = consented
    chat.say("I have polycythaemia vera and I'm 58", "inform")
    kept = dict(chat.slots["profile"])

    def broken(state):
        raise ValueError(f"cannot match {state.profile.to_dict()}")

    monkeypatch.setattr(dialogue, "report_for", broken)
    with caplog.at_level(logging.DEBUG):
        text = chat.text(chat.say("show results", "show_results"))
    assert "something went wrong on my side" in text and "What you told me is kept" in text
    assert chat.slots["profile"] == kept
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "action action_turn failed: ValueError at test_actions.py:" in logged
    words = re.sub(r"\.py:\d+", ".py", logged).lower()
    for word in ("polycythaemia", "'pv'", "58", "cannot match"):
        assert word not in words


def test_one_turn_runs_the_matcher_once(consented, monkeypatch):
    from actions import catalog

    chat = consented
    chat.say("I have polycythaemia vera", "inform")
    real = catalog.catalogue()
    calls = []

    class Counting:
        def __getattr__(self, name):
            return getattr(real, name)

        def match(self, *args, **kwargs):
            calls.append(1)
            return real.match(*args, **kwargs)

    monkeypatch.setattr(catalog, "catalogue", lambda: Counting())
    chat.say("I'm 58", "inform")  # read, decide, ask: three steps, one match
    assert chat.ran == ["read_message", "decide", "ask_next"] and len(calls) == 1


def test_no_answer_outlives_its_turn_in_the_action_servers_memory(consented):
    """The answer made from a person's facts is kept for the turn only: after "forget me", nothing made from their
    facts is left in the process (a cache across turns kept it until newer answers pushed it out)."""
    import gc

    from bot.matching import MatchReport

    chat = consented
    chat.say("I have polycythaemia vera and I'm 58", "inform")
    chat.say("show results", "show_results")
    chat.say("forget me", "forget_me")
    gc.collect()
    assert not [o for o in gc.get_objects() if isinstance(o, MatchReport)]


def test_neither_the_persons_words_nor_their_diagnoses_outlive_forget_me(consented, monkeypatch):
    """Nothing made from the person's message stays in the process after "forget me": memos keyed by each set of
    diagnoses met kept them on the trials' rules, and a cache of messages kept their words."""
    import gc

    # Made when the test runs: the source line itself, kept by linecache for tracebacks, must not match.
    age = 47 + 14
    said = f"I have polycythaemia vera and diabetes and I'm {age}"
    both = {"pv", "icd10_e10_e14"}  # what it says: polycythaemia vera and diabetes

    def near(held: object) -> set[str]:
        """The strings an object refers to, directly or through a container the collector does not track (an
        lru_cache keeps its entries in one)."""
        found: set[str] = set()
        for item in gc.get_referents(held):
            if isinstance(item, str):
                found.add(item)
            elif isinstance(item, (dict, list, tuple, set, frozenset)) and not gc.is_tracked(item):
                found.update(x for x in (*item, *(item.values() if isinstance(item, dict) else ()))
                             if isinstance(x, str))
        return found

    def holds(held: object) -> bool:
        strings = near(held)
        return both <= strings or any(said in x for x in strings)

    def holders() -> list[object]:
        gc.collect()
        own = [both, *(cell for check in (near, holds) for cell in check.__closure__ or ())]  # this test's
        return [held for held in gc.get_objects() if holds(held) and not any(held is o for o in own)]

    # Threads of the test's own: a worker lets go of its last task's tracker only after the answer is back, so
    # the scan waits until they have stopped (a CI run once saw the "forget me" turn's tracker still held).
    threads = ThreadPoolExecutor(max_workers=2)
    monkeypatch.setattr(safety, "THREADS", threads)
    chat = consented
    assert not holders()
    chat.say(said, "inform")
    chat.say("show results", "show_results")
    chat.say("forget me", "forget_me")
    chat.events.clear()  # what the tracker store deletes (stores/forgetting.py)
    chat.message = {}
    threads.shutdown(wait=True)
    left = holders()
    assert not left, [repr(held)[:200] for held in left]


def test_odd_messages_never_erase_restart_or_answer_yes_no(consented):
    chat = consented
    chat.say("I have PV, I'm 62, on hydroxyurea for 14 months, nothing else, partial response", "inform")
    kept = dict(chat.slots["profile"])
    text = chat.text(chat.say("a" * 70, "start_over"))  # the classifier's guess, not the person's words
    assert "Did you want to start again" in text and chat.slots["profile"] == kept
    text = chat.text(chat.say("%s%s%s%n", "forget_me"))
    assert "Did you want me to delete" in text and chat.slots["profile"] == kept
    _continue_until_group(chat)
    chat.say("%s%s%s%n", "deny")  # "deny" guessed from symbols answers no yes/no question
    assert all(key not in chat.slots["profile"] for key in ("recurrent_infections", "legal_protection"))
    chat.say("/deny", "deny")  # the button does
    assert chat.slots["profile"]["recurrent_infections"] is False
