"""Medicines from the drug-named-entity-recognition package: recognised in chat and criteria, never over the
curated table, and never a lab value, a habit or an everyday word."""

import pytest
import yaml

from bot.drug_names import DATA, base_name, excluded_names, merge, package_drugs, slug
from bot.nlp import extract
from bot.nlp.pipeline import pipeline
from bot.registry.criteria_parser import parse_line
from bot.vocab import vocabulary

CURATED = yaml.safe_load((DATA / "drugs.yaml").read_text(encoding="utf-8"))["drugs"]


def test_the_package_dictionary_is_read():
    assert len(package_drugs()) > 5000
    assert not vocabulary().drugs["pembrolizumab"].curated


def test_a_package_only_drug_is_recognised_in_a_patient_message():
    assert "pembrolizumab" not in CURATED
    meds = extract("I was on Keytruda until March").profile.to_dict()["medications"]["taken"]
    assert [m["drug"] for m in meds] == ["pembrolizumab"]
    meds = extract("she takes metformin").profile.to_dict()["medications"]["taken"]
    assert meds[0]["drug"] == "metformin" and meds[0]["current"] is True


def test_a_package_only_drug_makes_a_criteria_rule():
    parsed = parse_line("Prior treatment with pembrolizumab", "exclusion")
    assert parsed.rule == {"medication": {"drugs": ["pembrolizumab"]}, "ever": True}
    assert parsed.atoms == ("medication",)


def test_a_negated_package_drug_is_negated():
    ents = [e for e in pipeline()("no prior nivolumab").ents if e.label_ == "DRUG"]
    assert [(e.ent_id_, e._.negated) for e in ents] == [("nivolumab", True)]


@pytest.mark.parametrize(("name", "drug"), [("hydroxycarbamid", "hydroxyurea"), ("Renflexis", "infliximab"),
                                            ("morphine sulfate", "morphine"), ("dexamethasone acetate",
                                                                               "prednisolone")])
def test_package_spellings_and_salt_forms_join_the_drug_they_are(name, drug):
    assert vocabulary().drug_named(name) == drug


def test_an_added_synonym_keeps_the_curated_drug():
    voc = vocabulary()
    assert "hydroxycarbamid" not in CURATED["hydroxyurea"]["synonyms"]
    assert voc.drug_named("hydroxycarbamid") == "hydroxyurea"
    assert "cytoreductive" in voc.drug_classes("hydroxyurea")
    ents = [e for e in pipeline()("taking hydroxycarbamid").ents if e.label_ == "DRUG"]
    assert [e.ent_id_ for e in ents] == ["hydroxyurea"]


def test_curated_entries_win():
    voc = vocabulary()
    for key, raw in CURATED.items():
        drug = voc.drugs[key]
        assert drug.curated and drug.label == raw["label"] and drug.atc == raw.get("atc")
        assert drug.classes[:len(raw.get("classes") or ())] == tuple(raw.get("classes") or ())  # + ATC classes
        assert drug.half_life_days == raw.get("half_life_days")
        assert drug.synonyms[:len(raw.get("synonyms") or ())] == tuple(raw.get("synonyms") or ())
        for name in (raw["label"], *(raw.get("synonyms") or ()), *(raw.get("brands") or ())):
            assert voc.drug_named(name) == key, name


def test_a_package_entry_never_takes_a_curated_name():
    merged = merge({"mine": ("pembrolizumab",)}, set(), ())
    assert "pembrolizumab" not in merged.new_drugs and "keytruda" in merged.extra_names["mine"]


@pytest.mark.parametrize("word", ["alcohol", "ethanol", "oxygen", "water", "nicotine", "caffeine", "sodium",
                                  "potassium", "calcium", "glucose", "albumin", "creatinine", "bilirubin", "ferritin",
                                  "haemoglobin", "hemoglobin", "cholesterol", "cocaine", "luminal", "generics",
                                  "folate", "alkaline phosphatase", "follicle stimulating hormone", "dapt", "insulin",
                                  "iron", "timothy grass pollen", "sodium cation", "methicillin"])
def test_words_that_are_not_medicines_in_criteria_are_not_drugs(word):
    assert vocabulary().drug_named(word) is None
    assert not [e for e in pipeline()(f"history of {word} use").ents if e.label_ == "DRUG"]


def test_the_exclusion_file_gives_a_reason_for_each_name():
    assert excluded_names() and all(why.strip() for why in excluded_names().values())


def test_diagnosis_and_lab_terms_stay_what_they_were():
    voc = vocabulary()
    for concept in voc.concepts.values():
        for name in (concept.label, *concept.synonyms):
            drug = voc.drug_named(name)
            assert drug is None or voc.drugs[drug].curated, name
    labels = {e.label_ for e in pipeline()("ferritin 4500, platelets 85").ents}
    assert "DRUG" not in labels


def test_no_short_names():
    for drug in vocabulary().drugs.values():
        if not drug.curated:
            assert all(sum(c.isalpha() for c in n) > 3 for n in (*drug.synonyms, *drug.brands)), drug.id


def test_a_drug_resistance_is_not_a_use():
    assert not [e for e in pipeline()("vancomycin-resistant enterococcus").ents if e.label_ == "DRUG"]


def test_ids_are_stable_and_unique():
    voc = vocabulary()
    package = [d for d in voc.drugs.values() if not d.curated]
    ids = {d.id for d in package}
    assert not ids & set(CURATED) and not ids & set(voc.concepts) and not ids & set(voc.classes)
    assert all(d.id in (slug(d.label), f"{slug(d.label)}_drug") for d in package)
    assert slug("Interferon gamma-1b") == "interferon_gamma_1b"
    owners: dict[str, str] = {}
    for drug in package:
        for name in (drug.label, *drug.synonyms, *drug.brands):
            assert owners.setdefault(name, drug.id) == drug.id, name
            assert voc.drug_named(name) == drug.id, name
    curated = {k: (v["label"], *(v.get("synonyms") or ())) for k, v in CURATED.items()}
    first, second = (list(merge(curated, set(voc.concepts), ()).new_drugs) for _ in range(2))
    assert first == second


def test_base_name_strips_salt_words_only():
    assert base_name("doxorubicin hydrochloride") == "doxorubicin"
    assert base_name("sodium chloride") == "sodium"
    assert base_name("magnesium") == "magnesium"
