"""French messages: each reader (diagnoses, labs, ages, time, medicines, negation, doubt, relation, ICU)."""

from datetime import date

import pytest

from bot.nlp import extract
from bot.nlp.values import parse_local_number
from bot.vocab import vocabulary

TODAY = date(2025, 6, 1)


def read(text):
    return extract(text, TODAY, lang="fr")


def facts(text):
    return read(text).profile.to_dict()


def diagnoses(text):
    return facts(text).get("diagnoses", {}).get("has", [])


@pytest.mark.parametrize(("text", "concept"), [
    ("J'ai une maladie de Vaquez", "pv"), ("polyglobulie de Vaquez depuis 2019", "pv"),
    ("on m'a dit polyglobulie primitive", "pv"), ("thrombocytémie essentielle", "et"),
    ("une thrombocytemie essentielle sans accents", "et"), ("j'ai une TE", "et"), ("myélofibrose", "myelofibrosis"),
    ("un néoplasme myéloprolifératif", "mpn"), ("NMP JAK2", "mpn"), ("leucémie aiguë lymphoblastique", "all"),
    ("il a une LAL", "all"), ("elle a un cancer", "malignancy"), ("choc septique", "septic_shock"),
    ("un sepsis", "sepsis"), ("myélofibrose secondaire", "post_pv_et_mf"),
])
def test_diagnoses(text, concept):
    assert concept in diagnoses(text)


def test_english_and_dutch_names_are_read_in_french_text():
    assert "pv" in diagnoses("j'ai une polycythemia vera") and "et" in diagnoses("essentiële trombocytose")


@pytest.mark.parametrize(("text", "key", "value"), [
    ("plaquettes à 380 000", "platelets", 380), ("plaquettes 380 G/L", "platelets", 380),
    ("plaquettes à 380.000", "platelets", 380), ("hémoglobine 16,5 g/dL", "haemoglobin", 165),
    ("hématocrite 52 %", "haematocrit", 52), ("leucocytes 12,5", "wbc", 12.5), ("globules blancs à 11", "wbc", 11),
    ("ferritine 3200", "ferritin", 3200), ("INR 1,4", "inr", 1.4), ("l'hémoglobine est à 10,2", "haemoglobin", 102),
    ("ferritine à 3.200 µg/L", "ferritin", 3200), ("poids 18 kg", "weight", 18),
])
def test_labs_with_decimal_commas_and_thousands(text, key, value):
    assert facts(text)[key] == pytest.approx(value)


def test_a_comma_before_three_digits_is_not_guessed():
    assert parse_local_number("3,200", "fr") is None
    assert "ferritin" not in facts("ferritine 3,200")


@pytest.mark.parametrize(("raw", "value"), [("16,5", 16.5), ("380 000", 380000), ("380\u202f000", 380000),
                                            ("380.000", 380000), ("10.2", 10.2), ("1.234,5", 1234.5)])
def test_french_numbers(raw, value):
    assert parse_local_number(raw, "fr") == pytest.approx(value)


@pytest.mark.parametrize(("text", "age"), [
    ("j'ai 63 ans", 63), ("il a 6 ans", 6), ("ma fille de 8 mois", 8 / 12), ("mon fils a 6 ans", 6),
    ("soixante-trois ans, PV", 63), ("une femme de 72 ans", 72), ("âgé de 58 ans", 58),
    ("j'ai soixante-trois ans", 63),
])
def test_ages(text, age):
    assert facts(text)["age"] == pytest.approx(age, abs=1e-6)


@pytest.mark.parametrize("text", ["Hydréa depuis 3 ans", "il y a 2 ans", "plaquettes 450 depuis 2 ans"])
def test_durations_are_not_ages(text):
    assert "age" not in facts(text)


def _use(text, drug):
    return next(u for u in facts(text)["medications"]["taken"] if u["drug"] == drug)


@pytest.mark.parametrize(("text", "days"), [
    ("je prends de l'hydroxyurée depuis 3 mois", 3 * 365.25 / 12),
    ("Hydréa depuis un an et demi", 1.5 * 365.25), ("hydroxycarbamide depuis six mois", 6 * 365.25 / 12),
    ("Jakavi depuis mars 2024", (TODAY - date(2024, 3, 1)).days),
    ("j'ai commencé le ruxolitinib il y a 2 semaines", 14),
    ("il prend de l'anakinra depuis 10 jours", 10),
])
def test_medicines_and_since_when(text, days):
    use = next(iter(facts(text)["medications"]["taken"]))
    assert use["current"] is True and use["started_days_ago"] == pytest.approx(days)


@pytest.mark.parametrize(("text", "drug"), [
    ("Hydréa", "hydroxyurea"), ("Jakavi", "ruxolitinib"), ("Besremi", "interferon_alfa"),
    ("interféron pégylé", "interferon_alfa"), ("ropeginterféron", "interferon_alfa"), ("Xagrid", "anagrelide"),
    ("anagrélide", "anagrelide"), ("Kineret", "anakinra"), ("RoActemra", "tocilizumab"), ("Kardégic", "aspirin"),
    ("aspirine", "aspirin"), ("ciclosporine", "ciclosporin"), ("cortisone", "prednisolone"),
])
def test_brand_and_french_names(text, drug):
    assert _use(f"je prends {text}", drug)["current"] is True


def test_stopped():
    use = _use("je ne prends plus d'hydroxyurée depuis 2 mois", "hydroxyurea")
    assert use["current"] is False and use["stopped_days_ago"] == pytest.approx(2 * 365.25 / 12)
    assert _use("plus de Kardégic depuis 3 semaines", "aspirin")["current"] is False
    assert _use("Hydréa arrêté il y a 2 mois", "hydroxyurea")["current"] is False


def test_more_than_is_not_stopped():
    use = _use("Hydréa depuis plus de 3 ans", "hydroxyurea")
    assert use["current"] is True and use["started_days_ago"] == pytest.approx(3 * 365.25)


def test_only_closes_the_list():
    profile = facts("je ne prends que du Kardégic")
    assert profile["medications"]["complete"] is True and _use("je ne prends que du Kardégic", "aspirin")
    assert facts("je n'ai aucun médicament")["medications"]["complete"] is True


@pytest.mark.parametrize(("text", "key"), [
    ("pas de fièvre", "vas_fever"), ("aucune infection", "infection"), ("jamais eu de cancer", "diagnoses"),
    ("il n'a pas de sepsis", "diagnoses"), ("sans fièvre", "vas_fever"), ("elle n'est pas enceinte", "pregnant"),
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
    profile = facts("pas d'infection, plaquettes 450 G/L et une maladie de Vaquez")
    assert profile["infection"] is False and profile["platelets"] == 450 and profile["diagnoses"]["has"] == ["pv"]
    profile = facts("pas de fièvre mais des démangeaisons 7/10")
    assert profile["vas_fever"] == 0 and profile["vas_pruritus"] == 7


def test_neither_nor():
    assert set(facts("ni PV ni TE")["diagnoses"]["not"]) == {"pv", "et"}


def test_in_addition_is_no_negation():
    assert _use("en plus de l'Hydréa je prends de l'aspirine", "aspirin")["current"] is True


@pytest.mark.parametrize("text", ["je ne sais pas s'il a une infection", "pas sûr pour l'infection",
                                  "peut-être une infection"])
def test_doubt(text):
    extraction = read(text)
    assert "infection" not in extraction.profile.to_dict() and extraction.unsure == ["infection"]


@pytest.mark.parametrize(("text", "relation", "sex"), [
    ("mon fils a une LAL", "son", "male"), ("ma fille de 8 mois", "daughter", "female"),
    ("c'est pour mon père", "father", "male"), ("c'est pour ma mère", "mother", "female"),
])
def test_relation(text, relation, sex):
    extraction = read(text)
    assert extraction.speaker == "caregiver" and extraction.relation == relation
    assert extraction.profile.to_dict()["sex"] == sex


def test_sex_pregnancy_country():
    profile = facts("je suis une femme, enceinte, j'habite en France")
    assert profile["sex"] == "female" and profile["pregnant"] is True and profile["country"] == "France"
    assert facts("je vis aux Pays-Bas")["country"] == "Netherlands"
    assert "country" not in facts("j'habite à Lyon")


@pytest.mark.parametrize("text", ["il est en réa", "en réanimation depuis hier", "aux soins intensifs", "en PICU",
                                  "il est en rea"])
def test_icu(text):
    assert facts(text)["icu"] is True


def test_transplant_and_clinician():
    extraction = read("Le patient, 6 ans, LAL, greffe de cellules souches, réa, ferritine 4500")
    profile = extraction.profile.to_dict()
    assert profile["hct"] is True and profile["icu"] is True and profile["ferritin"] == 4500
    assert profile["age"] == 6 and extraction.speaker == "clinician"
    assert facts("greffe de moelle en 2023")["hct"] is True


def test_french_labels():
    voc = vocabulary()
    assert voc.label("pv", "fr").startswith("polyglobulie de Vaquez")
    assert voc.label("hydroxyurea", "fr") == "hydroxyurée"
    assert voc.label("cytoreductive", "fr").startswith("traitement cytoréducteur")
    assert voc.label("pv", "de") == voc.label("pv") == "polycythaemia vera"


@pytest.mark.parametrize(("text", "lang"), [("platelets 1200", "en"), ("plaquettes à 1200", "fr"),
                                            ("trombocyten 2500", "nl")])
def test_a_platelet_count_that_may_be_g_per_l_or_per_microlitre_is_asked_again(text, lang):
    """1,200 may be G/L (essential thrombocythaemia) or per µL (1.2 G/L): either reading decides trials."""
    reading = extract(text, lang=lang)
    assert "platelets" not in reading.profile.to_dict()
    assert [p.fact for p in reading.problems] == ["platelets"]


def test_platelet_counts_with_a_unit_or_per_microlitre_are_read():
    assert extract("plaquettes 1200 G/L", lang="fr").profile.get("platelets") == 1200
    assert extract("plaquettes à 450 000", lang="fr").profile.get("platelets") == 450
    assert extract("platelets 85000", lang="en").profile.get("platelets") == 85


@pytest.mark.parametrize("text", ["mes plaquettes ne se sont jamais normalisées",
                                  "mes plaquettes ne sont pas redevenues normales"])
def test_counts_that_never_became_normal_are_a_partial_response(text):
    assert extract(text, lang="fr").profile.get("eln_response") == "partial"
