"""Reader of EU CTIS trial records as the R package ctrdata stores them (one trial per JSON document).

Two layouts occur, and both are read:

- older (CTIS public API before its relaunch of 2024-06-17): part I and parts II at the top level
  (`authorizedPartI`, `authorizedPartsII`), `ctStatus` as text ("Authorised, not started"), the recruitment status per
  country as text (`recruitmentStatus` "NL:Pending"), the EudraCT number in `eudraCtInfo`;
- newer: the same parts under `authorizedApplication`, numeric status codes (`ctPublicStatusCode`,
  `memberStatesConcerned[].mscPublicStatusCode`), trial events per member state, the EudraCT number in `eudraCt`.

Documents that are not CTIS trials (ctrdata keeps EUCTR, ISRCTN and ClinicalTrials.gov records in the same
collection; its query log is `meta-info`) are each a RecordError "not a CTIS record"; the ClinicalTrials.gov API v2
ones are read by `bot.registry.ctgov.read_ctgov`.

Mapping:
- ids: EU CT number, EudraCT number ("EUCTR"), the short title, which CTIS labels the sponsor's protocol code
  ("sponsor"), the NCT number ("ClinicalTrials.gov") and other registries' numbers ("other").
- status codes (ctrdata's f.statusRecruitment lists them): 1 under evaluation and 2 authorised, recruitment pending
  -> not_yet_recruiting; 3 authorised, recruiting and 4 ongoing, recruiting -> recruiting; 5 ongoing, recruitment ended
  -> active_not_recruiting; 6 temporarily halted and 7 suspended -> suspended; 8 ended -> completed, or terminated where
  the member state notified an early termination; 9 expired, 11 not authorised and 12 cancelled -> withdrawn (no
  participant under that authorisation); 10 revoked -> terminated. The older layout's texts map by the same labels,
  plus "Authorised, not started" -> not_yet_recruiting; its country statuses "Pending" -> not_yet_recruiting,
  "Recruiting"/"Ongoing" -> recruiting, "Ended" -> active_not_recruiting. Anything else is "unknown".
- a country's start is its START_OF_RECRUITMENT event, else the start of its active recruitment period.
- phase (trialCategory.trialPhase): 1-3 (human pharmacology: first in human, bioequivalence, other) -> "I";
  4 -> "II"; 5 -> "III"; 6 -> "IV"; 7-9 (integrated phase I and II) -> "I/II"; 10 -> "II/III"; 11 -> "III/IV".
  An unknown code refuses the record rather than being guessed.
- ages: CTIS states no numeric ages, only age-range categories (populationOfTrialSubjects.ageRanges): 2 = 0-17 years,
  3 = 18-64 years, 4 = 65+ years, as ctrdata's `ageGroup` summary of each record confirms. min_age and max_age are the
  outer bounds of the categories a trial ticks (0-17 -> max "17 years"; 18-64 and 65+ -> min "18 years"); with any
  other code both stay None. They are an outer bound only: the criteria may narrow them (the posaconazole trial's
  category is 0-17 years, its criteria say under 2 years).
- criteria: principalInclusionCriteria / principalExclusionCriteria, ordered by their number, become one text under
  "Inclusion Criteria:" and "Exclusion Criteria:" headings with one numbered line per criterion (a criterion's inner
  line breaks are folded into spaces), so that it reads like ClinicalTrials.gov text.
- conditions: the medical condition texts, then the MedDRA term names. Products: their names, with the active
  substances as other names; CTIS gives no intervention type. Summary: the main objective.
- dates: start is startDateEU, else the earliest START_OF_TRIAL event; completion is the trial's global end date
  (actual), else its estimated (global) end date.

Errors behave as in `bot.registry.ctgov`: a title or criterion ending in '...' refuses the whole record.
Person data is never read: site investigators (`personInfo`), sponsor contacts, legal representatives, e-mail
addresses and phone numbers stay in the file; a site is its organisation, city and country (CTIS states no status
per site; a site without a country is left out).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from bot.registry.files import ROOT, Invalid, Node, documents, iso_date, untruncated
from bot.registry.record import (
    CountryRecruitment,
    Intervention,
    RecordError,
    RecordSite,
    RegisterId,
    RegisterRecord,
)

REGISTER = "CTIS"

_CODES = {"1": "not_yet_recruiting", "2": "not_yet_recruiting", "3": "recruiting", "4": "recruiting",
          "5": "active_not_recruiting", "6": "suspended", "7": "suspended", "8": "completed", "9": "withdrawn",
          "10": "terminated", "11": "withdrawn", "12": "withdrawn"}
_TEXTS = {"under evaluation": "1", "authorised, recruitment pending": "2", "authorised, not started": "2",
          "authorised, recruiting": "3", "ongoing, recruiting": "4", "ongoing, recruitment ended": "5",
          "temporarily halted": "6", "suspended": "7", "ended": "8", "expired": "9", "revoked": "10",
          "not authorised": "11", "cancelled": "12"}
_COUNTRY_TEXTS = {"pending": "not_yet_recruiting", "recruiting": "recruiting", "ongoing": "recruiting",
                  "ended": "active_not_recruiting"}
_ENDED = "8"
_PHASES = {"1": "I", "2": "I", "3": "I", "4": "II", "5": "III", "6": "IV", "7": "I/II", "8": "I/II", "9": "I/II",
           "10": "II/III", "11": "III/IV"}
_AGE_RANGES = {"2": (None, "17 years"), "3": ("18 years", "64 years"), "4": ("65 years", None)}
_OTHER_REGISTERS = {
    "EUCTR": "an EU Clinical Trials Register (EudraCT) record",
    "ISRCTN": "an ISRCTN registry record",
    "CTGOV2": "a ClinicalTrials.gov API v2 study (read it with read_ctgov)",
    "CTGOV": "a ClinicalTrials.gov legacy (XML) record",
}
_CT_NUMBER = re.compile(r"\d{4}-\d{6}-\d{2}-\d{2}")
_DAY_FIRST = re.compile(r"(\d{2})/(\d{2})/(\d{4})")
_COUNTRY_STATUS = re.compile(r"([A-Z]{2})\s*:\s*([^,]+)")


def read_ctis(paths: Iterable[str | Path]) -> Iterator[RegisterRecord | RecordError]:
    """Every CTIS trial under `paths`, as a record or as the error that keeps it out."""
    for item in documents(paths):
        if isinstance(item, RecordError):
            yield item
            continue
        source, data = item
        number = data.get("ctNumber") if isinstance(data, dict) else None
        label = number.strip() if isinstance(number, str) and number.strip() else "#0"
        other = _not_ctis(data)
        if other:
            yield RecordError(source, label, ROOT, f"not a CTIS record: {other}")
            continue
        try:
            yield _record(source, Node(data))
        except Invalid as bad:
            yield RecordError(source, label, bad.path, bad.message)


def _not_ctis(data: Any) -> str | None:
    """What a document that is not a CTIS trial is; None for a CTIS trial."""
    if not isinstance(data, dict):
        return "a JSON document that is not an object"
    register = data.get("ctrname")
    if register == REGISTER or (register is None and "ctNumber" in data):
        return None
    if register in _OTHER_REGISTERS:
        return _OTHER_REGISTERS[register]
    if "protocolSection" in data:
        return _OTHER_REGISTERS["CTGOV2"]
    if "queries" in data:
        return "ctrdata's log of the queries behind its collection (meta-info)"
    return "no ctNumber"


def _date(text: str) -> str | None:
    """CTIS writes dates as 2024-05-06, 2024-04-12T09:35:07.009 or 19/08/2025; all become ISO dates."""
    day_first = _DAY_FIRST.fullmatch(text)
    if day_first:
        day, month, year = day_first.groups()
        return iso_date(f"{year}-{month}-{day}")
    return iso_date(text[:10] if len(text) > 10 and text[10] == "T" else text)


def _record(source: str, doc: Node) -> RegisterRecord:
    number = doc.text("ctNumber")
    if number is None or not _CT_NUMBER.fullmatch(number):
        raise Invalid("ctNumber", f"no EU CT number (found {number!r})")
    root = doc.obj("authorizedApplication")
    if root.value is None:
        root = doc
    part1 = root.obj("authorizedPartI")
    if part1.value is None:
        raise Invalid(part1.path, "no authorised part I: the trial is not authorised")
    details = part1.obj("trialDetails")
    identifiers = details.obj("clinicalTrialIdentifiers")
    info = details.obj("trialInformation")
    full_title = _one_line(untruncated(identifiers, "fullTitle"))
    public_title = _one_line(untruncated(identifiers, "publicTitle"))
    title = full_title or public_title
    if title is None:
        raise Invalid(identifiers.child("fullTitle").path, "no title (neither fullTitle nor publicTitle)")
    inclusion = _criteria(info.obj("eligibilityCriteria"), "principalInclusionCriteria")
    exclusion = _criteria(info.obj("eligibilityCriteria"), "principalExclusionCriteria")
    events = _events(doc)
    overall = _overall(doc, events)
    population = info.obj("populationOfTrialSubjects")
    min_age, max_age = _ages(population)
    actual_end = doc.obj("events").date("trialGlobalEndDate", _date)
    duration = info.obj("trialDuration")
    planned_end = duration.date("estimatedGlobalEndDate", _date) or duration.date("estimatedEndDate", _date)
    trial_starts = [date for kinds in events.values() for kind, date in kinds if kind == "START_OF_TRIAL"]
    return RegisterRecord(
        register=REGISTER,
        source=source,
        trial_id=number,
        ids=_ids(number, root, identifiers),
        title=title,
        brief_title=public_title,
        phase=_phase(info.obj("trialCategory")),
        sponsor=_sponsor(part1),
        conditions=_conditions(part1, info.obj("medicalCondition")),
        interventions=_products(part1),
        overall_status=overall,
        recruitment=_recruitment(doc, root, events, overall),
        sites=_sites(root),
        min_age=min_age,
        max_age=max_age,
        sex=_sex(doc, population),
        eligibility_text=_criteria_text(inclusion, exclusion),
        summary=info.obj("trialObjective").text("mainObjective"),
        start=doc.date("startDateEU", _date) or min(trial_starts, default=None),
        last_update=doc.date("lastUpdated", _date),
        completion=actual_end or planned_end,
        completion_actual=True if actual_end else (False if planned_end else None),
    )


def _one_line(text: str | None) -> str | None:
    """Titles of the older layout carry line breaks ("spinal cord injury;\na safety study"); a title is one line."""
    return " ".join(text.split()) if text else None


def _ids(number: str, root: Node, identifiers: Node) -> list[RegisterId]:
    ids = [RegisterId(REGISTER, number)]
    eudract = root.obj("eudraCt").text("eudraCtCode") or root.obj("eudraCtInfo").text("eudraCtCode")
    if eudract:
        ids.append(RegisterId("EUCTR", eudract))
    protocol_code = identifiers.text("shortTitle")
    if protocol_code:
        ids.append(RegisterId("sponsor", protocol_code))
    secondary = identifiers.obj("secondaryIdentifyingNumbers")
    for key, value in (secondary.value or {}).items():
        if isinstance(value, dict):
            found = secondary.obj(key).text("number")
            if found:
                ids.append(RegisterId("ClinicalTrials.gov" if key == "nctNumber" else "other", found))
    ids += [RegisterId("other", found) for registry in secondary.items("additionalRegistries")
            if (found := registry.text("number"))]
    return list({register_id.id: register_id for register_id in reversed(ids)}.values())[::-1]


def _phase(category: Node) -> str | None:
    code = category.code("trialPhase")
    if code is None:
        return None
    if code not in _PHASES:
        raise Invalid(category.child("trialPhase").path, f"unknown phase code {code!r}")
    return _PHASES[code]


def _sponsor(part1: Node) -> str | None:
    """The primary sponsor's organisation name (never its contact persons)."""
    sponsors = part1.items("sponsors")
    primary = [sponsor for sponsor in sponsors if sponsor.flag("primary")]
    for sponsor in primary + sponsors:
        name = sponsor.obj("organisation").text("name")
        if name:
            return name
    return None


def _conditions(part1: Node, condition: Node) -> list[str]:
    texts = [entry.text("medicalCondition") for entry in condition.items("partIMedicalConditions")]
    if not any(texts):
        texts = [entry.text("medicalCondition") for entry in part1.items("medicalConditions")]
    texts += [term.text("termName") for term in condition.items("meddraConditionTerms")]
    return _unique(text for text in texts if text)


def _products(part1: Node) -> list[Intervention]:
    """Each product once, by name, with its active substances as other names."""
    products: dict[str, Intervention] = {}
    for product in part1.items("products"):
        dictionary = product.obj("productDictionaryInfo")
        substances = [product.text("jsonActiveSubstanceNames"), dictionary.text("activeSubstanceName")]
        substances = [name for name in substances if name and name.casefold() != "n/a"]
        name = product.text("productName") or dictionary.text("prodName") or next(iter(substances), None)
        if name is None:
            raise Invalid(product.child("productName").path, "a product without a name")
        entry = products.setdefault(name.casefold(), Intervention(name))
        entry.other_names = _unique([*entry.other_names, *substances], exclude=name)
    return list(products.values())


def _unique(texts: Iterable[str], exclude: str | None = None) -> list[str]:
    """Texts without repeats, ignoring case; the first spelling is kept."""
    seen = {exclude.casefold()} if exclude else set()
    result = []
    for text in texts:
        if text.casefold() not in seen:
            seen.add(text.casefold())
            result.append(text)
    return result


def _events(doc: Node) -> dict[str, list[tuple[str, str | None]]]:
    """Notified events (kind, date) per member state, from the newer layout's `events.trialEvents`."""
    events: dict[str, list[tuple[str, str | None]]] = {}
    for state in doc.obj("events").items("trialEvents"):
        country = state.text("mscName")
        for event in state.items("events"):
            kind = event.text("notificationType")
            if country and kind:
                events.setdefault(country, []).append((kind.upper(), event.date("date", _date)))
    return events


def _status_code(status: str | None) -> str | None:
    """A status as its numeric code, whether the layout wrote the code or its label."""
    return _TEXTS.get(status.casefold(), status) if status else None


def _status(code: str | None) -> str:
    return _CODES.get(code or "", "unknown")


def _terminated_early(kinds: list[tuple[str, str | None]]) -> bool:
    return any("EARLY_TERMINATION" in kind for kind, _ in kinds)


def _overall(doc: Node, events: dict[str, list[tuple[str, str | None]]]) -> str:
    code = _status_code(doc.code("ctPublicStatusCode") or doc.code("ctStatus"))
    if code == _ENDED and events and all(_terminated_early(kinds) for kinds in events.values()):
        return "terminated"
    return _status(code)


def _recruitment(doc: Node, root: Node, events: dict[str, list[tuple[str, str | None]]],
                 overall: str) -> list[CountryRecruitment]:
    """Status and recruitment start per member state concerned."""
    by_code = dict(_COUNTRY_STATUS.findall(doc.text("recruitmentStatus") or ""))
    periods = {part.obj("mscInfo").text("mscName"): part.obj("mscInfo") for part in root.items("authorizedPartsII")}
    result = []
    for state in root.items("memberStatesConcerned"):
        country = state.text("mscName") or state.text("countryName")
        if country is None:
            raise Invalid(state.child("mscName").path, "a member state without a name")
        kinds = events.get(country, [])
        code = _status_code(state.code("mscPublicStatusCode"))
        text = by_code.get(state.obj("organisationInfo").text("memberStateCountryCode") or "", "").strip()
        if code == _ENDED and _terminated_early(kinds):
            status = "terminated"
        elif code is not None:
            status = _status(code)
        else:
            status = _COUNTRY_TEXTS.get(text.casefold(), overall)
        starts = [date for kind, date in kinds if kind == "START_OF_RECRUITMENT" and date]
        start = min(starts, default=None)
        for msc in (state, periods.get(country, Node(None))):
            start = start or msc.obj("activeTrialRecruitmentPeriod").date("recruitmentStartDate", _date)
        result.append(CountryRecruitment(country, status, start))
    return result


def _sites(root: Node) -> list[RecordSite]:
    """Organisation, city and country of each trial site; the investigator and contacts are never read."""
    sites: list[RecordSite] = []
    for part in root.items("authorizedPartsII"):
        for site in part.items("trialSites"):
            where = site.obj("organisationAddressInfo")
            address = where.obj("address")
            country = address.text("countryName")
            if country is None:
                continue
            found = RecordSite(where.obj("organisation").text("name"), address.text("city"), country)
            if found not in sites:
                sites.append(found)
    return sites


def _ages(population: Node) -> tuple[str | None, str | None]:
    """The outer bounds of the age-range categories; None, None when any category is not one of the known three."""
    codes = {entry.code("ageRangeCategoryCode") or entry.code("ageRangeCategory")
             for entry in population.items("ageRanges")}
    if not codes or not codes <= _AGE_RANGES.keys():
        return None, None
    ordered = sorted(codes, key=int)
    return _AGE_RANGES[ordered[0]][0], _AGE_RANGES[ordered[-1]][1]


def _sex(doc: Node, population: Node) -> str:
    female, male = population.flag("isFemaleSubjects"), population.flag("isMaleSubjects")
    if female is None and male is None:
        words = set(re.findall(r"[a-z]+", (doc.text("gender") or "").lower()))
        female, male = "female" in words, "male" in words
    if female and not male:
        return "female"
    if male and not female:
        return "male"
    return "all"


def _criteria(criteria: Node, key: str) -> list[str]:
    """The criteria of one kind in their numbered order, each folded onto one line."""
    entries = []
    for position, entry in enumerate(criteria.items(key)):
        text = untruncated(entry, key)
        if text is None:
            continue
        number = entry.code("number")
        order = int(number) if number and number.isdigit() else float("inf")
        entries.append((order, position, " ".join(text.split())))
    return [text for _, _, text in sorted(entries)]


def _criteria_text(inclusion: list[str], exclusion: list[str]) -> str | None:
    sections = [heading + "\n\n" + "\n".join(f"{number}. {line}" for number, line in enumerate(lines, 1))
                for heading, lines in (("Inclusion Criteria:", inclusion), ("Exclusion Criteria:", exclusion))
                if lines]
    return "\n\n".join(sections) or None
