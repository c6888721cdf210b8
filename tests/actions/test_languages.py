"""Whole conversations in French and Dutch through the custom actions (see conftest.Chat): a French-speaking adult
with polycythaemia vera and a Dutch-speaking parent of a child with leukaemia in intensive care each reach their
trial, with its sites and dates, in their language. Expected sentences come from the catalogues, not from copies.

Run: cd /work/main && PYTHONPATH=. <actions env>/bin/python -m pytest tests/actions/test_languages.py -q
"""

from __future__ import annotations

import re

import pytest

from actions.catalog import by_id
from actions.dialogue import CONSENT_AGAIN, CONSENT_TEXT
from actions.replies import DECIDES
from bot.i18n import localise, phrase, words

MPN = "2025-523921-17-00"
PAED = "2025-524541-27-00"
ENGLISH_ONLY = ("Shall we go on?", "Here is what I found", "Still unknown", "Why it may fit", "Only the study team")
ELIGIBLE = re.compile(r"\b(éligible|eligible|geschikt bent|komt in aanmerking)\b", re.I)


def no_english(text: str) -> None:
    for sentence in ENGLISH_ONLY:
        assert sentence not in text, f"English left in a translated reply: {sentence!r} in\n{text}"


def no_promise(text: str) -> None:
    assert not ELIGIBLE.search(text), text


def answer_until_results(chat, answers: dict[str, tuple[str, str]], limit: int = 14) -> str:
    """Answer each question by the fact it asks (from the slot `asking`) until the answer with trials comes."""
    for _ in range(limit):
        fact = (chat.slots.get("asking") or {}).get("fact")
        if fact is None:
            break
        text, intent = answers.get(fact, ("je ne sais pas", "dont_know"))
        reply = chat.text(chat.say(text, intent))
        if chat.slots.get("results_shown"):
            return reply
    return chat.text(chat.say("/show_results", "show_results"))


def test_a_french_adult_with_polycythaemia_vera_reaches_the_mpn_trial_in_french(chat):
    _ = words("fr")
    first = chat.text(chat.say("Bonjour, y a-t-il un essai clinique pour ma maladie de Vaquez ?", "find_trials"))
    assert chat.slots["language"] == "fr"
    assert _(CONSENT_TEXT, who=_("you")).split("\n")[0] in first
    no_english(first)
    chat.say("oui", "affirm")
    answers = {"age": ("j'ai 63 ans", "inform"), "sex": ("je suis une femme", "inform"),
               "medications": ("je prends de l'hydroxyurée depuis 2 ans", "inform"),
               "eln_response": ("les plaquettes ne se sont jamais normalisées", "inform"),
               "platelets": ("plaquettes à 480 000", "inform"), "haematocrit": ("hématocrite 44,5 %", "inform"),
               "country": ("en France, près de Brest", "inform")}
    reply = answer_until_results(chat, answers)
    profile = chat.slots["profile"]
    assert profile["age"] == 63 and profile["diagnoses"]["has"] == ["pv"]
    assert MPN in reply
    assert _(DECIDES) in reply
    trial = by_id(MPN)
    assert localise(trial.text("plain_title"), "fr") in reply
    assert "Brest" in reply
    assert any(localise(r.display(), "fr") in reply for r in trial.recruitment), reply
    no_english(reply)
    no_promise(reply)
    cards = chat.payload(chat.say("/show_results", "show_results"))
    assert cards["lang"] == "fr"
    assert cards["results"][0]["trial_id"] == MPN and not cards["results"][0]["english_only"]


def test_a_dutch_parent_of_a_child_with_leukaemia_in_intensive_care_reaches_the_paediatric_trial_in_dutch(chat):
    _ = words("nl")
    first = chat.text(chat.say("Hallo, mijn zoon van 6 heeft leukemie en ligt op de IC. Is er een studie voor hem?",
                               "find_trials"))
    assert chat.slots["language"] == "nl"
    no_english(first)
    chat.say("ja", "affirm")
    answers = {"infection": ("ja, ze denken aan een infectie", "inform"), "phoenix": ("Phoenix 3", "inform"),
               "ferritin": ("ferritine 3.200", "inform"), "icu_days_ago": ("2 dagen geleden", "inform"),
               "weight": ("20 kg", "inform"), "medications": ("geen medicijnen", "inform"),
               "hct": ("nee", "deny"), "dnr": ("nee", "deny"), "allergies": ("geen allergieën", "inform")}
    reply = answer_until_results(chat, answers)
    profile = chat.slots["profile"]
    assert profile["age"] == 6 and profile["icu"] is True
    assert chat.slots["voice"] == "caregiver"
    assert PAED in reply
    trial = by_id(PAED)
    assert localise(trial.text("plain_title"), "nl") in reply
    assert "Utrecht" in reply
    assert any(localise(r.display(), "nl") in reply for r in trial.recruitment), reply
    assert _("your {relation}", relation=phrase("son")) in reply
    no_english(reply)
    no_promise(reply)


def test_the_widgets_language_wins_over_the_words(chat):
    reply = chat.text(chat.say("hello", "greet", lang="nl"))
    assert chat.slots["language"] == "nl"
    assert words("nl")("Hello!") in reply


def test_a_short_answer_never_changes_the_language(chat):
    chat.say("Bonjour, je voudrais trouver un essai clinique", "find_trials")
    chat.say("oui", "affirm")
    for text in ("58", "ok", "JAK2", "ferritin 4500"):
        chat.say(text, "inform")
        assert chat.slots["language"] == "fr", text


def test_a_person_may_switch_language(chat):
    chat.say("Bonjour, je voudrais trouver un essai clinique pour mon père", "find_trials")
    assert chat.slots["language"] == "fr"
    reply = chat.text(chat.say("Sorry, could we continue in English please? My father has essential thrombocythaemia",
                               "inform"))
    assert chat.slots["language"] == "en"
    assert "Shall we go on?" in reply or words("en")(CONSENT_AGAIN) in reply


def test_forget_me_in_french_and_dutch(chat):
    for text, lang in (("oubliez-moi", "fr"), ("vergeet mij", "nl")):
        chat.say("Bonjour" if lang == "fr" else "Goedendag", "greet", lang=lang)
        chat.say("oui" if lang == "fr" else "ja", "affirm")
        chat.say("j'ai 63 ans" if lang == "fr" else "ik ben 63 jaar", "inform")
        assert chat.slots["profile"]["age"] == 63
        messages = chat.say(text, "forget_me")
        assert any((m.get("custom") or {}).get("type") == "conversation_forgotten" for m in messages), text
        assert chat.slots["profile"] is None
        assert words(lang)("Done: I've deleted everything you told me in this conversation. If you'd like to look "
                           "for trials again, say \"start\".") in chat.text(messages)


def test_an_impossible_value_is_re_asked_in_french_and_nothing_is_lost(chat):
    chat.say("Bonjour, je cherche un essai pour ma thrombocytémie essentielle", "find_trials")
    chat.say("oui", "affirm")
    chat.say("j'ai 63 ans", "inform")
    reply = chat.text(chat.say("plaquettes à 90 000 000", "inform"))
    assert chat.slots["profile"]["age"] == 63
    assert "platelets" not in chat.slots["profile"]
    assert "90" in reply
    no_english(reply)


@pytest.mark.parametrize(("said", "lang"), [("nooit helemaal normaal geworden", "nl"), ("pas complètement", "fr"),
                                            ("niet helemaal", "nl")])
def test_a_short_answer_that_counts_never_became_normal_is_partial_not_complete(chat, said, lang):
    chat.say("Bonjour, j'ai une maladie de Vaquez" if lang == "fr" else "Hallo, ik heb polycythaemia vera",
             "find_trials", lang=lang)
    chat.say("oui" if lang == "fr" else "ja", "affirm")
    chat.slots["asking"] = {"fact": "eln_response"}
    chat.say(said, "inform")
    assert chat.slots["profile"].get("eln_response") == "partial", said
