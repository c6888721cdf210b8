"""Dutch messages: each reader (diagnoses, labs and Dutch dots, ages, time, medicines, negation, doubt, ICU)."""

from datetime import date

import pytest

from bot.nlp import extract
from bot.nlp.values import parse_local_number
from bot.vocab import vocabulary

TODAY = date(2025, 6, 1)


def read(text):
    return extract(text, TODAY, lang="nl")


def facts(text):
    return read(text).profile.to_dict()


def diagnoses(text):
    return facts(text).get("diagnoses", {}).get("has", [])


@pytest.mark.parametrize(("text", "concept"), [
    ("ik heb polycythaemia vera", "pv"), ("essentiële trombocytose", "et"), ("essentiele trombocytemie", "et"),
    ("myelofibrose", "myelofibrosis"), ("acute lymfatische leukemie", "all"), ("hij heeft ALL", "all"),
    ("leukemie", "leukaemia"), ("kanker", "malignancy"), ("bloedvergiftiging", "sepsis"), ("sepsis", "sepsis"),
    ("septische shock", "septic_shock"), ("maladie de Vaquez", "pv"),
])
def test_diagnoses(text, concept):
    assert concept in diagnoses(text)


@pytest.mark.parametrize(("text", "key", "value"), [
    ("trombocyten 85", "platelets", 85), ("hemoglobine 10,2", "haemoglobin", 102),
    ("leukocyten 12,5", "wbc", 12.5), ("ferritine 3.200", "ferritin", 3200),
    ("ferritine is 3200 µg/L", "ferritin", 3200),
    ("trombocyten 380.000", "platelets", 380), ("INR 1,4", "inr", 1.4), ("hematocriet 52%", "haematocrit", 52),
    ("hemoglobine 10.2", "haemoglobin", 102), ("het gewicht is 18 kg", "weight", 18),
])
def test_labs_with_decimal_commas_and_dutch_dots(text, key, value):
    assert facts(text)[key] == pytest.approx(value)


@pytest.mark.parametrize(("raw", "value"), [
    ("3.200", 3200), ("380.000", 380000), ("1.234,5", 1234.5), ("10,2", 10.2), ("10.2", 10.2), ("12.50", 12.5),
    ("0.5", 0.5), ("1.000.000", 1000000),
])
def test_a_dot_before_exactly_three_digits_groups_thousands(raw, value):
    assert parse_local_number(raw, "nl") == pytest.approx(value)


@pytest.mark.parametrize("raw", ["3,200", "1.2.3", "1.234.5"])
def test_numbers_that_would_be_guesses_are_not_read(raw):
    assert parse_local_number(raw, "nl") is None


@pytest.mark.parametrize(("text", "age"), [
    ("mijn zoon is 6 jaar", 6), ("hij is 6", 6), ("hij is 6, heeft ALL", 6), ("ik ben 63", 63),
    ("mijn dochter van 8 maanden", 8 / 12), ("zes jaar oud", 6), ("een 6-jarige jongen", 6),
    ("ik ben achtenvijftig", 58),
])
def test_ages(text, age):
    assert facts(text)["age"] == pytest.approx(age, abs=1e-6)


@pytest.mark.parametrize("text", ["ik ben 12 weken zwanger", "hij is 18 kg", "sinds 3 jaar hydroxyurea"])
def test_not_ages(text):
    assert "age" not in facts(text)


def _use(text, drug):
    return next(u for u in facts(text)["medications"]["taken"] if u["drug"] == drug)


@pytest.mark.parametrize(("text", "days"), [
    ("ik neem hydroxyurea sinds 3 maanden", 3 * 365.25 / 12), ("hij krijgt anakinra sinds 10 dagen", 10),
    ("Ascal sinds maart 2024", (TODAY - date(2024, 3, 1)).days), ("ruxolitinib al anderhalf jaar", 1.5 * 365.25),
    ("ik ben 2 weken geleden begonnen met Jakavi", 14), ("hydroxyurea sinds zes maanden", 6 * 365.25 / 12),
])
def test_medicines_and_since_when(text, days):
    use = next(iter(facts(text)["medications"]["taken"]))
    assert use["current"] is True and use["started_days_ago"] == pytest.approx(days)


@pytest.mark.parametrize(("text", "drug"), [
    ("Hydrea", "hydroxyurea"), ("hydroxycarbamide", "hydroxyurea"), ("Jakavi", "ruxolitinib"),
    ("Besremi", "interferon_alfa"), ("Pegasys", "interferon_alfa"), ("Xagrid", "anagrelide"),
    ("Kineret", "anakinra"), ("RoActemra", "tocilizumab"), ("Ascal", "aspirin"), ("acetylsalicylzuur", "aspirin"),
    ("ciclosporine", "ciclosporin"), ("prednisolon", "prednisolone"),
])
def test_brand_and_dutch_names(text, drug):
    assert _use(f"ik neem {text}", drug)["current"] is True


def test_stopped():
    use = _use("gestopt met hydroxyurea 2 weken geleden", "hydroxyurea")
    assert use["current"] is False and use["stopped_days_ago"] == pytest.approx(14)
    assert _use("ik gebruik geen Ascal meer", "aspirin")["current"] is False


def test_only_closes_the_list():
    assert facts("ik neem alleen hydroxyurea")["medications"]["complete"] is True
    assert facts("geen medicijnen")["medications"]["complete"] is True


@pytest.mark.parametrize(("text", "key"), [
    ("geen koorts", "vas_fever"), ("hij heeft geen infectie", "infection"), ("nooit kanker gehad", "diagnoses"),
    ("zonder koorts", "vas_fever"), ("ik ben niet zwanger", "pregnant"), ("hij ligt niet op de IC", "icu"),
])
def test_negation(text, key):
    profile = facts(text)
    if key == "diagnoses":
        assert profile["diagnoses"]["not"] and not profile["diagnoses"]["has"]
    elif key.startswith("vas_"):
        assert profile[key] == 0
    else:
        assert profile[key] is False


def test_negation_stops_at_the_clause():
    profile = facts("geen infectie, trombocyten 450 en essentiële trombocytose")
    assert profile["infection"] is False and profile["platelets"] == 450 and profile["diagnoses"]["has"] == ["et"]
    profile = facts("geen koorts maar wel jeuk 6/10")
    assert profile["vas_fever"] == 0 and profile["vas_pruritus"] == 6


def test_not_only_is_no_negation():
    assert _use("niet alleen hydroxyurea maar ook Ascal", "hydroxyurea")["current"] is True


@pytest.mark.parametrize("text", ["weet ik niet of hij een infectie heeft", "misschien een infectie",
                                  "geen idee over infecties", "niet zeker van een infectie"])
def test_doubt(text):
    extraction = read(text)
    assert "infection" not in extraction.profile.to_dict() and extraction.unsure == ["infection"]


@pytest.mark.parametrize(("text", "relation", "sex"), [
    ("mijn zoon heeft ALL", "son", "male"), ("mijn dochter is 8", "daughter", "female"),
    ("het is voor mijn moeder", "mother", "female"), ("voor mijn vader", "father", "male"),
])
def test_relation(text, relation, sex):
    extraction = read(text)
    assert extraction.speaker == "caregiver" and extraction.relation == relation
    assert extraction.profile.to_dict()["sex"] == sex


def test_sex_pregnancy_country():
    profile = facts("ik ben een vrouw en zwanger, ik woon in Nederland")
    assert profile["sex"] == "female" and profile["pregnant"] is True and profile["country"] == "Netherlands"
    assert facts("ik ben een man uit Frankrijk")["country"] == "France"
    assert facts("ik ben een man")["sex"] == "male"
    assert "country" not in facts("ik woon in Utrecht")


@pytest.mark.parametrize("text", ["hij ligt op de IC", "op de intensive care", "opgenomen op de PICU",
                                  "kinder-IC sinds gisteren"])
def test_icu(text):
    assert facts(text)["icu"] is True


def test_clinician_one_liner():
    extraction = read("Patiënt van 6, ALL na stamceltransplantatie, PICU, Phoenix 3, ferritine 4.500")
    profile = extraction.profile.to_dict()
    assert profile["age"] == 6 and profile["hct"] is True and profile["icu"] is True
    assert profile["phoenix"] == 3 and profile["ferritin"] == 4500
    assert facts("beenmergtransplantatie in 2023")["hct"] is True


def test_dutch_labels():
    voc = vocabulary()
    assert voc.label("et", "nl") == "essentiële trombocytemie"
    assert voc.label("aspirin", "nl").startswith("acetylsalicylzuur")
    assert voc.label("vasoactive", "nl").startswith("vasoactief")


def test_a_referring_doctor_writes_about_a_patient_of_an_age():
    assert extract("Patiënt van 6 jaar, ALL na stamceltransplantatie, op de PICU, Phoenix 3", lang="nl").speaker == (
        "clinician")


@pytest.mark.parametrize("text", ["mijn bloedwaarden zijn nooit helemaal normaal geworden",
                                  "mijn waarden zijn nooit normaal geworden"])
def test_counts_that_never_became_normal_are_a_partial_response(text):
    assert extract(text, lang="nl").profile.get("eln_response") == "partial"
