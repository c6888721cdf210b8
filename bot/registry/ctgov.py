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

The file walking and the typed access (`documents`, `Node`, `Invalid`, `iso_date`, `untruncated`) are shared with
`bot.registry.ctis`.
"""

from __future__ import annotations

import functools
import glob
import json
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.registry.record import (
    CountryRecruitment,
    Intervention,
    RecordError,
    RecordSite,
    RegisterId,
    RegisterRecord,
)

REGISTER = "ClinicalTrials.gov"
WHOLE_FILE = "(file)"  # the record named by an error about a file that yields no record at all
ROOT = "$"  # the field named by an error about a whole document

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
_ISO_DATES = ((re.compile(r"\d{4}"), "%Y"), (re.compile(r"\d{4}-\d{2}"), "%Y-%m"),
              (re.compile(r"\d{4}-\d{2}-\d{2}"), "%Y-%m-%d"))
_GLOB = re.compile(r"[*?\[]")
_READABLE = (".json", ".zip")


class Invalid(Exception):
    """A field that is not what the register's schema promises; the reader turns it into a RecordError."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


@dataclass(frozen=True)
class Node:
    """A JSON value with its path in the record, so that every type check can name the field it failed on.

    An absent key reads as an empty value (no object, no list, no text); a present key of the wrong type raises
    `Invalid`.
    """

    value: Any
    path: str = ""

    def child(self, key: str) -> Node:
        path = f"{self.path}.{key}" if self.path else key
        if self.value is None:
            return Node(None, path)
        if not isinstance(self.value, dict):
            raise Invalid(self.path or ROOT, f"expected an object, found {_kind(self.value)}")
        return Node(self.value.get(key), path)

    def obj(self, key: str) -> Node:
        node = self.child(key)
        if node.value is not None and not isinstance(node.value, dict):
            raise Invalid(node.path, f"expected an object, found {_kind(node.value)}")
        return node

    def items(self, key: str) -> list[Node]:
        node = self.child(key)
        if node.value is None:
            return []
        if not isinstance(node.value, list):
            raise Invalid(node.path, f"expected a list, found {_kind(node.value)}")
        return [Node(value, f"{node.path}[{index}]") for index, value in enumerate(node.value)]

    def text(self, key: str) -> str | None:
        """The string under `key`, trimmed; None when absent or blank."""
        return _as_text(self.child(key))

    def texts(self, key: str) -> list[str]:
        """The non-blank strings of the list under `key`."""
        return [text for text in map(_as_text, self.items(key)) if text is not None]

    def flag(self, key: str) -> bool | None:
        node = self.child(key)
        if node.value is not None and not isinstance(node.value, bool):
            raise Invalid(node.path, f"expected true/false, found {_kind(node.value)}")
        return node.value

    def code(self, key: str) -> str | None:
        """A code that registers write as a number or as a string, always returned as a string."""
        node = self.child(key)
        if node.value is None:
            return None
        if isinstance(node.value, bool) or not isinstance(node.value, int | str):
            raise Invalid(node.path, f"expected a code, found {_kind(node.value)}")
        return str(node.value).strip() or None

    def date(self, key: str, parse: Callable[[str], str | None] | None = None) -> str | None:
        """The date under `key` as ISO text (YYYY, YYYY-MM or YYYY-MM-DD); raises Invalid if unreadable."""
        text = self.text(key)
        if text is None:
            return None
        value = (parse or iso_date)(text)
        if value is None:
            raise Invalid(self.child(key).path, f"unreadable date {text!r}")
        return value


def _as_text(node: Node) -> str | None:
    if node.value is None:
        return None
    if not isinstance(node.value, str):
        raise Invalid(node.path, f"expected a string, found {_kind(node.value)}")
    return node.value.strip() or None


def iso_date(text: str) -> str | None:
    """`text` if it is an ISO date of year, month or day precision that exists on the calendar, else None."""
    for pattern, form in _ISO_DATES:
        if pattern.fullmatch(text):
            try:
                datetime.strptime(text, form)
            except ValueError:
                return None
            return text
    return None


def untruncated(node: Node, key: str) -> str | None:
    """The text under `key`, refused if cut short with a trailing '...' (AACT's fixtures do that)."""
    text = node.text(key)
    if text is not None and text.endswith("..."):
        raise Invalid(node.child(key).path, "text cut short (ends in '...'): the record is not used")
    return text


def documents(paths: Iterable[str | Path]) -> Iterator[tuple[str, Any] | RecordError]:
    """Each JSON document under `paths` with the source that names it; an unreadable file is a RecordError."""
    for path in _files(paths):
        if isinstance(path, RecordError):
            yield path
        elif path.suffix.lower() == ".zip":
            yield from _zip_documents(path)
        else:
            yield _load(str(path), path.read_bytes)


def _files(paths: Iterable[str | Path]) -> Iterator[Path | RecordError]:
    for given in paths:
        path = Path(given)
        if path.is_dir():
            yield from _folder(path)
        elif path.is_file():
            yield path
        elif _GLOB.search(str(given)):
            matches = [Path(match) for match in sorted(glob.glob(str(given), recursive=True))]
            if not matches:
                yield RecordError(str(given), WHOLE_FILE, ROOT, "no file matches this pattern")
            for match in matches:
                if match.is_dir():
                    yield from _folder(match)
                elif match.suffix.lower() in _READABLE:
                    yield match
        else:
            yield RecordError(str(given), WHOLE_FILE, ROOT, "no such file or folder")


def _folder(folder: Path) -> Iterator[Path]:
    """The JSON and zip files under `folder`, in name order, leaving out hidden ones."""
    for path in sorted(folder.rglob("*")):
        hidden = any(part.startswith(".") for part in path.relative_to(folder).parts)
        if path.is_file() and path.suffix.lower() in _READABLE and not hidden:
            yield path


def _zip_documents(path: Path) -> Iterator[tuple[str, Any] | RecordError]:
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        yield RecordError(str(path), WHOLE_FILE, ROOT, f"not a readable zip file: {exc}")
        return
    with archive:
        for member in archive.infolist():
            if not member.is_dir() and member.filename.lower().endswith(".json"):
                yield _load(f"{path}:{member.filename}", functools.partial(archive.read, member))


def _load(source: str, read: Callable[[], bytes]) -> tuple[str, Any] | RecordError:
    try:
        return source, json.loads(read())
    except (OSError, ValueError, zipfile.BadZipFile, zlib.error) as exc:
        return RecordError(source, WHOLE_FILE, ROOT, f"cannot be read as JSON: {exc}")


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
                yield RecordError(source, WHOLE_FILE, "studies", f"expected a list, found {_kind(data)}")
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
        code = _as_text(node)
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
