"""`trialbot trials lint`: each check fires on the mistake it is for, and the shipped catalogue has no errors."""

from datetime import date

from bot.catalog.lint import code_within, lint_catalogue, lint_trial, lint_vocabulary
from bot.catalog.trial import parse_trial, read_directory
from bot.cli import TRIALS_DIR, main
from bot.vocab import Concept, Vocabulary, vocabulary


def make(inclusion, exclusion=(), **extra):
    data = {"id": "NCT99999999", "register_ids": [{"register": "ClinicalTrials.gov", "id": "NCT99999999"}],
            "title": "A lint test trial", "summary": "A trial made up to test the catalogue checks.", "phase": "II",
            "recruitment": [{"country": "France", "status": "recruiting"}], "sites": [],
            "criteria": {"inclusion": list(inclusion), "exclusion": list(exclusion)}, **extra}
    return parse_trial(data)


def errors(trial, today=date(2026, 11, 29)):
    return [f for f in lint_trial(trial, today) if f.level == "error"]


def line(text, rule, cid="in1", **extra):
    return {"id": cid, "text": text, "rule": rule, **extra}


def test_an_upper_age_coded_at_the_birthday_instead_of_the_next_one_is_an_error():
    bad = make([line("Aged 2 to 18 years", {"all": [{"fact": "age", "op": ">=", "value": 2, "unit": "year"},
                                                    {"fact": "age", "op": "<", "value": 18, "unit": "year"}]})])
    assert any("19th birthday" in f.message for f in errors(bad))
    good = make([line("Aged 2 to 18 years", {"all": [{"fact": "age", "op": ">=", "value": 2, "unit": "year"},
                                                     {"fact": "age", "op": "<", "value": 19, "unit": "year"}]})])
    assert errors(good) == []
    under = make([line("Aged under 18 years", {"fact": "age", "op": "<", "value": 18, "unit": "year"})])
    assert errors(under) == []


def test_age_rules_with_le_or_gt_are_errors():
    found = errors(make([line("age > 18 years", {"fact": "age", "op": ">", "value": 18, "unit": "year"})]))
    assert any(">= 18 years" in f.message for f in found)
    found = errors(make([line("≤ 70 years", {"fact": "age", "op": "<=", "value": 70, "unit": "year"})]))
    assert any("< 71 years" in f.message for f in found)


def test_a_population_age_that_refuses_what_a_line_admits_is_an_error():
    trial = make([line("Either 3 years of age or > 14 kg", {"any": [
        {"fact": "age", "op": ">=", "value": 3, "unit": "year"}, {"fact": "weight", "op": ">", "value": 14,
                                                                   "unit": "kg"}]})],
        population={"min_age": "3 years"})
    assert any(f.where == "population.min_age" for f in errors(trial))


def test_a_recruiting_trial_with_an_expired_or_old_record_is_flagged_and_shown_as_status_unknown():
    trial = make([line("Any age", {"fact": "age", "op": ">=", "value": 0, "unit": "year"})],
                 record={"last_verified": "2021-03", "completion": "2024-12", "completion_actual": False})
    warnings = [f for f in lint_trial(trial, date(2026, 11, 29)) if f.where == "recruitment"]
    assert warnings and "2021" in warnings[0].message and "estimated completion" in warnings[0].message
    assert trial.recruitment[0].display().startswith("status unknown in France, check with the study team")


def test_a_rule_concept_not_named_in_its_line_is_a_warning_for_review():
    trial = make([line("Any cancer", {"fact": "diagnoses", "within": ["brain_tumour"]})])
    warnings = [f for f in lint_trial(trial) if f.level == "warning" and f.where == "in1"]
    assert warnings and "brain_tumour" in warnings[0].message


def test_icd10_ranges_contain_their_children():
    assert code_within("C91.0", "C81-C96") and code_within("D47.3", "D45, D47.1, D47.3, D47.4")
    assert not code_within("D46", "C00-C97") and code_within("C81-C96", "C00-C97")
    concepts = {"cancer": Concept("cancer", "cancer", None, "C00-C97", (), ()),
                "mds": Concept("mds", "MDS", "cancer", "D46", (), ())}
    found = lint_vocabulary(Vocabulary(concepts, {}, {}))
    assert [f.where for f in found if f.level == "error"] == ["mds"]


def test_the_shipped_vocabulary_and_catalogue_have_no_lint_errors():
    found = lint_catalogue(read_directory(TRIALS_DIR))
    assert [str(f) for f in found if f.level == "error"] == []
    assert all(f.level == "error" or f.level == "warning" for f in found)
    assert vocabulary().concepts["mds"].parent == "myeloid_neoplasm"


def test_lint_command_exits_1_on_errors(tmp_path, capsys):
    assert main(["trials", "lint"]) == 0
    bad = tmp_path / "NCT99999999.yaml"
    text = (TRIALS_DIR / "NCT03281889.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace("NCT03281889", "NCT99999999").replace("op: <, value: 19", "op: <=, value: 18"),
                   encoding="utf-8")
    assert main(["trials", "lint", "--dir", str(tmp_path)]) == 1
    assert "< 19 years" in capsys.readouterr().err


def test_a_rule_broader_than_its_line_is_listed_for_review():
    text = "Children with a brain tumour needing craniospinal irradiation, such as medulloblastoma."
    broad = make([line(text, {"fact": "diagnoses", "within": ["malignancy"]})])
    found = [f for f in lint_trial(broad, date(2026, 11, 29)) if "broader than the line" in f.message]
    assert found and "medulloblastoma" in found[0].message.lower() and found[0].level == "warning"
    narrowed = make([line(text, {"fact": "diagnoses", "within": ["brain_tumour"]})])
    assert not [f for f in lint_trial(narrowed, date(2026, 11, 29)) if "broader than the line" in f.message]
    marked = make([line(text, {"fact": "diagnoses", "within": ["malignancy"]}, partial="necessary",
                        also_check="that it is a brain tumour")])
    assert not [f for f in lint_trial(marked, date(2026, 11, 29)) if "broader than the line" in f.message]
