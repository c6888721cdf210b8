"""The criteria parser reads only what it can read with confidence; everything else stays manual, with why."""

import json
import re
from pathlib import Path

import pytest

from bot.cli import main
from bot.registry.check import check_line
from bot.registry.criteria_parser import parse_line

GOLD = Path(__file__).resolve().parents[3] / "shared" / "criteria_gold" / "derived"


def rule(text, kind="inclusion"):
    parsed = parse_line(text, kind)
    return parsed.rule


@pytest.mark.parametrize(("text", "expected"), [
    ("Age ≥ 18 years", {"fact": "age", "op": ">=", "value": 18, "unit": "year"}),
    ("18 years of age or older", {"fact": "age", "op": ">=", "value": 18, "unit": "year"}),
    ("Patients older than 65 years", {"fact": "age", "op": ">=", "value": 65, "unit": "year"}),  # from the birthday
    ("Children younger than 18 years", {"fact": "age", "op": "<", "value": 18, "unit": "year"}),
    ("Aged between 2 and 17 years", {"all": [{"fact": "age", "op": ">=", "value": 2, "unit": "year"},
                                             {"fact": "age", "op": "<", "value": 18, "unit": "year"}]}),
    ("Age ≤ 75 years", {"fact": "age", "op": "<", "value": 76, "unit": "year"}),  # until the 76th birthday
])
def test_ages_follow_the_register_convention(text, expected):
    assert rule(text) == expected


@pytest.mark.parametrize(("text", "kind", "expected"), [
    ("Platelet count ≥ 100 x 10^9/L", "inclusion", {"fact": "platelets", "op": ">=", "value": 100, "unit": "x 10^9/L"}),
    ("Platelets < 50,000/mm3", "exclusion", {"fact": "platelets", "op": "<", "value": 50000, "unit": "/mm3"}),
    ("Absolute neutrophil count of at least 1.5 × 10^9/L", "inclusion",
     {"fact": "neutrophils", "op": ">=", "value": 1.5, "unit": "× 10^9/L"}),
    ("Hemoglobin less than 8 g/dL", "exclusion", {"fact": "haemoglobin", "op": "<", "value": 8, "unit": "g/dL"}),
    ("Serum ferritin > 500 ng/mL", "inclusion", {"fact": "ferritin", "op": ">", "value": 500, "unit": "ng/mL"}),
    ("INR above 1.5", "exclusion", {"fact": "inr", "op": ">", "value": 1.5}),
])
def test_lab_values_keep_the_threshold_and_unit_the_text_states(text, kind, expected):
    assert rule(text, kind) == expected


def test_labs_joined_by_and_in_an_inclusion_are_all_required():
    assert rule("Hemoglobin greater than 9 g/dL and absolute neutrophil count ≥ 1,500/µL") == {"all": [
        {"fact": "haemoglobin", "op": ">", "value": 9, "unit": "g/dL"},
        {"fact": "neutrophils", "op": ">=", "value": 1500, "unit": "/µL"}]}


@pytest.mark.parametrize(("text", "why"), [
    ("Platelets < 100", "no unit"),  # a number without the unit the fact needs
    ("Haemoglobin ≥ 0.8 × LLN", "normal range"),
    ("Adequate bone marrow function", "no statement"),
    ("Patients with no history of malignancy", "negation"),
    ("Patients not receiving hydroxyurea", "negation"),
    ("Gestational age 35 to 39 weeks", "does not ask about"),  # named, never a rule on the age
])
def test_what_it_cannot_read_with_confidence_stays_manual_with_why(text, why):
    parsed = parse_line(text, "inclusion")
    assert parsed.rule is None and why in parsed.manual


@pytest.mark.parametrize(("text", "expected"), [
    ("Treatment with ruxolitinib within 4 weeks before enrolment",
     {"medication": {"drugs": ["ruxolitinib"]}, "within": "4 weeks"}),
    ("Use of corticosteroids within 72 hours of randomization",
     {"medication": {"classes": ["corticosteroid"]}, "within": "72 hours"}),
    ("Prior treatment with a JAK inhibitor", {"medication": {"classes": ["jak_inhibitor"]}, "ever": True}),
    ("Concomitant use of warfarin", {"medication": {"drugs": ["warfarin"]}, "current": True}),
])
def test_medicines_now_ever_or_in_a_window_of_hours_to_months(text, expected):
    assert rule(text, "exclusion") == expected


def test_pregnancy_lines():
    assert rule("Pregnant or breastfeeding women", "exclusion") == {
        "any": [{"fact": "pregnant", "is": True}, {"fact": "breastfeeding", "is": True}]}
    test = parse_line("Negative serum pregnancy test at screening", "inclusion")
    assert test.rule == {"fact": "pregnant", "is": False} and test.partial == "necessary"
    assert rule("Female subjects must use a highly effective method for avoidance of pregnancy", "exclusion") is None
    assert rule("Pregnant women", "inclusion") is None  # a trial that requires pregnancy stays manual


def test_diagnoses_in_an_or_list_and_malignancy_means_c_codes():
    assert rule("Known HIV, hepatitis B or hepatitis C infection", "exclusion") == {
        "fact": "diagnoses", "within": ["hiv", "hepatitis_b", "hepatitis_c"]}
    assert rule("History of malignancy", "exclusion") == {
        "fact": "diagnoses", "within": ["malignancy"], "borderline": ["myeloid_neoplasm"]}


def test_a_line_read_in_part_never_rules_a_person_out():
    exclusion = parse_line("Malignancy within the past 5 years", "exclusion")
    assert exclusion.partial == "necessary" and "within" in exclusion.also_check
    inclusion = parse_line("Children younger than 18 years who live at home", "inclusion")
    assert inclusion.partial == "sufficient"
    # an exclusion whose parsed part is met only "may exclude"
    assert check_line("Malignancy within the past 5 years", "exclusion", "had leukaemia as a child")["result"] == \
        "unknown"


def test_lines_of_unknown_kind_stay_manual_unless_worded_as_requirements():
    assert "includes or excludes" in parse_line("Hypertension", "unknown").manual


def test_check_says_met_not_met_unknown_or_manual():
    pregnant = check_line("Pregnant or breastfeeding women", "exclusion", "32 year old, 12 weeks pregnant")
    assert pregnant["result"] == "met"
    assert check_line("Age 18 to 65 years", "inclusion", "I'm 70")["result"] == "not_met"
    assert check_line("Platelet count ≥ 100 x 10^9/L", "inclusion", "I'm 70")["result"] == "unknown"
    assert check_line("Adequate organ function", "inclusion", "I'm 70")["result"] == "manual"


def test_cli_parse_lines_and_check_cases_as_json_lines(tmp_path, capsys):
    lines = tmp_path / "lines.txt"
    lines.write_text("Age ≥ 18 years\nAdequate organ function\n", encoding="utf-8")
    assert main(["criteria", "parse", "--lines", str(lines), "--json"]) == 0
    out = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [bool(o["rule"]) for o in out] == [True, False] and out[1]["manual"]
    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n".join(json.dumps(c) for c in [
        {"criterion": "Age ≥ 18 years", "kind": "inclusion", "text": "I'm 17"},
        {"criterion": "Pregnant women", "kind": "exclusion", "text": "I'm not pregnant"}]), encoding="utf-8")
    assert main(["criteria", "check", "--cases", str(cases), "--json"]) == 0
    assert [json.loads(x)["result"] for x in capsys.readouterr().out.splitlines()] == ["not_met", "not_met"]


def test_no_bound_is_read_in_the_wrong_direction_on_the_annotated_corpus():
    if not GOLD.exists():
        pytest.skip("../shared/criteria_gold is absent: the annotated corpus is not part of the repo")
    from scripts.criteria_report import lct_report

    report = lct_report()
    assert report["contradictions"] == 0, report["contradiction_examples"]
    assert report["thresholds_read"] > 500


@pytest.mark.parametrize(("text", "expected"), [
    ("Age: 18 and over", {"fact": "age", "op": ">=", "value": 18, "unit": "year"}),
    ("Age: 3 to 21", {"all": [{"fact": "age", "op": ">=", "value": 3, "unit": "year"},
                              {"fact": "age", "op": "<", "value": 22, "unit": "year"}]}),
    ("Not pregnant or nursing", {"all": [{"fact": "pregnant", "is": False}, {"fact": "breastfeeding", "is": False}]}),
])
def test_the_legacy_layouts_short_lines(text, expected):
    assert rule(text) == expected
    assert "no requirement" in parse_line("Performance status: Not specified", "inclusion").manual


@pytest.mark.parametrize("text", [
    "0-2",  # a performance status under a heading, not an age
    "Wound must be more than 6 months old.",
    "Life expectancy of at least 2 weeks by clinical assessment",
    "Amenorrhea more than 1 year and less than age 50",
    "Disease for 2 years or longer",
])
def test_spans_of_time_that_are_not_the_persons_age_are_not_read_as_age(text):
    assert "age" not in json.dumps(rule(text))


def test_a_negated_requirement_is_the_exclusion_turned_round():
    assert rule("No history of HIV") == {"not": {"fact": "diagnoses", "within": ["hiv"]}}
    assert rule("No prior treatment with a JAK inhibitor") == {
        "not": {"medication": {"classes": ["jak_inhibitor"]}, "ever": True}}
    assert parse_line("No prior malignancy except basal cell carcinoma", "inclusion").partial == "sufficient"
    assert check_line("No history of HIV", "inclusion", "45 year old with HIV")["result"] == "not_met"


@pytest.mark.parametrize("text", [
    "Willing to undergo serological testing to HIV, HBV and HCV",
    "Willing to receive three doses of a Hepatitis B vaccine",
    "No concomitant anti-cancer treatment is allowed",
    "Patient is currently enrolled in a sponsored study of ruxolitinib",
])
def test_lines_about_tests_vaccines_treatments_or_other_trials_are_not_diagnoses_or_medicines_taken(text):
    assert parse_line(text, "exclusion").rule is None
    assert parse_line("Positive test for HIV", "exclusion").rule == {"fact": "diagnoses", "within": ["hiv"]}


def test_times_uln_uses_the_kept_table_and_never_decides_alone():
    exclusion = parse_line("ALT > 3 x ULN", "exclusion")
    assert exclusion.rule == {"fact": "alt", "op": ">", "value": 120, "unit": "U/L"}
    assert exclusion.partial == "necessary" and "upper limit of normal" in exclusion.also_check
    inclusion = parse_line("Total bilirubin ≤ 1.5 × upper limit of normal", "inclusion")
    assert inclusion.rule == {"fact": "bilirubin", "op": "<=", "value": 31.5, "unit": "umol/L"}
    assert inclusion.partial == "sufficient"
    assert check_line("ALT > 3 x ULN", "exclusion", "ALT 150 U/L")["result"] == "unknown"  # may exclude


@pytest.mark.parametrize("text", [
    "Boys must have been between 6 and 12 years of age; girls between 6 and 11 years of age.",
    "Male or female participants greater than or equal to 18 years of age and children 10-17 years of age.",
])
def test_several_age_ranges_for_different_groups_stay_manual(text):
    assert re.search("several age ranges|age bounds that contradict", parse_line(text, "inclusion").manual)


@pytest.mark.parametrize(("text", "expected"), [
    ("  1. Age ≥ 18, male or female;", {"fact": "age", "op": ">=", "value": 18, "unit": "year"}),  # years by default
    ("aged over 18", {"fact": "age", "op": ">=", "value": 18, "unit": "year"}),
    ("Over 18 years", {"fact": "age", "op": ">=", "value": 18, "unit": "year"}),  # nothing else in the line
    ("18 years or older", {"fact": "age", "op": ">=", "value": 18, "unit": "year"}),
    ("Ages of 18 and above", {"fact": "age", "op": ">=", "value": 18, "unit": "year"}),
    ("Age > 18 and < 75", {"all": [{"fact": "age", "op": ">=", "value": 18, "unit": "year"},
                                   {"fact": "age", "op": "<", "value": 75, "unit": "year"}]}),
])
def test_age_lines_as_registers_write_them(text, expected):
    assert rule(text) == expected


@pytest.mark.parametrize("text", ["Disease duration over 5 years", "Symptoms for more than 6 months"])
def test_a_span_of_time_is_not_an_age(text):
    assert rule(text) is None


def test_both_bounds_of_a_two_sided_age_are_read():
    parsed = parse_line("Male or female subjects ≥ 12 to < 18 years of age", "inclusion")
    assert parsed.rule == {"all": [{"fact": "age", "op": ">=", "value": 12, "unit": "year"},
                                   {"fact": "age", "op": "<", "value": 18, "unit": "year"}]}
    assert parsed.partial is None


def test_a_bound_the_parser_did_not_read_leaves_the_line_partial():
    parsed = parse_line("Platelets ≥ 100 x 10^9/L and ≥ 3", "inclusion")
    assert parsed.partial == "sufficient"


@pytest.mark.parametrize(("text", "kind", "expected"), [
    ("Serum creatinine ≤ 1.5 mg/dL.", "inclusion", {"fact": "creatinine", "op": "<=", "value": 1.5, "unit": "mg/dL"}),
    ("eGFR < 45 mL/min/1.73 m2", "exclusion", {"fact": "egfr", "op": "<", "value": 45, "unit": "mL/min/1.73 m2"}),
    ("creatinine clearance below 10 ml per minute", "exclusion",
     {"fact": "creatinine_clearance", "op": "<", "value": 10, "unit": "ml/min"}),
    ("HbA1c >8%", "exclusion", {"fact": "hba1c", "op": ">", "value": 8, "unit": "%"}),
    ("QTc > 470 ms", "exclusion", {"fact": "qtc", "op": ">", "value": 470, "unit": "ms"}),
    ("Patients with BMI>40", "exclusion", {"fact": "bmi", "op": ">", "value": 40}),  # sign against the words
    ("Body mass index between 18.5 and 30 kg/m2", "inclusion",
     {"all": [{"fact": "bmi", "op": ">=", "value": 18.5}, {"fact": "bmi", "op": "<=", "value": 30}]}),
    ("Systolic blood pressure ≥160 mmHg or diastolic blood pressure ≥100 mmHg", "exclusion",
     {"any": [{"fact": "systolic_bp", "op": ">=", "value": 160, "unit": "mmHg"},
              {"fact": "diastolic_bp", "op": ">=", "value": 100, "unit": "mmHg"}]}),
])
def test_more_measurements_with_their_units_and_ranges(text, kind, expected):
    assert rule(text, kind) == expected


def test_hba1c_in_mmol_per_mol_is_not_read_as_a_percentage():
    parsed = parse_line("HbA1c > 53 mmol/mol", "exclusion")
    assert parsed.rule is None and "unit" in parsed.manual


def test_times_normal_is_read_as_the_upper_limit_of_normal_and_stays_partial():
    parsed = parse_line("Bilirubin no greater than 1.5 times normal", "inclusion")
    assert parsed.rule == {"fact": "bilirubin", "op": "<=", "value": 31.5, "unit": "umol/L"}
    assert parsed.partial == "sufficient"


def test_no_older_than_is_an_upper_bound():
    parsed = parse_line("Patients 11 to no older than 17 years of age", "inclusion")
    assert ("age", "<=", 17, "year") in parsed.stated
    assert all(op != ">" for _m, op, _v, _u in parsed.stated)


@pytest.mark.parametrize(("text", "kind", "expected"), [
    ("Fertile patients must use effective contraception", "inclusion",
     {"any": [{"fact": "fertile", "is": False}, {"fact": "contraception", "is": True}]}),
    ("Men must use effective barrier contraception during and for 1 month after study", "inclusion",
     {"fact": "contraception", "is": True}),
    ("Women of childbearing potential not using adequate contraception", "exclusion",
     {"all": [{"fact": "fertile", "is": True}, {"fact": "contraception", "is": False}]}),
])
def test_birth_control_lines_are_partial_in_the_direction_that_never_rules_out(text, kind, expected):
    parsed = parse_line(text, kind)
    assert parsed.rule == expected
    assert parsed.partial == ("sufficient" if kind == "inclusion" else "necessary")


def test_a_measure_outside_the_facts_is_named_in_the_reason_but_never_a_rule():
    parsed = parse_line("MMSE score of 24 or more", "inclusion")
    assert parsed.rule is None
    assert "MMSE" in parsed.manual
    assert parsed.stated == (("MMSE score", ">=", 24, None),)
    fev = parse_line("FEV1 < 50% of predicted", "exclusion")
    assert fev.rule is None and ("FEV1", "<", 50, "%") in fev.stated


def test_a_line_of_unknown_kind_shows_what_it_measures_without_a_rule():
    parsed = parse_line("Platelets < 50 x 10^9/L", "unknown")
    assert parsed.rule is None and "does not say whether" in parsed.manual
    assert ("platelets", "<", 50, "x 10^9/L") in parsed.stated
    assert parse_line("Isolated systolic hypertension.", "unknown").rule is None


@pytest.mark.parametrize("text", ["Patients must be at least 18 years old", "No prior chemotherapy",
                                  "Men and women, ages 25-49."])
def test_a_line_of_unknown_kind_worded_as_a_requirement_is_a_partial_inclusion(text):
    parsed = parse_line(text, "unknown")
    assert parsed.rule is not None and parsed.partial == "sufficient"
    assert "no heading" in parsed.also_check


@pytest.mark.parametrize(("text", "why"), [
    ("Patients taking inducers of CYP3A4 should be encouraged to switch to another medicine such as ibuprofen",
     "allowed or advised"),
    ("Patients who previously participated in any hydroxyurea study", "another trial"),
])
def test_lines_that_are_not_requirements_about_the_person_stay_manual(text, why):
    parsed = parse_line(text, "exclusion")
    assert parsed.rule is None and why in parsed.manual


def test_words_between_a_time_frame_and_a_medicine_are_not_taken_as_read():
    parsed = parse_line("Prior immunotherapy with an anti-PD-1 antibody or any study with hydroxyurea", "exclusion")
    assert parsed.rule is None or parsed.partial == "necessary"
    ruled = parse_line("Prior hydroxyurea or any immune checkpoint antibody", "exclusion")
    assert ruled.rule == {"medication": {"drugs": ["hydroxyurea"]}, "ever": True}
    assert ruled.partial == "necessary"


@pytest.mark.parametrize("text", [
    "Known hypersensitivity to hydroxyurea or prior intolerance",
    "Contraindications for pregabalin",
    "History of drug abuse (amphetamine, cocaine)",
    "Disease refractory to prior hydroxyurea",
])
def test_a_medicine_named_for_something_else_than_its_use_is_not_a_medication_rule(text):
    parsed = parse_line(text, "exclusion")
    assert parsed.rule is None or "medication" not in json.dumps(parsed.rule)


@pytest.mark.parametrize(("kind", "partial"), [("exclusion", "necessary"), ("inclusion", "sufficient")])
def test_a_medicine_with_no_time_frame_is_read_as_ever_taken_and_never_decides_against(kind, partial):
    parsed = parse_line("Hydroxyurea", kind)
    assert parsed.rule == {"medication": {"drugs": ["hydroxyurea"]}, "ever": True}
    assert parsed.partial == partial and "time frame" in parsed.also_check


def test_a_line_about_chemotherapy_leaves_other_anticancer_medicines_to_the_study_team():
    parsed = parse_line("At least 4 weeks since prior chemotherapy", "inclusion")
    assert parsed.rule == {"not": {"medication": {"classes": ["chemotherapy"], "borderline": ["anticancer"]},
                                   "within": "4 weeks"}}


def test_a_sub_item_keeps_the_time_frame_of_its_lead_in():
    parsed = parse_line("Isoniazid.", "exclusion", "Excluded within 30 days of study entry:")
    assert parsed.rule == {"medication": {"drugs": ["isoniazid"]}, "within": "30 days"}
    assert parsed.text == "Isoniazid."
    assert parse_line("Ribavirin.", "inclusion", "Allowed within 48 hours of study entry:").rule is None


@pytest.mark.parametrize(("text", "expected"), [
    ("Performance status: WHO 0-2", {"all": [{"fact": "ecog", "op": ">=", "value": 0}, {"fact": "ecog", "op": "<=",
                                                                                         "value": 2}]}),
    ("Hepatic: Bilirubin no greater than 2.0 mg/dL", {"fact": "bilirubin", "op": "<=", "value": 2, "unit": "mg/dL"}),
    ("Other: Not pregnant or nursing", {"all": [{"fact": "pregnant", "is": False},
                                                {"fact": "breastfeeding", "is": False}]}),
])
def test_pdq_body_system_labels_are_headings_not_part_of_the_requirement(text, expected):
    assert rule(text) == expected


def test_a_pdq_performance_status_in_hundreds_is_not_read_as_the_0_to_4_scale():
    assert rule("Performance status: 60-100") is None


@pytest.mark.parametrize(("text", "kind"), [
    ("Implanted hardware that would prohibit treatment planning or delivery", "exclusion"),  # ICD-10 "Delivery"
    ("To understand the impossibility of participating in another clinical trial", "inclusion"),
    ("No subjects will be excluded based on their race, religion, ethnicity, gender or HIV status.", "inclusion"),
    ("Patients < 55 years old (it is advisable to include patients over 55 years in another protocol)", "inclusion"),
    ("Women of childbearing potential must use contraception for 30 days since the last dose of ruxolitinib",
     "inclusion"),
])
def test_lines_that_once_gave_wrong_rules_no_longer_do(text, kind):
    parsed = parse_line(text, kind)
    assert parsed.rule is None or "medication" not in json.dumps(parsed.rule)
    assert parsed.rule is None or "diagnoses" not in json.dumps(parsed.rule)
    assert parsed.rule is None or "other_trial" not in json.dumps(parsed.rule)


def test_yes_no_facts_are_read_in_exclusions_and_asked_once():
    parsed = parse_line("Currently in another clinical trial or in another clinical trial within 30 days", "exclusion")
    assert parsed.rule == {"fact": "other_trial", "is": True} and parsed.partial == "necessary"
    assert rule("History of psoriasis", "exclusion") == {"fact": "diagnoses", "within": ["icd10_l40"]}
    assert rule("Uncontrolled hypertension", "exclusion") == {"fact": "diagnoses", "within": ["icd10_i10_i15"]}


@pytest.mark.parametrize("text", [
    "Patients with symptoms for 2 to 5 years",
    "The diagnosis is older than 12 months",
    "Acute coronary artery disease less than 2 years old",
    "Pregnant women 34 weeks or less",
    "Birthweight ≥ 1500 g and/or gestation age ≥ 32 weeks",
    "Charlson comorbidity scale adjusted to age <4",
])
def test_the_age_of_a_disease_an_event_or_a_pregnancy_is_not_the_persons_age(text):
    parsed = parse_line(text, "exclusion")
    assert parsed.rule is None or "age" not in json.dumps(parsed.rule)


@pytest.mark.parametrize(("text", "kind", "expected"), [
    ("Age between 20 years old and 65 years old", "inclusion",
     {"all": [{"fact": "age", "op": ">=", "value": 20, "unit": "year"}, {"fact": "age", "op": "<", "value": 66,
                                                                         "unit": "year"}]}),
    ("Minimum age: 18 years", "inclusion", {"fact": "age", "op": ">=", "value": 18, "unit": "year"}),
    ("Age less than 72 hours", "inclusion", {"fact": "age", "op": "<", "value": 72, "unit": "hour"}),
    ("Subject under 18 years or over 70 years", "exclusion",
     {"any": [{"fact": "age", "op": "<", "value": 18, "unit": "year"}, {"fact": "age", "op": ">=", "value": 70,
                                                                        "unit": "year"}]}),
    ("BMI <20 or >35 kg/m2", "exclusion", {"any": [{"fact": "bmi", "op": "<", "value": 20},
                                                   {"fact": "bmi", "op": ">", "value": 35}]}),
    ("Platelets < 50 or > 500 x 10^9/L", "exclusion",
     {"any": [{"fact": "platelets", "op": "<", "value": 50, "unit": "x 10^9/L"},
              {"fact": "platelets", "op": ">", "value": 500, "unit": "x 10^9/L"}]}),
    ("Eastern Cooperative Oncology Group [ECOG] 0-1", "inclusion",
     {"all": [{"fact": "ecog", "op": ">=", "value": 0}, {"fact": "ecog", "op": "<=", "value": 1}]}),
])
def test_bounds_written_in_pairs_and_in_other_spellings(text, kind, expected):
    assert rule(text, kind) == expected


@pytest.mark.parametrize(("text", "kind", "expected", "partial"), [
    ("At least 4 weeks since prior radiotherapy", "inclusion",
     {"any": [{"fact": "radiotherapy", "is": False},
              {"fact": "radiotherapy_days_ago", "value": 4, "unit": "week", "op": ">="}]}, None),
    ("Major surgery within 28 days", "exclusion",
     {"all": [{"fact": "major_surgery", "is": True},
              {"fact": "major_surgery_days_ago", "value": 28, "unit": "day", "op": "<="}]}, None),
    ("At least 3 weeks since prior surgery", "inclusion",  # any surgery: a minor one may count too
     {"any": [{"fact": "major_surgery", "is": False},
              {"fact": "major_surgery_days_ago", "value": 3, "unit": "week", "op": ">="}]}, "sufficient"),
])
def test_radiotherapy_and_surgery_with_their_time_frames(text, kind, expected, partial):
    parsed = parse_line(text, kind)
    assert parsed.rule == expected and parsed.partial == partial


@pytest.mark.parametrize("text", ["No concurrent radiotherapy", "Prior radiotherapy allowed", "Scheduled for surgery",
                                  "Radiotherapy"])
def test_radiotherapy_or_surgery_to_come_allowed_or_untimed_stays_manual(text):
    assert parse_line(text, "inclusion").rule is None


def test_an_exception_narrows_an_exclusion_and_never_enters_its_rule():
    parsed = parse_line("Prior malignancy except adequately treated basal cell carcinoma", "exclusion")
    assert parsed.rule == {"fact": "diagnoses", "within": ["malignancy"], "borderline": ["myeloid_neoplasm"]}
    assert parsed.partial == "necessary" and "basal cell" in parsed.also_check
    steroids = parse_line("Current use of corticosteroids, except for inhaled steroids", "exclusion")
    assert steroids.rule == {"medication": {"classes": ["corticosteroid"]}, "current": True}
    assert steroids.partial == "necessary"
    assert parse_line("Prior malignancy except basal cell carcinoma", "inclusion").rule is None  # scope unclear


@pytest.mark.parametrize("text", [
    "Eugonadal: Normal Serum Testosterone (300-1100 nmol/L).",  # a laboratory value, not a medicine taken
    "At least 8 weeks",  # a span of weeks alone may be a life expectancy: only years alone are an age
    "Infants that have been maltreated by their biological caregiver",  # not a biologic medicine
])
def test_words_that_look_like_a_rule_but_are_not(text):
    assert parse_line(text, "inclusion").rule is None


@pytest.mark.parametrize("text", ["The participant is equal to or older than 18 years old.",
                                  "Age equal or above 18 years"])
def test_equal_or_older_is_a_lower_bound_that_includes_the_birthday(text):
    assert parse_line(text, "inclusion").stated == (("age", ">=", 18, "year"),)


def test_a_disease_tested_negative_in_an_inclusion_is_its_absence():
    assert rule("HIV negative") == {"not": {"fact": "diagnoses", "within": ["hiv"]}}
    assert rule("HIV antibody negative") == {"not": {"fact": "diagnoses", "within": ["hiv"]}}
    # a negative antigen is not the absence of the disease ever: left to the study team
    assert rule("Hepatitis B surface antigen negative") is None


def test_non_joined_to_a_word_is_a_name_not_a_negation():
    parsed = parse_line("Histologically confirmed non-small cell lung cancer", "inclusion")
    assert parsed.rule is not None and parsed.partial == "sufficient"


def test_absences_joined_by_or_are_kept_as_they_are_written():
    assert rule("HIV negative or hepatitis C negative") == {"any": [
        {"not": {"fact": "diagnoses", "within": ["hiv"]}}, {"not": {"fact": "diagnoses", "within": ["hepatitis_c"]}}]}


@pytest.mark.parametrize(("text", "kind", "why"), [
    ("Patients with any condition or on any therapy that, in the investigator's opinion, may interfere with "
     "pregabalin", "exclusion", "judgement"),
    ("Had an unsatisfactory response to quetiapine as judged by a study investigator.", "exclusion", "judgement"),
    ("Patients whom the clinical team feel need rifampicin", "exclusion", "judgement"),
    ("Signed informed consent prior to surgery", "inclusion", "consent"),
    ("Written informed consent must be obtained before any injection of bevacizumab", "inclusion", "consent"),
    ("Must agree to have regular clinic visits (1-2 a year for mild asthma).", "inclusion", "agreement"),
    ("Interested in taking 3 months of varenicline", "inclusion", "agreement"),
])
def test_lines_that_require_a_judgement_consent_or_agreement_stay_manual_whatever_they_name(text, kind, why):
    parsed = parse_line(text, kind)
    assert parsed.rule is None and why in parsed.manual


def test_birth_control_is_still_read_in_a_line_that_asks_for_agreement():
    assert rule("Willing to use contraception during the study") == {"fact": "contraception", "is": True}


@pytest.mark.parametrize(("text", "kind", "expected_rule", "side"), [
    ("Hemoglobin >9 g/dL (Note: Patients may be transfused or receive erythropoietin to keep this level).",
     "inclusion", {"fact": "haemoglobin", "op": ">", "value": 9.0, "unit": "g/dL"}, "sufficient"),
    ("HBV infected or HCV infected (these increase the risk of TB-drug induced hepatotoxicity)", "exclusion",
     {"fact": "diagnoses", "within": ["hepatitis_b", "hepatitis_c"]},
     "necessary"),
])
def test_a_note_or_reason_after_the_requirement_is_left_to_the_study_team(text, kind, expected_rule, side):
    parsed = parse_line(text, kind)
    assert parsed.partial == side and "adds after its requirement" in parsed.also_check
    assert parsed.rule == expected_rule, parsed.rule  # nothing named in the note (erythropoietin, TB) is read


def test_the_studys_own_operation_and_a_tumour_sample_are_not_facts_about_the_person():
    assert rule("Able to be randomized prior to or up to 48 hours after surgery.") is None
    assert rule("Prior major surgery", "exclusion") == {"fact": "major_surgery", "is": True}
    assert rule("Availability of tumor biopsy material extracted by the site") is None


def test_a_parsed_line_says_which_words_its_rule_reads():
    parsed = parse_line("Age 18 or older and able to give written informed consent", "inclusion")
    assert parsed.read == ("Age 18 or older",) and "consent" in parsed.also_check
    assert parse_line("No prior chemotherapy", "inclusion").read == ("prior", "chemotherapy")
