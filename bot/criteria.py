"""The rule language over patient facts and its three-valued evaluation (met, not met, unknown).

A rule is parsed once from a trial file into small objects; parsing checks every fact,
unit, concept, drug and operator so that a bad trial file is refused with the path of
the offending rule instead of failing later in a conversation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.facts import FACTS, Fact, ValueRefused, format_value
from bot.i18n import Number, Phrase, any_of, listed, marked, phrase
from bot.profile import DAYS_PER_MONTH, MedicationUse, Profile
from bot.units import UnitError, convert, parse_quantity
from bot.vocab import vocabulary

Tri = bool | None
# Below this age (years) pregnancy, breastfeeding and fertility are taken as "no" rather than asked of a parent.
CHILD_AGE = 10
# Diagnoses that are themselves a pre-existing organ failure.
# Chronic kidney *failure* (stages 4-5), not any chronic kidney disease.
ORGAN_FAILURE_CONCEPTS = ("heart_failure", "chronic_kidney_failure")


class RuleError(ValueError):
    """A rule that cannot be understood; path says where it is in the trial file."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


# Reasons given as they are, or as a function that words them when first read: a match evaluates every criterion
# of every candidate, and only the reasons of the trials shown are ever read (wording them all was a quarter of a
# match at 10,000 trials).
Reasons = list[str] | Callable[[], list[str]]


@dataclass
class Outcome:
    """The value of a rule for one person, why, and which facts would decide it."""

    value: Tri
    given: Reasons = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    # What exactly is unknown inside a fact, for a precise follow-up question:
    # {"kind": "since" | "before_icu" | "current" | "half_life", "drug": id}.
    details: list[dict[str, str]] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        """The reasons in words (worded once, on first reading)."""
        if callable(self.given):
            self.given = self.given()
        return self.given


def lookup(profile: Profile, key: str) -> Any:
    """A fact's value, or one that follows from others (a man is not pregnant; sepsis means an infection)."""
    value = profile.get(key)
    if value is not None:
        return value
    sex = profile.get("sex")
    if key in ("pregnant", "breastfeeding") and sex == "male":
        return False
    age = profile.get("age")
    if key in ("pregnant", "breastfeeding", "fertile") and age is not None and age < CHILD_AGE:
        return False
    if key == "other_trial" and profile.get("other_trial_drug"):
        return True
    if key == "other_trial_drug" and profile.get("other_trial") is False:
        return False
    if key == "infection" and any(vocabulary().concept_within(c, "sepsis") for c in profile.diagnoses.asserted):
        return True
    if key == "organ_failure" and any(vocabulary().concept_within(c, o) for c in profile.diagnoses.asserted
                                      for o in ORGAN_FAILURE_CONCEPTS if o in vocabulary().concepts):
        return True
    if key == "anaemia" and profile.get("haemoglobin") is not None and sex in ("female", "male"):
        return profile.get("haemoglobin") < (120 if sex == "female" else 130)
    return None


_OPS = {
    "<": (lambda a, b: a < b, phrase("below"), phrase("at or above")),
    "<=": (lambda a, b: a <= b, phrase("at most"), phrase("above")),
    ">": (lambda a, b: a > b, phrase("above"), phrase("at or below")),
    ">=": (lambda a, b: a >= b, phrase("at least"), phrase("below")),
    "==": (lambda a, b: a == b, phrase("equal to"), phrase("not equal to")),
}


class Rule:
    """Base of all rules."""

    def evaluate(self, profile: Profile) -> Outcome:
        raise NotImplementedError

    def facts(self) -> set[str]:
        """Every fact this rule reads, to know which answers could decide it."""
        raise NotImplementedError


@dataclass
class Compare(Rule):
    fact: Fact
    op: str
    threshold: float
    shown: Phrase

    def evaluate(self, profile: Profile) -> Outcome:
        value = lookup(profile, self.fact.key)
        if value is None:
            return Outcome(None, missing=[self.fact.key])
        test, yes, no = _OPS[self.op]
        result = bool(test(value, self.threshold))
        words = yes if result else no
        return Outcome(result, lambda: [phrase("{label} {value}, {words} {threshold}", label=self.fact.named,
                                               value=format_value(self.fact, value), words=words,
                                               threshold=self.shown)])

    def facts(self) -> set[str]:
        return {self.fact.key}


@dataclass
class IsBool(Rule):
    fact: Fact
    expected: bool

    def evaluate(self, profile: Profile) -> Outcome:
        value = lookup(profile, self.fact.key)
        if value is None:
            return Outcome(None, missing=[self.fact.key])
        inferred = (profile.get(self.fact.key) is None and profile.get("sex") != "male"
                    and self.fact.key in ("pregnant", "breastfeeding", "fertile"))
        age = profile.get("age")

        def reasons() -> list[str]:
            reason = phrase("{label}: {value}", label=self.fact.named, value=phrase("yes") if value else phrase("no"))
            if inferred:
                reason = phrase("{reason} (taken as no at age {age})", reason=reason,
                                age=format_value(FACTS["age"], age))
            return [reason]
        return Outcome(value == self.expected, reasons)

    def facts(self) -> set[str]:
        return {self.fact.key}


@dataclass
class InChoices(Rule):
    fact: Fact
    choices: tuple[str, ...]

    def evaluate(self, profile: Profile) -> Outcome:
        value = lookup(profile, self.fact.key)
        if value is None:
            return Outcome(None, missing=[self.fact.key])
        return Outcome(value in self.choices, lambda: [phrase("{label}: {value}", label=self.fact.named,
                                                              value=phrase(value))])

    def facts(self) -> set[str]:
        return {self.fact.key}


@dataclass
class WithinConcepts(Rule):
    """Membership in a concept or its descendants; diagnoses are a closed list, allergies are not."""

    fact: Fact
    targets: tuple[str, ...]
    # Concepts that may or may not be what the line means (MDS for "malignancy"): they leave the rule
    # unknown for the study team to settle, with nothing for the person to answer.
    borderline: tuple[str, ...] = ()

    def evaluate(self, profile: Profile) -> Outcome:
        known = profile.diagnoses if self.fact.key == "diagnoses" else profile.allergies
        voc = vocabulary()
        if not (known.asserted or known.denied or known.none):
            return Outcome(None, missing=[self.fact.key])
        label = self.fact.named

        def names() -> str:
            return any_of([voc.label(t) for t in self.targets])

        def found(concepts: list[str]) -> str:
            return listed([voc.label(c) for c in concepts])

        hits = [c for c in sorted(known.asserted) if any(self._covers(t, c) for t in self.targets)]
        if hits:
            return Outcome(True, lambda: [phrase("{label} {found}, which counts as {names}", label=label,
                                                 found=found(hits), names=names())])
        unsure = [c for c in sorted(known.asserted) if any(self._covers(t, c) for t in self.borderline)]
        if unsure:
            return Outcome(None, lambda: [phrase("whether {found} counts as {names} for this line", found=found(unsure),
                                                 names=names())])
        # A diagnosis named less precisely than the line ("myelofibrosis" for a line about myelofibrosis after
        # PV or ET) may or may not be it: never "not met" on that.
        vague = [c for c in sorted(known.asserted) if any(c != t and self._covers(c, t) for t in self.targets)]
        if vague:
            return Outcome(None, lambda: [phrase("whether the {found} is {names}", found=found(vague), names=names())])
        denied = all(any(self._covers(d, t) for d in known.denied) for t in self.targets)
        if known.none or denied:
            return Outcome(False, lambda: [phrase("no {names} reported", names=names())])
        if self.fact.key == "diagnoses" and known.asserted:
            said = sorted(known.asserted)
            return Outcome(False, lambda: [phrase("{label} {found}, which is not {names}", label=label,
                                                  found=found(said), names=names())])
        return Outcome(None, missing=[self.fact.key])

    @staticmethod
    def _covers(ancestor: str, code: str) -> bool:
        voc = vocabulary()
        return ancestor == code or (code in voc.concepts and voc.concept_within(code, ancestor))

    def facts(self) -> set[str]:
        return {self.fact.key}


@dataclass
class MedicationRule(Rule):
    """A medicine by name or class, taken now, for a minimum time, or within a window before an event."""

    drugs: tuple[str, ...]
    classes: tuple[str, ...]
    current: bool = False
    min_days: float | None = None
    within_days: float | None = None
    within_half_lives: float | None = None
    before: str = "now"
    ever: bool = False
    # Medicines that may or may not be the ones the line means ("heparin" said without its type, for a line
    # that allows low-molecular-weight heparin): taken in the window, they leave the rule to the study team.
    borderline: tuple[str, ...] = ()

    def describe(self) -> str:
        voc = vocabulary()
        return any_of([voc.label(x) for x in self.drugs + self.classes])

    def evaluate(self, profile: Profile) -> Outcome:
        voc = vocabulary()
        meds = profile.medications
        matching = [u for u in meds.uses if voc.drug_in(u.drug, self.drugs, self.classes)]
        outcomes = [self._use(u, profile) for u in matching]
        for outcome in outcomes:
            if outcome.value:
                return outcome
        if any(o.value is None for o in outcomes):
            reasons = [r for o in outcomes for r in o.reasons]
            details = [d for o in outcomes if o.value is None for d in o.details]
            return Outcome(None, reasons, missing=["medications"], details=details)
        unsure = [u for u in meds.uses if u not in matching and voc.drug_in(u.drug, self.borderline, self.borderline)
                  and self._use(u, profile).value]
        # A medicine known only by name (from the drug-name package, with no class) may belong to a class the rule
        # names: the study team checks, the rule never counts it out.
        unsure += [u for u in meds.uses if u not in matching and u not in unsure and self.classes
                   and u.drug in voc.drugs and not voc.drugs[u.drug].curated
                   and self._use(u, profile).value is not False]
        if unsure:
            names = listed([voc.label(u.drug) for u in unsure])
            return Outcome(None, [phrase("whether the {found} is {names}", found=names, names=self.describe())])
        if outcomes:
            return Outcome(False, [r for o in outcomes for r in o.reasons])
        if meds.complete or self._all_denied(meds.denied):
            return Outcome(False, [phrase("no {names} reported", names=self.describe())])
        return Outcome(None, missing=["medications"])

    def _all_denied(self, denied: set[str]) -> bool:
        voc = vocabulary()
        for drug in self.drugs:
            if drug not in denied and not (voc.drug_classes(drug) & denied):
                return False
        return all(any(a in denied for a in voc.class_ancestors(cls)) for cls in self.classes)

    def _use(self, use: MedicationUse, profile: Profile) -> Outcome:
        voc = vocabulary()
        name = voc.label(use.drug)
        if self.ever:
            return Outcome(True, [phrase("{name} taken now", name=name) if use.current
                                  else phrase("{name} taken before", name=name)])
        if self.current or self.min_days is not None:
            taking = use.current if use.current is not None else (False if use.stopped_days_ago is not None else None)
            if taking is None:
                return Outcome(None, [phrase("{name}: not known whether it is still taken", name=name)],
                               details=[{"kind": "current", "drug": use.drug}])
            if not taking:
                return Outcome(False, [phrase("{name} is no longer taken", name=name)])
            if self.min_days is None:
                return Outcome(True, [phrase("{name} taken now", name=name)])
            if use.started_days_ago is None:
                return Outcome(None, [phrase("{name} taken now, since when is not known", name=name)],
                               details=[{"kind": "since", "drug": use.drug}])
            months = use.started_days_ago / DAYS_PER_MONTH
            need = self.min_days / DAYS_PER_MONTH
            ok = use.started_days_ago >= self.min_days
            template = (marked("{name} for {months} months, at least the {need} months required") if ok
                        else marked("{name} for {months} months, less than the {need} months required"))
            return Outcome(ok, [phrase(template, name=name, months=Number(round(months)), need=Number(round(need)))])
        window = self.within_days
        if self.within_half_lives is not None:
            half_life = voc.drugs[use.drug].half_life_days
            if half_life is None:
                return Outcome(None, [phrase("{name}: half-life not in the drug table, the study team will check",
                                             name=name)],
                               details=[{"kind": "half_life", "drug": use.drug}])
            window = self.within_half_lives * half_life
        assert window is not None
        return self._in_window(use, profile, window, name)

    def _in_window(self, use: MedicationUse, profile: Profile, window: float, name: str) -> Outcome:
        anchor = phrase("ICU admission") if self.before == "icu" else phrase("now")
        days = Number(round(window))
        span = (phrase("{days} days before {anchor}", days=days, anchor=anchor) if self.before == "icu"
                else phrase("the last {days} days", days=days))
        if self.before == "icu" and use.days_before_icu is not None:
            gap: float | None = use.days_before_icu
        elif use.current:
            gap = 0.0 if self.before == "now" else None
        elif use.stopped_days_ago is not None:
            icu_days = profile.get("icu_days_ago")
            if self.before == "now":
                gap = use.stopped_days_ago
            elif icu_days is not None:
                gap = use.stopped_days_ago - icu_days
            elif use.stopped_days_ago <= window:
                gap = use.stopped_days_ago
            else:
                gap = None
        else:
            gap = None
        if gap is None:
            kind = "before_icu" if self.before == "icu" else "current"
            return Outcome(None, [phrase("{name}: when it was last given relative to {anchor} is not known", name=name,
                                         anchor=anchor)],
                           details=[{"kind": kind, "drug": use.drug}])
        inside = gap <= window
        template = (marked("{name} last given {days} days before {anchor}, within {span}") if inside
                    else marked("{name} last given {days} days before {anchor}, more than {span}"))
        return Outcome(inside, [phrase(template, name=name, days=Number(round(max(gap, 0))), anchor=anchor,
                                       span=span)])

    def facts(self) -> set[str]:
        return {"medications"}


@dataclass
class Combine(Rule):
    """all / any with Kleene logic: a false part decides "all", a true part decides "any"."""

    kind: str
    parts: list[Rule]

    def evaluate(self, profile: Profile) -> Outcome:
        outcomes = [p.evaluate(profile) for p in self.parts]
        decisive = self.kind == "any"
        deciding = [o for o in outcomes if o.value is decisive]
        if deciding:
            return Outcome(decisive, lambda: [r for o in deciding for r in o.reasons])
        unknown = [o for o in outcomes if o.value is None]
        if unknown:
            # In "all", a later part only matters once the earlier ones hold ("in another trial" before "does it
            # give a medicine"): ask the first open part's facts first.
            asked = unknown if decisive else [next((o for o in unknown if o.missing), unknown[0])]
            missing = list(dict.fromkeys(m for o in asked for m in o.missing))
            details = [d for o in unknown for d in o.details]
            return Outcome(None, lambda: [r for o in outcomes for r in o.reasons], missing, details)
        return Outcome(not decisive, lambda: [r for o in outcomes for r in o.reasons])

    def facts(self) -> set[str]:
        return set().union(*(p.facts() for p in self.parts))


@dataclass
class Negate(Rule):
    part: Rule

    def evaluate(self, profile: Profile) -> Outcome:
        inner = self.part.evaluate(profile)
        return Outcome(None if inner.value is None else not inner.value, inner.given, inner.missing, inner.details)

    def facts(self) -> set[str]:
        return self.part.facts()


def _duration_days(raw: Any, path: str) -> float:
    try:
        number, unit = parse_quantity(str(raw))
        if unit is None:
            raise RuleError(path, f"duration {raw!r} needs a unit, e.g. '7 days' or '1 month'")
        return convert(number, unit, "day")
    except UnitError as error:
        raise RuleError(path, f"duration {raw!r}: {error}") from None


def parse_rule(raw: Any, path: str = "rule") -> Rule:
    """Turn one rule mapping from a trial file into a Rule, or RuleError saying where and what is wrong."""
    if not isinstance(raw, dict) or not raw:
        raise RuleError(path, "a rule must be a mapping such as {fact: age, op: '>=', value: 18, unit: year}")
    for kind in ("all", "any"):
        if kind in raw:
            parts = raw[kind]
            if not isinstance(parts, list) or not parts:
                raise RuleError(path, f"'{kind}' needs a non-empty list of rules")
            return Combine(kind, [parse_rule(p, f"{path}.{kind}[{i}]") for i, p in enumerate(parts)])
    if "not" in raw:
        return Negate(parse_rule(raw["not"], f"{path}.not"))
    if "medication" in raw:
        return _parse_medication(raw, path)
    if "fact" not in raw:
        raise RuleError(path, f"unknown rule kind with keys {sorted(raw)}; use fact, medication, all, any or not")
    key = raw["fact"]
    if key not in FACTS:
        raise RuleError(path, f"unknown fact {key!r}")
    definition = FACTS[key]
    if "op" in raw:
        return _parse_compare(raw, definition, path)
    if "is" in raw:
        if definition.type != "bool" or not isinstance(raw["is"], bool):
            raise RuleError(path, f"'is' needs a yes/no fact and true or false; {key} is {definition.type}")
        return IsBool(definition, raw["is"])
    if "in" in raw:
        choices = tuple(raw["in"]) if isinstance(raw["in"], list) else (raw["in"],)
        bad = [c for c in choices if c not in definition.choices]
        if definition.type != "enum" or bad:
            raise RuleError(path, f"unknown value(s) {bad} for {key}; choose from {list(definition.choices)}")
        return InChoices(definition, choices)
    if "within" in raw:
        if definition.type != "concepts":
            raise RuleError(path, f"'within' needs a concept fact (diagnoses, allergies); {key} is {definition.type}")
        targets = tuple(raw["within"]) if isinstance(raw["within"], list) else (raw["within"],)
        borderline = raw.get("borderline") or []
        borderline = tuple(borderline) if isinstance(borderline, list) else (borderline,)
        voc = vocabulary()
        for target in targets + borderline:
            if not (target in voc.concepts or (key == "allergies" and target in voc.drugs)):
                raise RuleError(path, f"unknown concept {target!r}")
        return WithinConcepts(definition, targets, borderline)
    raise RuleError(path, f"rule on {key} needs one of op, is, in or within")


def _parse_compare(raw: dict, definition: Fact, path: str) -> Compare:
    op = raw["op"]
    if op not in _OPS:
        raise RuleError(path, f"unknown operator {op!r}; use one of {list(_OPS)}")
    if definition.type not in ("quantity", "score"):
        raise RuleError(path, f"operator {op!r} needs a number fact; {definition.key} is {definition.type}")
    value = raw.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RuleError(path, f"value must be a number, not {value!r}")
    unit = raw.get("unit")
    if definition.type == "quantity" and not unit:
        raise RuleError(path, f"a threshold on {definition.key} needs a unit (canonical: {definition.unit})")
    try:
        threshold = definition.canonical(value, unit) if unit else float(value)
    except ValueRefused as error:
        raise RuleError(path, f"unit {unit!r} does not fit {definition.key}: {error.message}") from None
    shown = _show_threshold(value, unit)
    return Compare(definition, op, threshold, shown)


_TIME_UNITS = {"year": (marked("{number} year"), marked("{number} years")),
               "month": (marked("{number} month"), marked("{number} months")),
               "week": (marked("{number} week"), marked("{number} weeks")),
               "day": (marked("{number} day"), marked("{number} days"))}


def _show_threshold(value: float, unit: str | None) -> Phrase:
    number = Number(value)
    if not unit:
        return phrase("{number}", number=number)
    if unit in _TIME_UNITS:
        one, many = _TIME_UNITS[unit]
        return phrase(one if value == 1 else many, number=number)
    return phrase("{number} {unit}", number=number, unit=unit.replace("ug/L", "µg/L").replace("umol/L", "µmol/L"))


def _parse_medication(raw: dict, path: str) -> MedicationRule:
    voc = vocabulary()
    spec = raw["medication"]
    if not isinstance(spec, dict):
        raise RuleError(path, "medication needs {drugs: [...]} and/or {classes: [...]}")
    drugs = tuple(spec.get("drugs") or ())
    classes = tuple(spec.get("classes") or ())
    borderline = tuple(spec.get("borderline") or ())
    for drug in drugs:
        if drug not in voc.drugs:
            raise RuleError(path, f"unknown drug {drug!r}")
    for item in borderline:
        if item not in voc.drugs and item not in voc.classes:
            raise RuleError(path, f"unknown drug or class {item!r} in borderline")
    for cls in classes:
        if cls not in voc.classes:
            raise RuleError(path, f"unknown drug class {cls!r}")
    if not drugs and not classes:
        raise RuleError(path, "medication needs at least one drug or class")
    before = raw.get("before", "now")
    if before not in ("now", "icu"):
        raise RuleError(path, f"'before' must be now or icu, not {before!r}")
    rule = MedicationRule(drugs, classes, current=bool(raw.get("current", False)), before=before,
                          borderline=borderline)
    if "min_duration" in raw:
        rule.min_days = _duration_days(raw["min_duration"], path)
    if "within" in raw:
        rule.within_days = _duration_days(raw["within"], path)
    if "within_half_lives" in raw:
        rule.within_half_lives = float(raw["within_half_lives"])
    rule.ever = bool(raw.get("ever", False))
    if not (rule.current or rule.min_days or rule.within_days is not None or rule.within_half_lives or rule.ever):
        raise RuleError(path, "medication rule needs current, ever, min_duration, within or within_half_lives")
    return rule
