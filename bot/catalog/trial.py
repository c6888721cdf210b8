"""Trials as the matcher sees them, parsed and checked from their YAML form.

Parsing is all-or-nothing: a trial with one bad criterion is refused whole, with the
file, the criterion and what is wrong, so a half-understood trial never reaches a person.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from bot.criteria import Rule, RuleError, parse_rule
from bot.i18n import Country, Month, Translated, all_of, marked, phrase
from bot.vocab import vocabulary

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "trials" / "schema.json"
OPEN_STATUSES = ("recruiting", "not_yet_recruiting")


class TrialFileError(ValueError):
    """A trial file that cannot be loaded; names the file, the field and the problem."""

    def __init__(self, source: str, where: str, message: str) -> None:
        super().__init__(f"{source}: {where}: {message}")
        self.source = source
        self.where = where
        self.message = message


@dataclass(frozen=True)
class Criterion:
    """One inclusion or exclusion line: its wording and either a rule or a manual check."""

    id: str
    kind: str
    text: str
    label: str
    rule: Rule | None
    rule_raw: dict[str, Any] | None
    manual: str | None
    also_check: str | None
    note: str | None
    # How much of its line the rule covers: None (all of it), "necessary" (the line adds a qualifier the rule
    # does not check) or "sufficient" (the rule is one case of a line that also covers others).
    partial: str | None = None
    origin: str = "curated"  # where the rule came from: "curated" (a person) or "parsed" (the criteria parser)


@dataclass(frozen=True)
class Site:
    name: str | None
    city: str
    country: str
    verified: bool
    note: str | None = None

    def display(self) -> str:
        """How a site is named to a person: never an invented or garbled hospital name."""
        place = phrase("{city}, {country}", city=self.city, country=Country(self.country))
        if not self.name:
            return phrase("a site in {place} (name not confirmed)", place=place)
        if self.verified:
            return phrase("{name}, {place}", name=self.name, place=place)
        return phrase("{name}, {place} (not yet verified)", name=self.name, place=place)


@dataclass(frozen=True)
class Recruitment:
    country: str
    status: str
    start: str | None
    # Why the register's open status can no longer be relied on (see Trial.stale_reason), if it cannot.
    stale: str | None = None

    def display(self) -> str:
        """"not yet recruiting; planned to open on 1 June 2026 in France"."""
        words = phrase(STATUS_WORDS.get(self.status, self.status.replace("_", " ")))
        country = Country(self.country)
        stale = self.stale or self.start_passed(date.today())
        if stale and self.status in OPEN_STATUSES:
            said = phrase("{status}, planned to open on {when}", status=words, when=_format_date(self.start)) if (
                self.status == "not_yet_recruiting" and self.start) else words
            return phrase("status unknown in {country}, check with the study team (the register says {said}, but "
                          "{why})", country=country, said=said, why=stale)
        if not self.start:
            return phrase("{status} in {country}", status=words, country=country)
        when = _format_date(self.start)
        if self.status == "not_yet_recruiting":
            return phrase("{status}; planned to open on {when} in {country}", status=words, when=when, country=country)
        return phrase("{status} in {country} (start {when})", status=words, country=country, when=when)

    def start_passed(self, today: date) -> str | None:
        """A trial still "not yet recruiting" after its planned start: the register has not caught up."""
        if self.status == "not_yet_recruiting" and self.start and _as_date(self.start) < today:
            return phrase("that date has passed")
        return None


STATUS_WORDS = {"recruiting": marked("recruiting"), "not_yet_recruiting": marked("not yet recruiting"),
                "active_not_recruiting": marked("active, not recruiting"), "completed": marked("completed"),
                "suspended": marked("suspended"), "terminated": marked("terminated"), "withdrawn": marked("withdrawn"),
                "enrolling_by_invitation": marked("enrolling by invitation"), "unknown": marked("unknown")}


def _format_date(text: str) -> str:
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 2:
        return phrase("{month}", month=Month(parts[0], parts[1], 1))
    return phrase("{day}", day=date(*parts))


@dataclass(frozen=True)
class Trial:
    """A parsed, checked trial."""

    id: str
    title: str
    data: dict[str, Any]
    criteria: tuple[Criterion, ...]
    sites: tuple[Site, ...]
    recruitment: tuple[Recruitment, ...]
    source: str = field(default="", compare=False)

    @property
    def open(self) -> bool:
        return any(r.status in OPEN_STATUSES for r in self.recruitment)

    def stale_reason(self, today: date) -> str | None:
        """Why a recruiting status from the register may be out of date: the record's completion date has
        passed, or it was last verified more than two years ago."""
        return stale_reason(self.data.get("record") or {}, today)

    def countries(self) -> set[str]:
        return {s.country for s in self.sites} | {r.country for r in self.recruitment}

    def text(self, name: str) -> Translated | None:
        """A text for people (plain_title, summary, what_happens, visits...), with the languages the file gives;
        plain_title falls back to the title."""
        english = self.data.get(name) or (self.title if name == "plain_title" else None)
        if not english:
            return None
        others = {lang: texts.get(name) or (texts.get("title") if name == "plain_title" else None)
                  for lang, texts in (self.data.get("translations") or {}).items()}
        return Translated(english, {lang: text for lang, text in others.items() if text})


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


STALE_AFTER_DAYS = 730


def _as_date(text: str) -> date:
    parts = [int(p) for p in text.split("-")] + [1]
    return date(parts[0], parts[1], parts[2] if len(parts) > 3 else 1)


def stale_reason(record: dict[str, Any], today: date) -> str | None:
    """See Trial.stale_reason; record holds the register's own dates."""
    reasons = []
    if record.get("completion") and _as_date(record["completion"]) < today:
        when = _format_date(record["completion"])
        reasons.append(phrase("its actual completion date ({when}) has passed", when=when)
                       if record.get("completion_actual") else
                       phrase("its estimated completion date ({when}) has passed", when=when))
    if record.get("last_verified") and (today - _as_date(record["last_verified"])).days > STALE_AFTER_DAYS:
        reasons.append(phrase("the record was last verified in {when}", when=_format_date(record["last_verified"])))
    return all_of(reasons) or None


def _where(path: Any) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def parse_trial(data: Any, source: str = "<memory>", validate: bool = True) -> Trial:
    """Check a trial mapping against the schema and the vocabulary; TrialFileError on the first problem.

    validate=False skips the schema (the costly part) for documents the database stored only after they
    passed it; the vocabulary and every rule are still checked, since the vocabulary may have changed since.
    """
    if not isinstance(data, dict):
        raise TrialFileError(source, "(top level)", "a trial file must be a mapping of fields")
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path)) if validate else []
    if errors:
        error = errors[0]
        raise TrialFileError(source, _where(error.absolute_path), error.message)
    voc = vocabulary()
    for key in ("conditions", "topics"):
        for i, condition in enumerate(data.get(key) or ()):
            if condition not in voc.concepts:
                raise TrialFileError(source, f"{key}[{i}]", f"unknown concept {condition!r}")
    for i, item in enumerate(data.get("interventions") or ()):
        if item.get("drug") and item["drug"] not in voc.drugs:
            raise TrialFileError(source, f"interventions[{i}].drug", f"unknown drug {item['drug']!r}")
    criteria: list[Criterion] = []
    seen: set[str] = set()
    for kind in ("inclusion", "exclusion"):
        for i, raw in enumerate(data["criteria"][kind]):
            where = f"criteria.{kind}[{i}]"
            if raw["id"] in seen:
                raise TrialFileError(source, f"{where}.id", f"duplicate criterion id {raw['id']!r}")
            if not raw["id"].startswith(kind[:2]):
                raise TrialFileError(source, f"{where}.id", f"an {kind} criterion id must start with {kind[:2]!r}")
            seen.add(raw["id"])
            _check_partial(raw, source, where)
            rule = None
            if "rule" in raw:
                try:
                    rule = parse_rule(raw["rule"], f"{where}.rule")
                except RuleError as error:
                    raise TrialFileError(source, f"{error.path} ({raw['id']})", error.message) from None
            said = _criterion_texts(raw, data.get("translations") or {})
            criteria.append(Criterion(raw["id"], kind, " ".join(raw["text"].split()), said["label"],
                                      rule, raw.get("rule"), said["manual"], said["also_check"],
                                      said["note"], raw.get("partial"), raw.get("origin", "curated")))
    for lang, texts in (data.get("translations") or {}).items():
        unknown = sorted(set(texts.get("criteria") or ()) - seen)
        if unknown:
            raise TrialFileError(source, f"translations.{lang}.criteria", f"no criterion with id {unknown[0]!r}")
    if data.get("population") and set(data["population"]) & {"min_age", "max_age", "sex"}:
        criteria.insert(0, _population_criterion(data["population"], source))
    sites = tuple(Site(s.get("name"), s["city"], s["country"], s["verified"], s.get("note")) for s in data["sites"])
    stale = stale_reason(data.get("record") or {}, date.today())
    recruitment = tuple(Recruitment(r["country"], r["status"], r.get("start"), stale) for r in data["recruitment"])
    return Trial(data["id"], data["title"], data, tuple(criteria), sites, recruitment, source)


def _criterion_texts(raw: dict[str, Any], translations: dict[str, Any]) -> dict[str, Translated | None]:
    """A criterion's texts for people (label, manual, also_check, note) with the languages the file gives them in;
    a translation may be the label alone (a string) or the texts by name."""
    english = {"label": raw.get("label") or raw["id"], "manual": raw.get("manual"),
               "also_check": raw.get("also_check"), "note": raw.get("note")}
    given = {lang: texts["criteria"][raw["id"]] for lang, texts in translations.items()
             if raw["id"] in (texts.get("criteria") or {})}
    given = {lang: {"label": text} if isinstance(text, str) else text for lang, text in given.items()}
    return {name: Translated(text, {lang: texts.get(name) for lang, texts in given.items()}) if text else None
            for name, text in english.items()}


def _check_partial(raw: dict[str, Any], source: str, where: str) -> None:
    """A rule with `also_check` must say how it relates to its line, since that decides which way it may decide."""
    if "rule" not in raw:
        if "partial" in raw:
            raise TrialFileError(source, f"{where}.partial ({raw['id']})", "'partial' needs a rule")
        return
    if raw.get("also_check") and "partial" not in raw:
        raise TrialFileError(
            source, f"{where}.also_check ({raw['id']})",
            "a rule with also_check covers only part of its line: add 'partial: necessary' when the line adds a "
            "qualifier the rule does not check (the rule can only rule out the line), or 'partial: sufficient' "
            "when the rule is one case of a wider line (the rule can only confirm it); a remark goes in 'note'")
    if "partial" in raw and not raw.get("also_check"):
        raise TrialFileError(source, f"{where}.partial ({raw['id']})",
                             "a partial rule needs also_check: what the study team checks beyond the rule")


def _population_criterion(population: dict[str, str], source: str) -> Criterion:
    """The register's own age (and sex) limits, kept apart from the criteria lines and shown as such.

    Registers state ages inclusively: a maximum of 17 years admits anyone before their 18th birthday.
    """
    parts: list[dict[str, Any]] = []
    words: list[str] = []
    if population.get("sex"):
        parts.append({"fact": "sex", "in": [population["sex"]]})
        words.append(f"{population['sex']} only;")
    if "min_age" in population:
        number, unit = population["min_age"].split()
        parts.append({"fact": "age", "op": ">=", "value": int(number), "unit": unit.rstrip("s")})
        words.append(f"from {population['min_age']}")
    if "max_age" in population:
        number, unit = population["max_age"].split()
        parts.append({"fact": "age", "op": "<", "value": int(number) + 1, "unit": unit.rstrip("s")})
        words.append(f"up to {population['max_age']} (until the next birthday)")
    raw = {"all": parts} if len(parts) > 1 else parts[0]
    try:
        rule = parse_rule(raw, "population")
    except RuleError as error:
        raise TrialFileError(source, "population", error.message) from None
    text = "Limits stated in the register record: " + " ".join(words).rstrip(";") + "."
    label = (phrase("age and sex limits of the register record") if "sex" in population
             else phrase("age limits of the register record"))
    return Criterion("in0", "inclusion", text, label, rule, raw, None, None,
                     "not a line of the criteria text; taken from the record's age and sex fields")


def read_trial_file(path: Path) -> Trial:
    """Read and check one trial YAML file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise TrialFileError(str(path), "(file)", f"not valid YAML: {error}") from None
    data = json.loads(json.dumps(data, default=str))  # YAML dates become ISO strings, as in the database
    trial = parse_trial(data, str(path))
    if path.stem != trial.id:
        raise TrialFileError(str(path), "id", f"the file name must be the trial id ({trial.id}.yaml)")
    return trial


def read_directory(directory: Path) -> list[Trial]:
    """Read every trial file; collect all problems and refuse the lot if any file is bad."""
    trials: list[Trial] = []
    problems: list[TrialFileError] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            trials.append(read_trial_file(path))
        except TrialFileError as error:
            problems.append(error)
    ids = [t.id for t in trials]
    for trial_id in {i for i in ids if ids.count(i) > 1}:
        problems.append(TrialFileError(str(directory), "id", f"trial id {trial_id} appears in more than one file"))
    if problems:
        raise CatalogError(problems)
    return trials


class CatalogError(ValueError):
    """One or more bad trial files; nothing was loaded."""

    def __init__(self, problems: list[TrialFileError]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems
