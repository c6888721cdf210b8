"""Free text to facts: the clinician's and the caregiver's phrasings, negation kept inside its clause."""

import pytest

from bot.nlp import extract


def facts(text):
    return extract(text).profile.to_dict()


@pytest.mark.parametrize(
    ("text", "age"),
    [("6 y/o", 6), ("6yo boy", 6), ("a 6-year-old", 6), ("5 month old", 5 / 12), ("my daughter is 6", 6),
     ("I'm 67", 67), ("aged 67", 67), ("67F", 67), ("she is 8 months old", 8 / 12), ("turns 18 today", 18),
     ("age: 3 weeks", 3 * 7 / 365.25), ("she has PV and is 72", 72), ("I am now 45", 45)],
)
def test_ages(text, age):
    assert facts(text)["age"] == pytest.approx(age, abs=1e-6)


@pytest.mark.parametrize("text", ["my platelet count is 85", "the pain is 10 out of 10", "ferritin is 4500",
                                  "it is 3 points", "weight is 18 kg"])
def test_numbers_after_is_are_not_ages_when_they_belong_to_something_else(text):
    assert "age" not in facts(text)


def test_clinician_one_liner():
    profile = facts("6 y/o, ALL post-HCT, PICU, Phoenix 3, ferritin 4500 — anything?")
    assert profile["age"] == 6 and profile["hct"] is True and profile["icu"] is True
    assert profile["phoenix"] == 3 and profile["ferritin"] == 4500
    assert profile["diagnoses"]["has"] == ["all"]


@pytest.mark.parametrize(("text", "key", "value"),
                         [("ferritin 2.5 mg/L", "ferritin", 2500), ("plt 90,000/µL", "platelets", 90),
                          ("platelets 150 x 10^3/µL", "platelets", 150), ("plt 85k", "platelets", 85),
                          ("ANC 0.8 x10^9/L", "neutrophils", 0.8), ("Hb 10.5 g/dL", "haemoglobin", 105),
                          ("bilirubin 2 mg/dL", "bilirubin", 34.21), ("INR 2.5", "inr", 2.5), ("PT 22 s", "pt", 22),
                          ("weighs 18 kg", "weight", 18), ("40 lbs", "weight", 18.14), ("Hct 45%", "haematocrit", 45),
                          ("itching 7/10", "vas_pruritus", 7), ("fatigue 6 out of 10", "vas_fatigue", 6),
                          ("Phoenix sepsis score of 2", "phoenix", 2)])
def test_values_with_units(text, key, value):
    assert facts(text)[key] == pytest.approx(value, abs=0.01)


def test_medication_durations_and_windows():
    meds = facts("on hydroxycarbamide for 7 months")["medications"]["taken"]
    assert meds == [{"drug": "hydroxyurea", "current": True, "started_days_ago": pytest.approx(213.06, abs=0.1)}]
    meds = facts("infliximab 3 days before ICU admission")["medications"]["taken"]
    assert meds[0]["drug"] == "infliximab" and meds[0]["days_before_icu"] == 3
    stopped = facts("I stopped hydroxyurea last month")["medications"]["taken"][0]
    assert stopped["current"] is False and stopped["stopped_days_ago"] == pytest.approx(30.44, abs=0.01)


@pytest.mark.parametrize(("text", "drug"), [("on Hydrea", "hydroxyurea"), ("taking hydroxycarbamide", "hydroxyurea"),
                                            ("Kineret", "anakinra"), ("Jakavi", "ruxolitinib"),
                                            ("Remicade", "infliximab"), ("ciclosporin", "ciclosporin")])
def test_brand_names_and_british_spellings_resolve_to_one_drug(text, drug):
    assert facts(text)["medications"]["taken"][0]["drug"] == drug


@pytest.mark.parametrize(("text", "code"), [("polycythaemia vera", "pv"), ("polycythemia vera", "pv"), ("PV", "pv"),
                                            ("essential thrombocythaemia", "et"), ("ET", "et"),
                                            ("myelofibrosis", "myelofibrosis"), ("primary myelofibrosis", "pmf"),
                                                ("post-PV myelofibrosis", "post_pv_et_mf"), ("leukemia", "leukaemia"),
                                            ("acute lymphoblastic leukaemia", "all"), ("septic shock", "septic_shock"),
                                            ("haemophagocytic lymphohistiocytosis", "hlh")])
def test_synonyms_abbreviations_and_spellings_resolve_to_one_concept(text, code):
    assert facts(text)["diagnoses"]["has"] == [code]


def test_lowercase_all_is_not_leukaemia():
    assert "diagnoses" not in facts("that is all, thanks")


@pytest.mark.parametrize(("text", "expected"),
                         [("no DNR", {"dnr": False}), ("not pregnant", {"pregnant": False}),
                          ("she isn't breastfeeding", {"breastfeeding": False}),
                          ("never been in intensive care", {"icu": False}),
                          ("not in another trial", {"other_trial": False})])
def test_negated_flags(text, expected):
    assert expected.items() <= facts(text).items()


def test_negated_diagnosis_is_denied_not_asserted():
    assert facts("no history of cancer")["diagnoses"] == {"has": [], "not": ["malignancy"], "none": False}


def test_negation_stays_inside_its_clause():
    profile = facts("No infections, platelets 450 G/L and PV")
    assert profile["infection"] is False and profile["platelets"] == 450
    assert profile["diagnoses"]["has"] == ["pv"]
    profile = facts("no fever but itching 8/10 and DNR in place")
    assert profile["vas_fever"] == 0 and profile["vas_pruritus"] == 8 and profile["dnr"] is True


def test_three_facts_in_one_sentence():
    profile = facts("I'm 67, I have ET and my platelets are 85")
    assert (profile["age"], profile["diagnoses"]["has"], profile["platelets"]) == (67, ["et"], 85)


def test_caregiver_speaks_about_the_patient():
    result = extract("my daughter is 6 and has leukaemia")
    assert result.speaker == "caregiver" and result.relation == "daughter"
    assert result.profile.get("sex") == "female" and result.profile.get("age") == 6


def test_allergies_and_denied_medicine_classes():
    profile = facts("allergic to anakinra, no immunosuppressants, no other medications")
    assert profile["allergies"]["has"] == ["anakinra"]
    assert profile["medications"]["not"] == ["immunosuppressant"] and profile["medications"]["complete"] is True
    assert facts("no known allergies")["allergies"]["none"] is True


@pytest.mark.parametrize(("text", "fact", "word"),
                         [("I'm 300", "age", "300 years is not a possible age"),
                          ("platelets lots", "platelets", "couldn't read a number"),
                          ("-5 kg", "weight", "not a possible body weight"),
                          ("ferritin 2500 mmol/dL", "ferritin", "unit 'mmol/dL'")])
def test_impossible_or_unclear_values_become_problems_not_facts(text, fact, word):
    result = extract(text)
    assert fact not in result.profile.to_dict()
    assert any(p.fact == fact and word in p.message for p in result.problems)


def test_a_bad_value_does_not_spoil_the_others():
    result = extract("I'm 300, I have PV and platelets 250")
    assert result.profile.get("platelets") == 250 and result.profile.diagnoses.asserted == {"pv"}
    assert [p.fact for p in result.problems] == ["age"]


def test_huge_messages_are_cut_with_a_problem():
    result = extract("platelets 85 " + "x" * 5000)
    assert result.profile.get("platelets") == 85
    assert result.problems[0].fact == "message"


def test_markup_is_only_text():
    result = extract("<script>alert(1)</script> I'm 67 <b>with ET</b>")
    assert result.profile.get("age") == 67 and result.profile.diagnoses.asserted == {"et"}


@pytest.mark.parametrize(("text", "key", "value"), [
    ("INR 2.5, it improved after vitamin K", "vitamin_k_corrects", True),
    ("INR 2.5 that did not improve after vitamin K", "vitamin_k_corrects", False),
    ("ruxolitinib for GVHD 3 days before PICU", "treated_for_hyperinflammation", False),
    ("tocilizumab for the cytokine storm", "treated_for_hyperinflammation", True),
    ("she is in another drug study", "other_trial_drug", True),
    ("he takes interferon beta", "medications", {"taken": [{"drug": "interferon_beta", "current": True}],
                                                "not": [], "complete": False}),
    ("on low molecular weight heparin", "medications", {"taken": [{"drug": "lmwh_unspecified", "current": True}],
                                                       "not": [], "complete": False}),
])
def test_the_qualifiers_partial_rules_ask_about_are_read(text, key, value):
    assert facts(text)[key] == value


@pytest.mark.parametrize(("text", "code"), [("adult-onset Still's disease", "aosd"), ("systemic JIA", "sjia"),
                                            ("Muckle-Wells syndrome", "muckle_wells"), ("NOMID", "nomid"),
                                            ("a fungal infection", "fungal_infection"),
                                            ("invasive aspergillosis", "invasive_fungal_infection"),
                                            ("chronic kidney failure", "chronic_kidney_failure"),
                                            ("a tumour", "neoplasm"), ("medulloblastoma", "medulloblastoma")])
def test_diagnoses_are_read_no_wider_than_said(text, code):
    assert facts(text)["diagnoses"]["has"] == [code]


def test_a_treatment_with_how_long_ago_it_was():
    from bot.nlp.extract import extract

    assert extract("I had radiotherapy 3 months ago").profile.values == {"radiotherapy": True,
                                                                          "radiotherapy_days_ago": 91.3125}
    assert extract("no radiation treatment ever").profile.values == {"radiotherapy": False}
