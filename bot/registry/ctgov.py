"""Reader of ClinicalTrials.gov API v2 study records.

It reads every shape the registry hands out: one study per file (`{"protocolSection": ...}`), an API search page
(`{"studies": [...]}`) or the website's JSON download (a list of studies), the bulk download zip (one study per
member, read member by member so that its 75 MB of JSON never sit in memory together), folders (recursively, `*.json`
and `*.zip`) and glob patterns.

Each study becomes a `RegisterRecord`. A study that cannot be used becomes a `RecordError` naming the file (with the
zip member or page index), the record (its nctId, else `#<index>` in the file) and the field; reading then goes on
with the next study. A study is refused for: no nctId; a value of another JSON type than the schema's (a list for
statusModule, a number for a title); an unreadable date, age, sex or phase; truncated text. The AACT test fixtures
cut strings with a trailing '...': a title or eligibility text ending so refuses the whole record, not only that
field, because half a criteria list would let a person match a trial that its missing criteria exclude them from,
and a cut title would be shown as the trial's name. Other texts (summary, descriptions) are not checked.

Statuses: ENROLLING_BY_INVITATION counts as recruiting; UNKNOWN, the expanded-access statuses and any other value
are "unknown". A site without a country (a few legacy records have one) cannot be placed and is left out; the record
is kept. Per country: while the trial as a whole is recruiting or not yet recruiting, a country takes the most
open status its sites state; otherwise (or when its sites state none) it takes the overall status, so that a stale
"recruiting" site of a completed trial does not reopen it. Each country's start is the study's start.

Person data is never read: central contacts, site contacts, investigators and officials stay in the file.

The file walking and the typed access to fields live in `bot.registry.files`, shared with `bot.registry.ctis`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from bot.registry.files import WHOLE_FILE, Invalid, Node, as_text, documents, kind_of, untruncated
from bot.registry.record import (
    CountryRecruitment,
    Intervention,
    RecordError,
    RecordSite,
    RegisterId,
    RegisterRecord,
)

REGISTER = "ClinicalTrials.gov"

_STATUS = {
    "RECRUITING": "recruiting",
    "ENROLLING_BY_INVITATION": "recruiting",
    "NOT_YET_RECRUITING": "not_yet_recruiting",
    "ACTIVE_NOT_RECRUITING": "active_not_recruiting",
    "COMPLETED": "completed",
    "TERMINATED": "terminated",
    "WITHDRAWN": "withdrawn",
    "SUSPENDED": "suspended",
}
# Most open first: a country with one recruiting site is recruiting.
_OPENNESS = ("recruiting", "not_yet_recruiting", "active_not_recruiting", "suspended", "completed", "terminated",
             "withdrawn", "unknown")
_PHASE = {"EARLY_PHASE1": "early I", "PHASE1": "I", "PHASE2": "II", "PHASE3": "III", "PHASE4": "IV",
          "NA": "not applicable"}
_SEX = {"ALL": "all", "FEMALE": "female", "MALE": "male"}
_AGE = re.compile(r"\d+(?:\.\d+)?\s+(?:year|month|week|day|hour|minute)s?", re.IGNORECASE)
_NCT = re.compile(r"NCT\d{8}")
_CTIS_NUMBER = re.compile(r"\d{4}-\d{6}-\d{2}-\d{2}")
_EUDRACT = re.compile(r"\d{4}-\d{6}-\d{2}(?:-[A-Z]{2})?")


def read_ctgov(paths: Iterable[str | Path]) -> Iterator[RegisterRecord | RecordError]:
    """Every ClinicalTrials.gov study under `paths`, as a record or as the error that keeps it out."""
    for item in documents(paths):
        if isinstance(item, RecordError):
            yield item
            continue
        source, data = item
        if isinstance(data, dict) and "studies" in data and "protocolSection" not in data:
            data = data["studies"]
            if not isinstance(data, list):
                yield RecordError(source, WHOLE_FILE, "studies", f"expected a list, found {kind_of(data)}")
                continue
        if isinstance(data, list):
            for index, study in enumerate(data):
                yield _read_study(f"{source}[{index}]", index, study)
        else:
            yield _read_study(source, 0, data)


def _read_study(source: str, index: int, study: Any) -> RegisterRecord | RecordError:
    try:
        return _record(source, Node(study))
    except Invalid as bad:
        return RecordError(source, _label(study, index), bad.path, bad.message)


def _label(study: Any, index: int) -> str:
    """The nctId that names a study in an error, or its place in the file when it has none."""
    try:
        nct = study["protocolSection"]["identificationModule"]["nctId"]
    except (KeyError, TypeError):
        nct = None
    return nct.strip() if isinstance(nct, str) and nct.strip() else f"#{index}"


def _record(source: str, study: Node) -> RegisterRecord:
    if not isinstance(study.value, dict) or "protocolSection" not in study.value:
        raise Invalid("protocolSection", "not a ClinicalTrials.gov API v2 study (no protocolSection)")
    section = study.obj("protocolSection")
    ident = section.obj("identificationModule")
    nct = ident.text("nctId")
    if nct is None:
        raise Invalid(ident.child("nctId").path, "no nctId")
    if not _NCT.fullmatch(nct):
        raise Invalid(ident.child("nctId").path, f"{nct!r} is not an NCT number")
    official = untruncated(ident, "officialTitle")
    brief = untruncated(ident, "briefTitle")
    title = official or brief
    if title is None:
        raise Invalid(ident.child("officialTitle").path, "no title (neither officialTitle nor briefTitle)")
    status = section.obj("statusModule")
    overall = _status(status.text("overallStatus"))
    start = status.obj("startDateStruct").date("date")
    completion = status.obj("completionDateStruct")
    completion_date = completion.date("date")
    completion_type = completion.text("type")
    eligibility = section.obj("eligibilityModule")
    sites = [site for location in section.obj("contactsLocationsModule").items("locations")
             if (site := _site(location)) is not None]
    return RegisterRecord(
        register=REGISTER,
        source=source,
        trial_id=nct,
        ids=_ids(nct, ident),
        title=title,
        brief_title=brief,
        phase=_phase(section.obj("designModule")),
        sponsor=section.obj("sponsorCollaboratorsModule").obj("leadSponsor").text("name"),
        conditions=section.obj("conditionsModule").texts("conditions"),
        mesh_terms=[term for mesh in study.obj("derivedSection").obj("conditionBrowseModule").items("meshes")
                    if (term := mesh.text("term")) is not None],
        interventions=[_intervention(item) for item in section.obj("armsInterventionsModule").items("interventions")],
        overall_status=overall,
        recruitment=_recruitment(sites, overall, start),
        sites=sites,
        min_age=_age(eligibility, "minimumAge"),
        max_age=_age(eligibility, "maximumAge"),
        sex=_sex(eligibility),
        eligibility_text=untruncated(eligibility, "eligibilityCriteria"),
        summary=section.obj("descriptionModule").text("briefSummary"),
        start=start,
        last_verified=status.date("statusVerifiedDate"),
        last_update=status.date("lastUpdateSubmitDate"),
        completion=completion_date,
        completion_actual=None if completion_date is None or completion_type is None
        else completion_type.upper() == "ACTUAL",
    )


def _ids(nct: str, ident: Node) -> list[RegisterId]:
    ids = [RegisterId(REGISTER, nct)]
    ids += [RegisterId(REGISTER, alias) for alias in ident.texts("nctIdAliases")]
    sponsor_id = ident.obj("orgStudyIdInfo").text("id")
    if sponsor_id is not None:
        ids.append(RegisterId("sponsor", sponsor_id))
    for secondary in ident.items("secondaryIdInfos"):
        value = secondary.text("id")
        if value is not None:
            ids.append(RegisterId(_secondary_register(value, secondary.text("type")), value))
    return list({register_id.id: register_id for register_id in reversed(ids)}.values())[::-1]


def _secondary_register(value: str, kind: str | None) -> str:
    """Which register a secondary id belongs to: EU numbers are recognised by type or by their shape."""
    if kind == "CTIS" or _CTIS_NUMBER.fullmatch(value):
        return "CTIS"
    if kind == "EUDRACT_NUMBER" or _EUDRACT.fullmatch(value):
        return "EUCTR"
    return "other"


def _status(code: str | None) -> str:
    return _STATUS.get((code or "").upper(), "unknown")


def _phase(design: Node) -> str | None:
    names = []
    for node in design.items("phases"):
        code = as_text(node)
        if code not in _PHASE:
            raise Invalid(node.path, f"unknown phase {code!r}")
        names.append(_PHASE[code])
    return "/".join(names) or None


def _age(eligibility: Node, key: str) -> str | None:
    """'18 Years' -> '18 years'; an age in any other form is refused rather than guessed."""
    text = eligibility.text(key)
    if text is None or text.upper() == "N/A":
        return None
    if not _AGE.fullmatch(text):
        raise Invalid(eligibility.child(key).path, f"unreadable age {text!r}")
    return " ".join(text.split()).lower()


def _sex(eligibility: Node) -> str:
    code = eligibility.text("sex")
    if code is None:
        return "all"
    if code.upper() not in _SEX:
        raise Invalid(eligibility.child("sex").path, f"unknown sex {code!r}")
    return _SEX[code.upper()]


def _intervention(item: Node) -> Intervention:
    name = item.text("name")
    if name is None:
        raise Invalid(item.child("name").path, "an intervention without a name")
    kind = item.text("type")
    return Intervention(name, kind.lower().replace("_", " ") if kind else None, item.texts("otherNames"))


def _site(location: Node) -> RecordSite | None:
    """Facility, city, country and status of a site; its contacts are never read."""
    country = location.text("country")
    if country is None:
        return None
    status = location.text("status")
    return RecordSite(location.text("facility"), location.text("city"), country,
                      _status(status) if status else None)


def _recruitment(sites: list[RecordSite], overall: str, start: str | None) -> list[CountryRecruitment]:
    """One entry per country of the sites, in the order the sites first name them."""
    result = []
    for country in dict.fromkeys(site.country for site in sites):
        status = overall
        stated = [site.status for site in sites if site.country == country and site.status]
        if overall in ("recruiting", "not_yet_recruiting") and stated:
            status = min(stated, key=_OPENNESS.index)
        result.append(CountryRecruitment(country, status, start))
    return result
