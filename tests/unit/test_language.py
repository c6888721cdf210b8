"""Which language a message is in: clear messages are told apart, short answers never flip the language."""

import pytest

from bot.nlp.language import detect, switch_to


@pytest.mark.parametrize("text", ["58", "ok", "OK", "JAK2", "ferritin 4500", "Hydrea", "ruxolitinib", "PV", "no",
                                  "polycythaemia vera", "Vaquez", "", "  ", "?", "12/03/2024", "trombocyten 85",
                                  "plaquettes 380", "de"])
def test_short_answers_and_names_say_nothing(text):
    assert detect(text) is None


@pytest.mark.parametrize(("text", "lang"), [
    ("bonjour", "fr"), ("Bonjour !", "fr"), ("oui", "fr"), ("merci", "fr"), ("non", "fr"),
    ("j'ai 63 ans", "fr"), ("Je prends de l'hydroxyurée depuis 3 mois", "fr"), ("Il est en réa", "fr"),
    ("c'est pour mon père", "fr"), ("58 ans", "fr"),
    ("ja", "nl"), ("nee", "nl"), ("hallo", "nl"), ("dank je", "nl"), ("Dank je wel", "nl"), ("ik ben 63", "nl"),
    ("mijn zoon heeft ALL", "nl"), ("Hij ligt op de IC", "nl"), ("6 jaar", "nl"),
    ("hello", "en"), ("yes", "en"), ("I'm 63", "en"), ("I am 58 and I have PV", "en"),
    ("is there a trial for my son?", "en"),
])
def test_clear_messages(text, lang):
    assert detect(text) == lang


def test_longer_messages_are_read_by_langid():
    assert detect("Bonjour, mon mari a une maladie de Vaquez et il prend de l'Hydréa depuis deux ans.") == "fr"
    assert detect("Goedemiddag, mijn dochter heeft leukemie en ligt sinds gisteren op de intensive care.") == "nl"
    assert detect("Hello, my husband has polycythaemia vera and has taken hydroxyurea for two years.") == "en"


@pytest.mark.parametrize(("text", "current", "expected"), [
    ("de Phoenix score is 3", "nl", None),
    ("ferritine 3.200", "nl", None),
    ("JAK2 positive, on hydroxyurea", "fr", None),
    ("Sorry, could we continue in English please? My father has essential thrombocythaemia", "fr", "en"),
    ("je suis une femme", "en", "fr"),
    ("mijn dochter is 6 jaar en ligt op de IC", "en", "nl"),
])
def test_a_conversation_switches_language_only_on_a_clear_message(text, current, expected):
    assert switch_to(text, current) == expected
