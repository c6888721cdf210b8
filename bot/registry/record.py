"""One trial as a register states it, the same shape whichever register it came from.

The readers (`bot.registry.ctgov`, `bot.registry.ctis`) fill it from the register's own layout;
`bot.registry.importer` turns it into a trial document the catalogue checks and stores. Person
data (investigators, contacts, e-mails, phone numbers) is never read into it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Recruitment statuses as the catalogue's schema names them.
STATUSES = ("recruiting", "not_yet_recruiting", "active_not_recruiting", "completed", "terminated", "withdrawn",
            "suspended", "unknown")


class RecordError(ValueError):
    """A record that cannot be used: names the file, the record inside it and the field."""

    def __init__(self, source: str, record: str, field_path: str, message: str) -> None:
        super().__init__(f"{source}: record {record}: {field_path}: {message}")
        self.source = source
        self.record = record
        self.field = field_path
        self.message = message


@dataclass
class RegisterId:
    register: str  # "ClinicalTrials.gov", "CTIS", "EUCTR" (EudraCT numbers), "sponsor" (protocol codes), "other"
    id: str


@dataclass
class CountryRecruitment:
    country: str
    status: str  # one of STATUSES
    start: str | None = None  # ISO date, YYYY-MM or YYYY-MM-DD


@dataclass
class RecordSite:
    facility: str | None
    city: str | None
    country: str
    status: str | None = None  # one of STATUSES when the record gives one per site


@dataclass
class Intervention:
    name: str
    type: str | None = None  # "drug", "biological", "device", "procedure", ... as the register says, lower case
    other_names: list[str] = field(default_factory=list)


@dataclass
class RegisterRecord:
    """Everything the catalogue keeps from one register record."""

    register: str  # "ClinicalTrials.gov" or "CTIS"
    source: str  # the file (and, for a zip or a search page, the member or index) it was read from
    trial_id: str  # the register's own id: NCT number or EU CT number
    ids: list[RegisterId]  # every id the record gives, trial_id first
    title: str  # official / full title
    brief_title: str | None = None  # brief / public title
    phase: str | None = None  # e.g. "II", "I/II", "III", "not applicable"
    sponsor: str | None = None  # the lead sponsor's organisation name
    conditions: list[str] = field(default_factory=list)  # the register's own words
    mesh_terms: list[str] = field(default_factory=list)  # MeSH terms of the conditions, where the record has them
    interventions: list[Intervention] = field(default_factory=list)
    overall_status: str = "unknown"  # one of STATUSES
    recruitment: list[CountryRecruitment] = field(default_factory=list)
    sites: list[RecordSite] = field(default_factory=list)
    min_age: str | None = None  # "18 years", "6 months": number and unit as the record states it
    max_age: str | None = None
    sex: str = "all"  # "all", "female" or "male"
    eligibility_text: str | None = None  # the criteria text as the record gives it
    summary: str | None = None  # the brief summary / main objective, for staff; never shown as our own words
    start: str | None = None
    last_verified: str | None = None
    last_update: str | None = None
    completion: str | None = None
    completion_actual: bool | None = None
