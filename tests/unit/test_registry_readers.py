"""The register readers read every shape of record in ../shared/registry, map the fields the catalogue keeps, never
take person data, and turn each unusable record into a RecordError that names file, record and field while reading
goes on with the next record.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from bot.registry.ctgov import read_ctgov
from bot.registry.ctis import read_ctis
from bot.registry.record import STATUSES, Intervention, RecordError, RecordSite, RegisterId, RegisterRecord

REGISTRY = Path(__file__).resolve().parents[3] / "shared" / "registry"
POSACONAZOLE = "2023-505613-24-00"
TRUNCATED = {  # AACT fixtures cut with '...', and the first cut field the reader meets
    "NCT00465816": "protocolSection.identificationModule.officialTitle",
    "NCT03453554": "protocolSection.identificationModule.officialTitle",
    "NCT03418623": "protocolSection.identificationModule.officialTitle",
    "NCT06171568": "protocolSection.eligibilityModule.eligibilityCriteria",
}
EMAIL = re.compile(r"[\w.+-]+(?:@|&#64;)[\w-]+(?:\.[\w-]+)+")


@pytest.fixture
def registry() -> Path:
    if not REGISTRY.is_dir():
        pytest.skip("../shared/registry is absent: register records are not part of the repo")
    return REGISTRY


def split(items: Iterable[RegisterRecord | RecordError]) -> tuple[list[RegisterRecord], list[RecordError]]:
    records: list[RegisterRecord] = []
    errors: list[RecordError] = []
    for item in items:
        (errors if isinstance(item, RecordError) else records).append(item)
    return records, errors


def only(items: Iterable[RegisterRecord | RecordError]) -> RegisterRecord:
    records, errors = split(items)
    assert not errors, [str(error) for error in errors]
    (record,) = records
    return record


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def leaves(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    """(key, value) of every scalar in a JSON document."""
    if isinstance(value, dict):
        for name, child in value.items():
            yield from leaves(child, name)
    elif isinstance(value, list):
        for child in value:
            yield from leaves(child, key)
    else:
        yield key, value


def person_data(document: Any) -> set[str]:
    """E-mail addresses, phone numbers and person names anywhere in a record."""
    found = {text for _, text in leaves(document) if isinstance(text, str) for text in EMAIL.findall(text)}
    found |= {str(value) for key, value in leaves(document)
              if value and re.search(r"phone|telephone|fax", key, re.IGNORECASE)}

    def names(value: Any) -> Iterator[str]:
        if isinstance(value, dict):
            if value.get("firstName") and value.get("lastName"):
                yield f"{value['firstName']} {value['lastName']}"
            for key in ("functionalName", "name"):
                if key in value and ("email" in value or "phone" in value or "telephone" in value):
                    yield str(value[key])
            for child in value.values():
                yield from names(child)
        elif isinstance(value, list):
            for child in value:
                yield from names(child)

    return found | set(names(document))


def study(nct: str | None = "NCT00000001", **modules: Any) -> dict[str, Any]:
    """A small valid API v2 study; keyword arguments replace or add protocolSection modules."""
    section: dict[str, Any] = {
        "identificationModule": {"nctId": nct, "briefTitle": f"Study {nct}"},
        "statusModule": {"overallStatus": "RECRUITING", "startDateStruct": {"date": "2020-01"}},
        "eligibilityModule": {"eligibilityCriteria": "Inclusion Criteria:\n\n* Adults", "sex": "ALL"},
    }
    if nct is None:
        del section["identificationModule"]["nctId"]
    section.update(modules)
    return {"protocolSection": section}


def read_one(tmp_path: Path, document: Any) -> RegisterRecord:
    path = tmp_path / "study.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return only(read_ctgov([path]))


# ClinicalTrials.gov: shapes


def test_single_study_file_maps_the_remdesivir_trial(registry):
    path = registry / "ctgov_v2" / "NCT04431453.json"
    record = only(read_ctgov([path]))
    assert (record.register, record.trial_id, record.source) == ("ClinicalTrials.gov", "NCT04431453", str(path))
    assert record.ids == [RegisterId("ClinicalTrials.gov", "NCT04431453"), RegisterId("sponsor", "GS-US-540-5823"),
                          RegisterId("EUCTR", "2020-001803-17")]
    assert record.title.startswith("A Phase 2/3 Single-Arm, Open-Label Study to Evaluate the Safety")
    assert record.brief_title == "Study of Remdesivir in Participants Below 18 Years Old With COVID-19"
    assert (record.phase, record.sponsor, record.overall_status) == ("II/III", "Gilead Sciences", "completed")
    assert record.conditions == ["COVID-19"] and record.mesh_terms == ["COVID-19"]
    assert record.interventions == [Intervention("Remdesivir", "drug", ["GS-5734™", "Veklury®"])]
    assert (record.min_age, record.max_age, record.sex) == (None, "18 years", "all")
    assert record.eligibility_text.startswith("Key Inclusion Criteria:")
    assert (record.start, record.completion, record.completion_actual) == ("2020-07-21", "2023-02-10", True)
    assert (record.last_verified, record.last_update) == ("2023-11", "2023-11-28")
    locations = load(path)["protocolSection"]["contactsLocationsModule"]["locations"]
    assert len(record.sites) == len(locations) == 32
    assert {(s.facility, s.city, s.country) for s in record.sites} == {
        (loc["facility"], loc["city"], loc["country"]) for loc in locations}
    assert RecordSite("Children's Hospital of Alabama", "Birmingham", "United States") in record.sites
    assert all(site.status is None for site in record.sites)  # the record states no status per site
    assert {(c.country, c.status, c.start) for c in record.recruitment} == {
        (country, "completed", "2020-07-21") for country in ("United States", "Spain", "Italy", "United Kingdom")}
    assert "Gilead Study Director" not in repr(record)


def test_search_page_study_is_read_with_its_index(registry):
    path = registry / "ctgov_v2" / "_api_responses" / "studies_page_NCT03281889.json"
    record = only(read_ctgov([path]))
    assert (record.trial_id, record.source) == ("NCT03281889", f"{path}[0]")
    assert (record.last_verified, record.overall_status, record.phase) == ("2021-01", "recruiting", "not applicable")
    assert (record.min_age, record.max_age) == ("3 years", "18 years")
    assert [(s.facility, s.city, s.status) for s in record.sites] == [
        ("Massachusetts General Hospital", "Boston", "recruiting"),
        ("MD Anderson Cancer Center", "Houston", "recruiting")]
    assert [(c.country, c.status, c.start) for c in record.recruitment] == [
        ("United States", "recruiting", "2018-01-04")]
    assert RegisterId("other", "U19CA021239-37") in record.ids


def test_no_contact_of_a_study_is_read(registry):
    paths = [registry / "ctgov_v2" / "_api_responses" / "studies_page_NCT03281889.json",
             registry / "ctgov_v2" / "_api_responses" / "studies_page_NCT04523987.json",  # has nextPageToken
             registry / "ctgov_v2" / "NCT04523987.json"]
    records, errors = split(read_ctgov(paths))
    assert not errors and [r.trial_id for r in records] == ["NCT03281889", "NCT04523987", "NCT04523987"]
    for path, record in zip(paths, records, strict=True):
        private = person_data(load(path))
        assert private, path
        assert not [value for value in private if value in repr(record)]


def test_bulk_zip_is_read_member_by_member(registry):
    path = registry / "ctgov_bulk" / "ctg-studies.json.zip"
    with closing(read_ctgov([path])) as items:
        first = list(itertools.islice(items, 50))
    with zipfile.ZipFile(path) as archive:
        members = archive.namelist()[:50]
    assert [item.source for item in first] == [f"{path}:{member}" for member in members]
    records, errors = split(first)
    assert not errors
    assert [f"{record.trial_id}.json" for record in records] == members
    head = records[0]
    assert (head.trial_id, head.phase, head.overall_status) == ("NCT00000102", "I/II", "completed")
    assert head.title == "Congenital Adrenal Hyperplasia: Calcium Channels as Therapeutic Targets"
    assert (head.min_age, head.max_age, head.sex) == ("14 years", "35 years", "all")


def test_folder_is_read_recursively_and_truncated_fixtures_are_refused(registry):
    records, errors = split(read_ctgov([registry / "ctgov_v2"]))
    assert sorted(r.trial_id for r in records) == sorted([
        "NCT00763412", "NCT00973089", "NCT02210780", "NCT02299791", "NCT02552212", "NCT03064438", "NCT03475563",
        "NCT03630471", "NCT04207047", "NCT04431453", "NCT04523987", "NCT05594173", "NCT03281889", "NCT04523987"])
    assert {(e.record, e.field) for e in errors} == set(TRUNCATED.items())
    for error in errors:
        assert error.source == str(registry / "ctgov_v2" / f"{error.record}.json")
        assert "'...'" in error.message


@pytest.mark.parametrize("nct", ["NCT03418623", "NCT06171568"])
def test_truncated_record_is_reported_and_the_next_one_still_read(registry, nct):
    paths = [registry / "ctgov_v2" / f"{nct}.json", registry / "ctgov_v2" / "NCT04431453.json"]
    error, record = read_ctgov(paths)
    assert isinstance(error, RecordError) and isinstance(record, RegisterRecord)
    assert (error.source, error.record, error.field) == (str(paths[0]), nct, TRUNCATED[nct])
    assert str(paths[0]) in str(error) and TRUNCATED[nct] in str(error)
    assert record.trial_id == "NCT04431453"


def test_glob_pattern(registry):
    records, errors = split(read_ctgov([str(registry / "ctgov_v2" / "NCT04*.json")]))
    assert not errors and [r.trial_id for r in records] == ["NCT04207047", "NCT04431453", "NCT04523987"]


def test_ctrdata_copies_of_api_v2_studies_are_read_and_legacy_ones_refused(registry):
    folder = registry / "ctis" / "ctrdata_demo_other_registries"
    records, errors = split(read_ctgov([str(folder / "NCT*.json")]))
    assert sorted(r.trial_id for r in records) == ["NCT00567567", "NCT00716976", "NCT01305200", "NCT01987596",
                                                   "NCT03275402"]
    assert sorted(Path(e.source).stem for e in errors) == ["NCT03325556", "NCT03443973", "NCT03548584"]
    assert {e.field for e in errors} == {"protocolSection"}


def test_every_record_uses_the_catalogue_vocabulary(registry):
    records, _ = split(itertools.chain(read_ctgov([registry / "ctgov_v2"]), read_ctis([registry / "ctis"])))
    assert len(records) == 18
    for record in records:
        assert record.overall_status in STATUSES
        assert all(c.status in STATUSES for c in record.recruitment)
        assert all(s.status is None or s.status in STATUSES for s in record.sites)
        assert record.sex in ("all", "female", "male")
        assert record.ids[0] == RegisterId(record.register, record.trial_id)


# ClinicalTrials.gov: malformed records


def test_malformed_records_are_reported_with_file_record_and_field(tmp_path):
    page = {"studies": [
        study(None),
        study("NCT00000002", statusModule=[{"overallStatus": "RECRUITING"}]),
        study("NCT00000003", statusModule={"overallStatus": "RECRUITING", "startDateStruct": {"date": "2020-13-45"}}),
        study("NCT00000004", identificationModule={"nctId": "NCT00000004", "briefTitle": 42}),
        study("NCT00000005"),
    ]}
    (tmp_path / "a_page.json").write_text(json.dumps(page), encoding="utf-8")
    (tmp_path / "b_bad.json").write_text('{"protocolSection": {', encoding="utf-8")
    (tmp_path / "c_good.json").write_text(json.dumps(study("NCT00000006")), encoding="utf-8")
    records, errors = split(read_ctgov([tmp_path]))
    assert [r.trial_id for r in records] == ["NCT00000005", "NCT00000006"]
    assert [(Path(e.source).name, e.record, e.field) for e in errors] == [
        ("a_page.json[0]", "#0", "protocolSection.identificationModule.nctId"),
        ("a_page.json[1]", "NCT00000002", "protocolSection.statusModule"),
        ("a_page.json[2]", "NCT00000003", "protocolSection.statusModule.startDateStruct.date"),
        ("a_page.json[3]", "NCT00000004", "protocolSection.identificationModule.briefTitle"),
        ("b_bad.json", "(file)", "$"),
    ]
    assert "expected an object, found a list" in errors[1].message
    assert "'2020-13-45'" in errors[2].message
    assert "expected a string, found a number" in errors[3].message


def test_bad_zip_member_is_reported_and_the_next_member_read(tmp_path):
    path = tmp_path / "studies.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("NCT00000001.json", "not json")
        archive.writestr("README.txt", "not a study")
        archive.writestr("NCT00000002.json", json.dumps(study("NCT00000002")))
    error, record = read_ctgov([path])
    assert isinstance(error, RecordError) and error.source == f"{path}:NCT00000001.json"
    assert (record.trial_id, record.source) == ("NCT00000002", f"{path}:NCT00000002.json")


def test_missing_file_and_unmatched_pattern_are_reported(tmp_path):
    missing, unmatched = read_ctgov([tmp_path / "absent.json", str(tmp_path / "*.json")])
    assert "no such file" in missing.message and "no file matches" in unmatched.message


@pytest.mark.parametrize(("phases", "phase"), [
    (["EARLY_PHASE1"], "early I"), (["PHASE1", "PHASE2"], "I/II"), (["PHASE3"], "III"), (["NA"], "not applicable"),
    ([], None)])
def test_phases(tmp_path, phases, phase):
    assert read_one(tmp_path, study(designModule={"phases": phases})).phase == phase


@pytest.mark.parametrize(("code", "status"), [
    ("RECRUITING", "recruiting"), ("ENROLLING_BY_INVITATION", "recruiting"),
    ("NOT_YET_RECRUITING", "not_yet_recruiting"),
    ("ACTIVE_NOT_RECRUITING", "active_not_recruiting"), ("COMPLETED", "completed"), ("TERMINATED", "terminated"),
    ("WITHDRAWN", "withdrawn"), ("SUSPENDED", "suspended"), ("UNKNOWN", "unknown"), ("NO_LONGER_AVAILABLE", "unknown")])
def test_statuses(tmp_path, code, status):
    assert read_one(tmp_path, study(statusModule={"overallStatus": code})).overall_status == status


def test_ages_sex_and_estimated_completion(tmp_path):
    record = read_one(tmp_path, study(
        eligibilityModule={"minimumAge": "6 Months", "maximumAge": "1 Year", "sex": "FEMALE"},
        statusModule={"overallStatus": "RECRUITING", "completionDateStruct": {"date": "2030-06", "type": "ESTIMATED"}}))
    assert (record.min_age, record.max_age, record.sex) == ("6 months", "1 year", "female")
    assert (record.completion, record.completion_actual, record.eligibility_text) == ("2030-06", False, None)


def test_country_status_comes_from_its_sites_while_the_trial_recruits(tmp_path):
    locations = [{"facility": "A", "city": "Lyon", "country": "France", "status": "COMPLETED"},
                 {"facility": "B", "city": "Paris", "country": "France", "status": "RECRUITING"},
                 {"facility": "C", "city": "Berlin", "country": "Germany", "status": "COMPLETED"},
                 {"facility": "D", "city": "Rome", "country": "Italy"},
                 {"facility": "E", "city": "Nowhere"}]
    record = read_one(tmp_path, study(contactsLocationsModule={"locations": locations}))
    assert [(c.country, c.status, c.start) for c in record.recruitment] == [
        ("France", "recruiting", "2020-01"), ("Germany", "completed", "2020-01"), ("Italy", "recruiting", "2020-01")]
    assert len(record.sites) == 4  # a site without a country cannot be placed
    closed = read_one(tmp_path, study(statusModule={"overallStatus": "COMPLETED"},
                                      contactsLocationsModule={"locations": locations[1:2]}))
    assert [(c.country, c.status) for c in closed.recruitment] == [("France", "completed")]


# CTIS


def test_posaconazole_trial(registry):
    path = registry / "ctis" / f"{POSACONAZOLE}.json"
    record = only(read_ctis([path]))
    assert (record.register, record.trial_id, record.source) == ("CTIS", POSACONAZOLE, str(path))
    assert record.ids == [RegisterId("CTIS", POSACONAZOLE), RegisterId("EUCTR", "2019-003842-34"),
                          RegisterId("sponsor", "MK-5592-127"), RegisterId("ClinicalTrials.gov", "NCT04665037"),
                          RegisterId("other", "75,061; 125,097")]
    assert record.title.startswith("A Phase 2, Open-Label, Single-Arm, Sequential-Panel Study")
    assert record.brief_title == "Posaconazole (MK-5592) IV and oral in children (less than 2 years) with IFI"
    assert (record.phase, record.sponsor, record.overall_status) == ("II", "Merck Sharp & Dohme LLC", "recruiting")
    assert record.conditions == ["Fungal infection", "Fungal infection NOS"]
    assert Intervention("Noxafil 300 mg concentrate for solution for infusion", None, ["posaconazole"]) \
        in record.interventions
    assert sorted((c.country, c.status, c.start) for c in record.recruitment) == [
        ("Belgium", "recruiting", "2022-10-31"), ("Greece", "recruiting", "2022-06-21"),
        ("Poland", "recruiting", "2025-05-22")]
    assert len(record.sites) == 6
    assert {site.country for site in record.sites} == {"Belgium", "Greece", "Poland"}
    assert RecordSite("Universitair Ziekenhuis Gent", "Gent", "Belgium") in record.sites
    assert (record.min_age, record.max_age, record.sex) == (None, "17 years", "all")
    assert (record.start, record.last_update) == ("2021-04-28", "2025-08-19")
    assert (record.completion, record.completion_actual) == ("2025-09-22", False)
    assert record.summary.startswith("To estimate the pharmacokinetics (PK) of posaconazole")


def test_ctis_criteria_read_like_ctgov_text(registry):
    path = registry / "ctis" / f"{POSACONAZOLE}.json"
    record = only(read_ctis([path]))
    criteria = load(path)["authorizedApplication"]["authorizedPartI"]["trialDetails"]["trialInformation"][
        "eligibilityCriteria"]
    inclusion, exclusion = record.eligibility_text.split("\n\nExclusion Criteria:\n\n")
    assert inclusion.startswith("Inclusion Criteria:\n\n1. Panel A: Is undergoing treatment")
    for text, key in ((inclusion.split("\n\n", 1)[1], "principalInclusionCriteria"),
                      (exclusion, "principalExclusionCriteria")):
        ordered = sorted(criteria[key], key=lambda criterion: criterion["number"])
        assert text.split("\n") == [f"{n}. {' '.join(c[key].split())}" for n, c in enumerate(ordered, 1)]
    assert exclusion.split("\n")[9] == "10. Has enrolled previously in the current study and been discontinued"


def test_no_person_data_of_a_ctis_record_is_read(registry):
    for path in sorted((registry / "ctis").glob("*.json")):
        record = only(read_ctis([path]))
        private = person_data(load(path))
        assert len(private) >= 3, path
        assert not [value for value in private if value in repr(record)], path


def test_older_ctis_layout(registry):
    record = only(read_ctis([registry / "ctis" / "2023-508143-51-01.json"]))
    assert record.title == ("Pulmonary function and sleep related disorders during cervical admission of "
                            "intrathecal baclofen in spinal cord injury; a safety study")
    assert (record.phase, record.sponsor, record.overall_status) == (
        "IV", "Roessingh Centrum Voor Revalidatie", "not_yet_recruiting")
    assert [(c.country, c.status, c.start) for c in record.recruitment] == [
        ("Netherlands", "not_yet_recruiting", None)]
    assert {(s.facility, s.city) for s in record.sites} == {
        ("Medisch Spectrum Twente", "Enschede"), ("Roessingh Centrum Voor Revalidatie", "Enschede")}
    assert RegisterId("EUCTR", "2021-004994-30") in record.ids
    assert (record.min_age, record.max_age, record.last_update) == ("18 years", None, "2024-05-06")
    other = only(read_ctis([registry / "ctis" / "2022-500244-37-00.json"]))
    exclusion = other.eligibility_text.split("Exclusion Criteria:\n\n")[1].split("\n")
    assert [line.split(". ", 1)[0] for line in exclusion] == [str(n) for n in range(1, 12)]
    assert exclusion[9].startswith("10. Liver enzyme elevation")


def test_ctis_age_bounds_agree_with_ctrdata_age_groups(registry):
    for path in sorted((registry / "ctis").glob("*.json")):
        record = only(read_ctis([path]))
        groups = [re.fullmatch(r"(\d+)(?:-(\d+)|\+) years", group.strip()).groups()
                  for group in load(path)["ageGroup"].split(",")]
        low = min(int(lo) for lo, _ in groups)
        high = None if any(hi is None for _, hi in groups) else max(int(hi) for _, hi in groups)
        assert record.min_age == (f"{low} years" if low else None), path
        assert record.max_age == (f"{high} years" if high is not None else None), path


def test_ctis_folder_glob_and_other_registries(registry):
    records, errors = split(read_ctis([registry / "ctis"]))
    assert sorted(r.trial_id for r in records) == [
        "2022-500244-37-00", "2023-505613-24-00", "2023-508143-51-01", "2024-510663-34-00"]
    assert len(errors) == 22 and all(e.message.startswith("not a CTIS record") for e in errors)
    assert all(Path(e.source).parent.name == "ctrdata_demo_other_registries" for e in errors)
    kinds = {Path(e.source).stem: e.message for e in errors}
    assert "EudraCT" in kinds["2013-000615-24-BE"] and "ISRCTN" in kinds["12949496"]
    assert "read_ctgov" in kinds["NCT00567567"] and "meta-info" in kinds["meta-info"]
    globbed = split(read_ctis([str(registry / "ctis" / "2023-*.json")]))
    assert [r.trial_id for r in globbed[0]] == ["2023-505613-24-00", "2023-508143-51-01"] and not globbed[1]


def test_malformed_ctis_records_are_reported_and_the_next_one_read(registry, tmp_path):
    good = load(registry / "ctis" / f"{POSACONAZOLE}.json")
    part1 = "authorizedApplication.authorizedPartI"
    info = f"{part1}.trialDetails.trialInformation"
    first_inclusion = f"{info}.eligibilityCriteria.principalInclusionCriteria[0].principalInclusionCriteria"
    cut, bad_date, wrong_type, no_number, bad_phase = (copy.deepcopy(good) for _ in range(5))
    criteria = cut["authorizedApplication"]["authorizedPartI"]["trialDetails"]["trialInformation"]
    criteria["eligibilityCriteria"]["principalInclusionCriteria"][0]["principalInclusionCriteria"] = "Panel A: Is..."
    bad_date["lastUpdated"] = "31/02/2025"
    wrong_type["authorizedApplication"]["authorizedPartI"]["trialDetails"] = []
    del no_number["ctNumber"]
    bad_phase["authorizedApplication"]["authorizedPartI"]["trialDetails"]["trialInformation"]["trialCategory"][
        "trialPhase"] = "99"
    for name, document in (("a", cut), ("b", bad_date), ("c", wrong_type), ("d", no_number), ("e", bad_phase),
                           ("f", good)):
        (tmp_path / f"{name}.json").write_text(json.dumps(document), encoding="utf-8")
    records, errors = split(read_ctis([tmp_path]))
    assert [r.trial_id for r in records] == [POSACONAZOLE]
    assert [(Path(e.source).name, e.record, e.field) for e in errors] == [
        ("a.json", POSACONAZOLE, first_inclusion),
        ("b.json", POSACONAZOLE, "lastUpdated"),
        ("c.json", POSACONAZOLE, f"{part1}.trialDetails"),
        ("d.json", "#0", "ctNumber"),
        ("e.json", POSACONAZOLE, f"{info}.trialCategory.trialPhase"),
    ]
