"""What is known about one person: facts in canonical units, concepts said and denied, medicines.

A profile only ever holds checked values: setting a value outside a fact's plausible
range raises ValueRefused and leaves what was already collected untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.facts import FACTS, ValueRefused, fact
from bot.i18n import phrase
from bot.units import UnitError, convert, parse_quantity
from bot.vocab import vocabulary

DAYS_PER_MONTH = 365.25 / 12


@dataclass
class ConceptSet:
    """Concepts a person has, those they said they do not have, and whether they said "none"."""

    asserted: set[str] = field(default_factory=set)
    denied: set[str] = field(default_factory=set)
    none: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"has": sorted(self.asserted), "not": sorted(self.denied), "none": self.none}

    def empty(self) -> bool:
        return not (self.asserted or self.denied or self.none)


@dataclass
class MedicationUse:
    """One medicine with when it was taken; times are days before now (or before ICU admission)."""

    drug: str
    current: bool | None = None
    started_days_ago: float | None = None
    stopped_days_ago: float | None = None
    days_before_icu: float | None = None

    def merged(self, newer: MedicationUse) -> MedicationUse:
        """This use updated by a newer statement about the same drug.

        Fields the newer statement gives win; the others are kept, except what the newer one makes untrue:
        taking it again drops the stop date, and a stop keeps when it was started.
        """
        current = self.current if newer.current is None else newer.current
        stopped = newer.stopped_days_ago
        if stopped is None and current is not True:
            stopped = self.stopped_days_ago
        return MedicationUse(
            drug=self.drug, current=current,
            started_days_ago=self.started_days_ago if newer.started_days_ago is None else newer.started_days_ago,
            stopped_days_ago=stopped,
            days_before_icu=self.days_before_icu if newer.days_before_icu is None else newer.days_before_icu)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"drug": self.drug}
        for key in ("current", "started_days_ago", "stopped_days_ago", "days_before_icu"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass
class Medications:
    """Medicines taken, medicines or classes said not taken, and whether the list is complete.

    complete=True means "no other medicines" ("no medications" when nothing is taken).
    """

    uses: list[MedicationUse] = field(default_factory=list)
    denied: set[str] = field(default_factory=set)
    complete: bool = False

    def add(self, use: MedicationUse) -> None:
        """A new statement about a drug is merged into what is known of it: what it says wins, what it leaves
        out is kept ("only hydroxyurea" after "hydroxyurea for 12 months" keeps the 12 months)."""
        known = next((u for u in self.uses if u.drug == use.drug), None)
        if known is not None:
            use = known.merged(use)
        self.uses = [u for u in self.uses if u.drug != use.drug] + [use]
        self.denied.discard(use.drug)

    def to_dict(self) -> dict[str, Any]:
        return {"taken": [u.to_dict() for u in self.uses], "not": sorted(self.denied), "complete": self.complete}

    def empty(self) -> bool:
        return not (self.uses or self.denied or self.complete)


@dataclass
class Profile:
    """All facts known about one person."""

    values: dict[str, Any] = field(default_factory=dict)
    diagnoses: ConceptSet = field(default_factory=ConceptSet)
    allergies: ConceptSet = field(default_factory=ConceptSet)
    medications: Medications = field(default_factory=Medications)

    def get(self, key: str) -> Any:
        return self.values.get(key)

    def set(self, key: str, value: Any, unit: str | None = None) -> None:
        """Check and store one scalar fact; raises ValueRefused and stores nothing when it is impossible."""
        definition = fact(key)
        if definition.type in ("quantity", "score"):
            if isinstance(value, str):
                try:
                    number, parsed_unit = parse_quantity(value)
                except UnitError:
                    raise ValueRefused(key, phrase("I could not read '{value}' as a {label}. For example: {example}.",
                                                   value=value, label=definition.named,
                                                   example=definition.example_words)) from None
                unit = unit or parsed_unit
                value = number
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueRefused(key, phrase("The {label} should be a number, for example {example}.",
                                               label=definition.named, example=definition.example_words))
            self.values[key] = definition.canonical(value, unit)
        elif definition.type == "bool":
            if not isinstance(value, bool):
                raise ValueRefused(key, phrase("For {label} I need a yes or a no.", label=definition.named))
            self.values[key] = value
        elif definition.type == "enum":
            text = str(value).strip().lower()
            if text not in definition.choices:
                raise ValueRefused(key, phrase("For {label} I can take one of: {choices}.", label=definition.named,
                                               choices=", ".join(definition.choices)))
            self.values[key] = text
        elif definition.type == "text":
            self.values[key] = str(value).strip()
        else:
            raise TypeError(f"{key} is set through its own collection, not set()")

    def update(self, other: Profile) -> list[str]:
        """Take every fact other knows, newer over older; returns the keys that changed."""
        changed = [k for k, v in other.values.items() if self.values.get(k) != v]
        self.values.update(other.values)
        for name in ("diagnoses", "allergies"):
            mine: ConceptSet = getattr(self, name)
            theirs: ConceptSet = getattr(other, name)
            if theirs.empty():
                continue
            before = mine.to_dict()
            mine.asserted = (mine.asserted - theirs.denied) | theirs.asserted
            mine.denied = (mine.denied - theirs.asserted) | theirs.denied
            mine.none = theirs.none or (mine.none and not theirs.asserted)
            if theirs.asserted:
                mine.none = False
            if mine.to_dict() != before:
                changed.append(name)
        if not other.medications.empty():
            before_meds = self.medications.to_dict()
            for use in other.medications.uses:
                self.medications.add(use)
            for denied in other.medications.denied:
                self.medications.uses = [u for u in self.medications.uses if u.drug != denied]
                self.medications.denied.add(denied)
            self.medications.complete = self.medications.complete or other.medications.complete
            if self.medications.to_dict() != before_meds:
                changed.append("medications")
        return changed

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = dict(sorted(self.values.items()))
        for name in ("diagnoses", "allergies", "medications"):
            part = getattr(self, name)
            if not part.empty():
                data[name] = part.to_dict()
        return data

def _days(text: Any, key: str) -> float:
    """Read "7 months" or 3 (days) as a number of days."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    try:
        number, unit = parse_quantity(str(text).replace("ago", "").strip())
        return convert(number, unit or "day", "day")
    except UnitError:
        raise ValueRefused(key, phrase("I could not read '{text}' as a length of time, e.g. '7 months'.",
                                       text=text)) from None


def _concepts(raw: Any, key: str, allow_drugs: bool) -> ConceptSet:
    voc = vocabulary()
    if isinstance(raw, (list, str)):
        raw = {"has": [raw] if isinstance(raw, str) else raw}
    result = ConceptSet(none=bool(raw.get("none", False)))
    for part, target in (("has", result.asserted), ("not", result.denied)):
        for code in raw.get(part) or ():
            if code not in voc.concepts and not (allow_drugs and code in voc.drugs):
                raise ValueRefused(key, f"unknown concept {code!r} in {key}")
            target.add(code)
    return result


def _medications(raw: Any) -> Medications:
    voc = vocabulary()
    if isinstance(raw, list):
        raw = {"taken": raw}
    meds = Medications(complete=bool(raw.get("complete", False)))
    for item in raw.get("taken") or ():
        item = {"drug": item} if isinstance(item, str) else item
        drug = item.get("drug")
        if drug not in voc.drugs:
            raise ValueRefused("medications", f"unknown medicine {drug!r}")
        use = MedicationUse(drug=drug, current=item.get("current"))
        if "since" in item:
            use.started_days_ago = _days(item["since"], "medications")
            use.current = True if use.current is None else use.current
        for key in ("started_days_ago", "stopped_days_ago", "days_before_icu"):
            if key in item:
                setattr(use, key, _days(item[key], "medications"))
        if "stopped" in item:
            use.stopped_days_ago = _days(item["stopped"], "medications")
            use.current = False
        if "before_icu" in item:
            use.days_before_icu = _days(item["before_icu"], "medications")
            use.current = False if use.current is None else use.current
        meds.uses.append(use)
    for code in raw.get("not") or ():
        if code not in voc.drugs and code not in voc.classes:
            raise ValueRefused("medications", f"unknown medicine or class {code!r}")
        meds.denied.add(code)
    return meds


def profile_from_mapping(data: dict[str, Any]) -> Profile:
    """Build a profile from a mapping such as a profile file: {"age": "6 years", "platelets": "90,000/µL", ...}."""
    profile = Profile()
    for key, value in data.items():
        if value is None:
            continue  # written out as unknown
        if key == "diagnoses":
            profile.diagnoses = _concepts(value, key, allow_drugs=False)
        elif key == "allergies":
            profile.allergies = _concepts(value, key, allow_drugs=True)
        elif key == "medications":
            profile.medications = _medications(value)
        elif key in FACTS:
            if isinstance(value, dict):
                profile.set(key, value.get("value"), value.get("unit"))
            else:
                profile.set(key, value)
        else:
            raise ValueRefused(key, f"unknown fact {key!r}")
    return profile
