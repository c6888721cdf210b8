"""Catalogue trials taken from registry records in ../shared/registry stay true to their record.

Each record is read again and its eligibility text split into criterion lines the same way the trial file
was written: every non-blank line of the inclusion and exclusion text is one criterion, in order; only
headings ("Inclusion Criteria:", or a short label that introduces a sub-list, such as "Major criteria:")
are left out. A dropped, merged, split or reordered line fails here, as does a wrong id, title, status,
site or start date.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
REGISTRY = REPO.parent / "shared" / "registry"
TRIALS = REPO / "trials"

# Trial id -> the record it was taken from, relative to ../shared/registry.
SOURCES = {
    "NCT02407080": "trialgpt2/trec_2021/NCT02407080.json",
    "NCT01787552": "trialgpt2/trec_2022/NCT01787552.json",
    "NCT01331603": "trialgpt2/trec_2022/NCT01331603.json",
    "NCT00049764": "trialgpt2/trec_2021/NCT00049764.json",
    "NCT00045760": "trialgpt2/sigir/NCT00045760.json",
    "NCT03378466": "trialgpt2/trec_2022/NCT03378466.json",
    "NCT02113917": "trialgpt2/trec_2021/NCT02113917.json",
    "NCT00534495": "trialgpt2/sigir/NCT00534495.json",
    "NCT00069329": "trialgpt2/trec_2022/NCT00069329.json",
    "NCT01809132": "trialgpt2/trec_2022/NCT01809132.json",
    "NCT00107081": "trialgpt2/trec_2022/NCT00107081.json",
    "NCT00922883": "trialgpt2/trec_2021/NCT00922883.json",
    "NCT01001598": "trialgpt2/trec_2022/NCT01001598.json",
    "NCT03281889": "ctgov_v2/_api_responses/studies_page_NCT03281889.json",
    "NCT04431453": "ctgov_v2/NCT04431453.json",
    "2023-505613-24-00": "ctis/2023-505613-24-00.json",
}

CTGOV_STATUS = {
    "RECRUITING": "recruiting",
    "NOT_YET_RECRUITING": "not_yet_recruiting",
    "ACTIVE_NOT_RECRUITING": "active_not_recruiting",
    "COMPLETED": "completed",
    "TERMINATED": "terminated",
    "WITHDRAWN": "withdrawn",
    "SUSPENDED": "suspended",
    "UNKNOWN": "unknown",
}
# CTIS public status codes (ctPublicStatusCode, and the code after the colon in trialCountries "Belgium:4"):
# 2 authorised, recruitment pending; 3 authorised, recruiting; 4 ongoing, recruiting;
# 5 ongoing, recruitment ended; 6 temporarily halted; 7 suspended.
CTIS_STATUS = {2: "not_yet_recruiting", 3: "recruiting", 4: "recruiting", 5: "active_not_recruiting",
               6: "suspended", 7: "suspended"}

SECTION = re.compile(r"^(?:key\s+)?(inclusion|exclusion)\s+criteria\s*:?$", re.IGNORECASE)
BULLET = re.compile(r"^[*-]\s*")
MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>^~|])")


def clean(line: str) -> str:
    """One line as the trial file keeps it: trimmed, without its list bullet or markdown escapes."""
    text = BULLET.sub("", line.strip(), count=1)
    return MARKDOWN_ESCAPE.sub(r"\1", text).strip()


def is_heading(text: str) -> bool:
    """A section heading, or a short label (at most four words, no number) that only introduces a sub-list."""
    if SECTION.match(text):
        return True
    return text.endswith(":") and not re.search(r"\d", text) and len(text[:-1].split()) <= 4


def criterion_lines(raw: str) -> tuple[list[str], list[str]]:
    """Inclusion and exclusion lines of a registry eligibility text, in order."""
    inclusion: list[str] = []
    exclusion: list[str] = []
    current = inclusion
    for line in raw.split("\n"):
        text = clean(line)
        if not text:
            continue
        section = SECTION.match(text)
        if section and section.group(1).lower() == "exclusion":
            current = exclusion
        if is_heading(text):
            continue
        current.append(text)
    return inclusion, exclusion


def _ctgov(study: dict[str, Any]) -> dict[str, Any]:
    section = study["protocolSection"]
    inclusion, exclusion = criterion_lines(section["eligibilityModule"]["eligibilityCriteria"])
    locations = section.get("contactsLocationsModule", {}).get("locations", [])
    status = section["statusModule"]
    return {
        "id": section["identificationModule"]["nctId"],
        "title": section["identificationModule"]["briefTitle"],
        "status": CTGOV_STATUS[status["overallStatus"]],
        "by_country": {},
        "inclusion": inclusion,
        "exclusion": exclusion,
        "sites": {(loc.get("facility"), loc["city"], loc["country"]) for loc in locations},
        "starts": {status["startDateStruct"]["date"]} if "startDateStruct" in status else set(),
    }


def _ctis(record: dict[str, Any]) -> dict[str, Any]:
    part1 = record["authorizedApplication"]["authorizedPartI"]
    criteria = part1["trialDetails"]["trialInformation"]["eligibilityCriteria"]
    inclusion = [c["principalInclusionCriteria"].strip()
                 for c in sorted(criteria["principalInclusionCriteria"], key=lambda c: c["number"])]
    exclusion = [c["principalExclusionCriteria"].strip()
                 for c in sorted(criteria["principalExclusionCriteria"], key=lambda c: c["number"])]
    sites = set()
    for part2 in record["authorizedApplication"]["authorizedPartsII"]:
        for site in part2["trialSites"]:
            where = site["organisationAddressInfo"]
            sites.add((where["organisation"]["name"], where["address"]["city"], where["address"]["countryName"]))
    by_country = {}
    for entry in record["trialCountries"]:
        country, code = entry.rsplit(":", 1)
        by_country[country] = CTIS_STATUS[int(code)]
    starts = {(country["mscName"], event["date"])
              for country in record["events"]["trialEvents"]
              for event in country["events"] if event["notificationType"] == "START_OF_RECRUITMENT"}
    return {
        "id": record["ctNumber"],
        "title": part1["trialDetails"]["clinicalTrialIdentifiers"]["publicTitle"],
        "status": CTIS_STATUS[record["ctPublicStatusCode"]],
        "by_country": by_country,
        "inclusion": inclusion,
        "exclusion": exclusion,
        "sites": sites,
        "starts": starts,
    }


def _trialgpt(record: dict[str, Any]) -> dict[str, Any]:
    inclusion, exclusion = criterion_lines(record["raw_criteria"])
    return {"id": record["nctid"], "title": record["title"], "status": CTGOV_STATUS[record["overall_status"]],
            "by_country": {}, "inclusion": inclusion, "exclusion": exclusion, "sites": set(), "starts": set()}


def read_record(relative: str) -> dict[str, Any]:
    data = json.loads((REGISTRY / relative).read_text(encoding="utf-8"))
    if "studies" in data:  # a ClinicalTrials.gov API search page holding the one study
        (data,) = data["studies"]
    if "ctNumber" in data:
        return _ctis(data)
    if "protocolSection" in data:
        return _ctgov(data)
    return _trialgpt(data)


def read_trial(trial_id: str) -> dict[str, Any]:
    return yaml.safe_load((TRIALS / f"{trial_id}.yaml").read_text(encoding="utf-8"))


def words(text: str) -> str:
    return " ".join(str(text).split())


@pytest.fixture
def registry() -> Path:
    if not REGISTRY.is_dir():
        pytest.skip(f"{REGISTRY} is absent (../shared/registry beside the repo); the registry checks need it")
    return REGISTRY


@pytest.mark.parametrize("trial_id", sorted(SOURCES))
def test_every_criterion_line_is_one_criterion_in_order(registry, trial_id):
    record = read_record(SOURCES[trial_id])
    trial = read_trial(trial_id)
    for kind in ("inclusion", "exclusion"):
        lines = record[kind]
        criteria = trial["criteria"][kind]
        assert len(criteria) == len(lines), (
            f"{trial_id}: {len(criteria)} {kind} criteria in the trial file, {len(lines)} {kind} lines in the record")
        for number, (criterion, line) in enumerate(zip(criteria, lines, strict=True), 1):
            assert criterion["id"] == f"{kind[:2]}{number}"
            assert words(criterion["text"]) == words(line), f"{trial_id} {criterion['id']}: not the record's line"


@pytest.mark.parametrize("trial_id", sorted(SOURCES))
def test_id_title_and_status_match_the_record(registry, trial_id):
    record = read_record(SOURCES[trial_id])
    trial = read_trial(trial_id)
    assert trial["id"] == record["id"] == trial_id
    assert trial_id in {r["id"] for r in trial["register_ids"]}
    assert words(trial["title"]) == words(record["title"])
    statuses = {r["status"] for r in trial["recruitment"]}
    if record["by_country"]:
        for entry in trial["recruitment"]:
            assert entry["status"] == record["by_country"][entry["country"]], entry["country"]
        assert record["status"] in statuses
    else:
        assert statuses == {record["status"]}


@pytest.mark.parametrize("trial_id", sorted(SOURCES))
def test_sites_and_start_dates_come_from_the_record(registry, trial_id):
    record = read_record(SOURCES[trial_id])
    trial = read_trial(trial_id)
    verified = {(s["name"], s["city"], s["country"]) for s in trial["sites"] if s["verified"]}
    assert verified == record["sites"]
    for entry in trial["recruitment"]:
        start = entry.get("start")
        if start is None:
            continue
        start = str(start)  # YAML may read an unquoted date as a date
        assert start in record["starts"] or (entry["country"], start) in record["starts"], (entry, record["starts"])


def test_every_trial_taken_from_the_shared_registry_is_checked_here():
    taken = {path.stem for path in TRIALS.glob("*.yaml")
             if "shared registry file" in words((read_trial(path.stem) or {}).get("source", ""))}
    assert taken == set(SOURCES)
