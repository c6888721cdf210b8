"""Every rule kind, three-valued, and parse errors that name the problem."""

import pytest

from bot.criteria import RuleError, parse_rule
from bot.profile import profile_from_mapping


def ev(rule, **facts):
    return parse_rule(rule).evaluate(profile_from_mapping(facts))


LOW_PLT = {"fact": "platelets", "op": "<", "value": 100, "unit": "G/L"}


def test_comparison_met_not_met_unknown_with_numbers_in_the_reason():
    met = ev(LOW_PLT, platelets="85 G/L")
    assert met.value is True and met.reasons == ["platelet count 85 G/L, below 100 G/L"]
    assert ev(LOW_PLT, platelets="100 G/L").value is False
    unknown = ev(LOW_PLT)
    assert unknown.value is None and unknown.missing == ["platelets"]


@pytest.mark.parametrize(("op", "value", "expected"),
                         [("<", 2, False), ("<=", 2, True), (">", 2, False), (">=", 2, True), ("==", 2, True)])
def test_operators_at_the_boundary(op, value, expected):
    assert ev({"fact": "inr", "op": op, "value": value}, inr=2).value is expected


def test_threshold_in_other_units_is_converted():
    rule = {"fact": "ferritin", "op": ">=", "value": 2, "unit": "mg/L"}
    assert ev(rule, ferritin="2000 ng/mL").value is True
    assert ev(rule, ferritin="1999 µg/L").value is False


def test_yes_no_and_enum_rules():
    assert ev({"fact": "dnr", "is": True}, dnr=True).value is True
    assert ev({"fact": "dnr", "is": True}, dnr=False).value is False
    assert ev({"fact": "dnr", "is": True}).value is None
    rule = {"fact": "eln_response", "in": ["partial", "none"]}
    assert ev(rule, eln_response="partial").value is True
    assert ev(rule, eln_response="complete").value is False


def test_concept_hierarchy_denial_and_closed_diagnosis_list():
    rule = {"fact": "diagnoses", "within": ["malignancy"]}
    assert ev(rule, diagnoses=["all"]).value is True
    assert ev(rule, diagnoses=["neuroblastoma"]).value is True
    assert ev(rule, diagnoses=["pv"]).value is False  # malignancy is ICD-10's C00-C97; PV is D45
    assert ev({"fact": "diagnoses", "within": ["cancer_who"]}, diagnoses=["pv"]).value is True  # WHO: a neoplasm
    assert ev(rule, diagnoses=["sepsis"]).value is False  # the diagnoses said are the diagnoses
    assert ev(rule, diagnoses={"not": ["malignancy"]}).value is False
    assert ev(rule, diagnoses={"not": ["leukaemia"]}).value is None  # no leukaemia says nothing of tumours
    assert ev({"fact": "diagnoses", "within": ["mpn"]}, diagnoses=["all"]).value is False


def test_allergies_are_an_open_list():
    rule = {"fact": "allergies", "within": ["anakinra", "e_coli_proteins"]}
    assert ev(rule, allergies=["anakinra"]).value is True
    assert ev(rule, allergies=["aspirin"]).value is None
    assert ev(rule, allergies={"none": True}).value is False


def test_kleene_logic_for_all_any_not():
    t = {"fact": "dnr", "is": True}
    f = {"fact": "icu", "is": True}
    u = {"fact": "pregnant", "is": True}
    facts = {"dnr": True, "icu": False, "sex": "female", "age": "30 years"}
    table = [("any", [t, u], True), ("any", [f, u], None), ("any", [f, f], False),
             ("all", [f, u], False), ("all", [t, u], None), ("all", [t, t], True)]
    for kind, parts, expected in table:
        assert ev({kind: parts}, **facts).value is expected, (kind, parts)
    assert ev({"not": t}, **facts).value is False
    assert ev({"not": u}, **facts).value is None


CYTO = {"medication": {"classes": ["cytoreductive"]}, "current": True, "min_duration": "6 months"}


def test_medication_current_for_a_minimum_time_by_class_and_brand():
    assert ev(CYTO, medications=[{"drug": "hydroxyurea", "since": "7 months"}]).value is True
    short = ev(CYTO, medications=[{"drug": "hydroxyurea", "since": "3 months"}])
    assert short.value is False and "3 months" in short.reasons[0]
    assert ev(CYTO, medications=[{"drug": "hydroxyurea", "current": True}]).value is None
    assert ev(CYTO, medications=[{"drug": "hydroxyurea", "stopped": "1 month"}]).value is False
    assert ev(CYTO, medications={"complete": True}).value is False
    assert ev(CYTO).value is None


def test_medication_window_before_icu_admission():
    rule = {"medication": {"drugs": ["anakinra"]}, "within": "1 month", "before": "icu"}
    assert ev(rule, medications=[{"drug": "anakinra", "before_icu": "20 days"}]).value is True
    assert ev(rule, medications=[{"drug": "anakinra", "before_icu": "40 days"}]).value is False
    assert ev(rule, medications={"not": ["anakinra"]}).value is False
    assert ev(rule, medications={"not": ["il1_blocker"]}).value is False  # a denied class covers its drugs
    # stopped 10 days ago, ICU admission unknown: the gap before ICU is at most 10 days
    assert ev(rule, medications=[{"drug": "anakinra", "stopped": "10 days"}]).value is True
    assert ev(rule, medications=[{"drug": "anakinra", "stopped": "60 days"}]).value is None
    assert ev(rule, icu_days_ago=30, medications=[{"drug": "anakinra", "stopped": "60 days"}]).value is True
    assert ev(rule, icu_days_ago=2, medications=[{"drug": "anakinra", "stopped": "60 days"}]).value is False


def test_medication_within_half_lives_uses_each_drugs_half_life():
    rule = {"medication": {"classes": ["tnf_blocker"]}, "within_half_lives": 5, "before": "icu"}
    assert ev(rule, medications=[{"drug": "infliximab", "before_icu": "40 days"}]).value is True  # 47.5 d
    assert ev(rule, medications=[{"drug": "etanercept", "before_icu": "40 days"}]).value is False  # 21.5 d
    assert ev(rule, medications=[{"drug": "aspirin", "current": True}]).value is None


def test_medication_class_denial_needs_every_class():
    rule = {"medication": {"classes": ["biologic", "jak_inhibitor"]}, "within": "7 days", "before": "icu"}
    assert ev(rule, medications={"not": ["biologic"]}).value is None
    assert ev(rule, medications={"not": ["biologic", "jak_inhibitor"]}).value is False


@pytest.mark.parametrize(
    ("rule", "message"),
    [({"fact": "shoe_size", "op": ">", "value": 1}, "unknown fact 'shoe_size'"),
     ({"fact": "platelets", "op": "<", "value": 100, "unit": "furlongs"}, "furlongs"),
     ({"fact": "platelets", "op": "<", "value": 100}, "needs a unit"),
     ({"fact": "platelets", "op": "≪", "value": 100, "unit": "G/L"}, "unknown operator"),
     ({"fact": "diagnoses", "within": ["dragon_pox"]}, "unknown concept 'dragon_pox'"),
     ({"fact": "eln_response", "in": ["great"]}, "unknown value"),
     ({"fact": "dnr", "is": "yes"}, "true or false"),
     ({"medication": {"drugs": ["unobtainium"]}, "current": True}, "unknown drug"),
     ({"medication": {"classes": ["magic"]}, "current": True}, "unknown drug class"),
     ({"medication": {"drugs": ["anakinra"]}}, "needs current"),
     ({"any": []}, "non-empty"),
     ({"whatever": 1}, "unknown rule kind")],
)
def test_bad_rules_are_refused_with_the_path_and_problem(rule, message):
    with pytest.raises(RuleError) as error:
        parse_rule({"all": [{"fact": "icu", "is": True}, rule]}, "criteria.exclusion[3].rule")
    assert message in str(error.value)
    assert error.value.path.startswith("criteria.exclusion[3].rule.all[1]")


def test_unknown_medication_timing_says_what_exactly_is_missing():
    since = ev(CYTO, medications=[{"drug": "hydroxyurea", "current": True}])
    assert since.details == [{"kind": "since", "drug": "hydroxyurea"}]
    rule = {"any": [{"fact": "dnr", "is": True},
                    {"medication": {"drugs": ["anakinra"]}, "within": "1 month", "before": "icu"}]}
    before = ev(rule, dnr=False, medications=[{"drug": "anakinra", "stopped": "60 days"}])
    assert before.value is None and before.details == [{"kind": "before_icu", "drug": "anakinra"}]


def test_borderline_concepts_leave_the_rule_to_the_study_team():
    rule = {"fact": "diagnoses", "within": ["malignancy"], "borderline": ["myeloid_neoplasm"]}
    mds = ev(rule, diagnoses=["mds"])
    assert mds.value is None and mds.missing == [] and "myelodysplastic" in mds.reasons[0]
    assert ev(rule, diagnoses=["all"]).value is True
    assert ev(rule, diagnoses=["sepsis"]).value is False


def test_a_less_precise_diagnosis_never_fails_a_more_precise_line():
    rule = {"fact": "diagnoses", "within": ["post_pv_et_mf"]}
    vague = ev(rule, diagnoses=["myelofibrosis"])
    assert vague.value is None and vague.missing == []
    assert ev(rule, diagnoses=["pmf"]).value is False  # primary myelofibrosis is not after PV or ET
    assert ev(rule, diagnoses=["post_pv_et_mf"]).value is True


def test_borderline_concepts_are_checked_when_parsed():
    with pytest.raises(RuleError, match="unknown concept 'no_such'"):
        parse_rule({"fact": "diagnoses", "within": ["malignancy"], "borderline": ["no_such"]})


def test_chronic_kidney_disease_is_not_organ_failure_but_kidney_failure_is():
    assert ev({"fact": "organ_failure", "is": True}, diagnoses=["ckd"]).value is None
    assert ev({"fact": "organ_failure", "is": True}, diagnoses=["esrd"]).value is True


def test_a_medicine_known_only_by_name_is_never_counted_out_of_a_class():
    """Drugs from the drug-name package have no class: a class rule leaves them to the study team."""
    rule = {"medication": {"classes": ["corticosteroid"]}, "current": True}
    on_budesonide = ev(rule, medications={"taken": [{"drug": "budesonide", "current": True}], "complete": True})
    assert on_budesonide.value is None and "budesonide" in on_budesonide.reasons[0]
    assert ev(rule, medications={"taken": [{"drug": "hydroxyurea", "current": True}], "complete": True}).value is False


def test_classes_given_by_atc_code_take_in_the_curated_drugs_of_that_code():
    rule = {"medication": {"classes": ["chemotherapy"], "borderline": ["anticancer"]}, "ever": True}
    assert ev(rule, medications=[{"drug": "cyclophosphamide", "current": True}]).value is True  # L01AA01
    on_hydroxyurea = ev(rule, medications={"taken": [{"drug": "hydroxyurea", "current": True}], "complete": True})
    assert on_hydroxyurea.value is None  # anticancer (L01XX05) but not cytotoxic: for the study team
    assert ev(rule, medications={"taken": [{"drug": "warfarin", "current": True}], "complete": True}).value is False
