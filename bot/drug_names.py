"""Medicine names from the drug-named-entity-recognition package, filtered for eligibility criteria.

The curated table (data/drugs.yaml) knows about a hundred medicines with the classes rules ask about. Criteria
name thousands more ("prior treatment with pembrolizumab"), so the package's dictionary (DrugBank, MeSH,
MedlinePlus and NHS names) fills in: extra spellings for curated drugs, and plain entries (no class, no ATC, no
half-life) for the rest. The package is read as a pinned dependency, never copied into the repository, so an
upgrade brings its new names in.

Its dictionary also holds much that is not a medicine in the criteria sense (proteins, receptors, lab analytes,
foods, alcohol) and names that clash with the diagnosis and lab terms; those are dropped by the rules below and
by data/drug_names_excluded.yaml.
"""

from __future__ import annotations

import bz2
import gc
import importlib.util
import json
import pickle
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

DATA = Path(__file__).parent / "data"
PATTERNS = Path(__file__).parent / "nlp" / "patterns"
PACKAGE = "drug_named_entity_recognition"
DICTIONARY = "drug_ner_dictionary.pkl.bz2"

# Sources in the package that list medicines. An entry known to MeSH only is a protein, an enzyme, a receptor or a
# pharmacological class far more often than a medicine a criterion names ("janus kinase 2", "ctla-4 antigen").
MEDICINE_SOURCES = ("drugbank_id", "medline_plus_id", "nhs_url")
MAX_WORDS = 4
MAX_CHARS = 40
MIN_LETTERS = 4  # three letters or fewer are abbreviations that mean other things too ("ara", "gem", "csa")
# Lower-case letters, digits and the joiners drug names use. Commas, brackets and Greek letters mark MeSH's
# inverted headings and systematic chemical names, which no criterion spells that way.
_NAME = re.compile(r"[a-z0-9][a-z0-9 '/+.-]*")
_DIGIT_RUNS = re.compile(r"\d+")
_NOT_LETTERS = re.compile(r"[^a-z]+")
# Last words that mark an allergen extract or an organism, for any of an entry's names ("timothy grass top",
# "atlantic mackerel flesh", "bacillus cereus whole", "cat hair"): such an entry is left out whole.
ALLERGEN_ENDINGS = frozenset(
    "dander epithelia epithelium feather feathers flesh hair hairs pollen skin venom whole".split())
# Last words of chemical species ("sodium cation", "chloride ion"): such a name is left out. An entry whose
# canonical name ends so is left out whole, and so is a plant part named "top" ("phleum pratense top", a grass
# pollen allergen), though a herbal medicine's other name may end so ("hypericum perforatum flowering top").
SPECIES_ENDINGS = frozenset("anion cation group ion".split())
CANONICAL_ENDINGS = SPECIES_ENDINGS | {"top"}
# Salt, ester and hydrate words: "morphine sulfate" and "dexamethasone acetate" are morphine and dexamethasone.
SALT_WORDS = frozenset(
    "acetate anhydrous besilate besylate bitartrate bromide calcium chloride citrate dihydrate dipropionate disodium "
    "fumarate gluconate hcl hydrate hydrobromide hydrochloride lactate magnesium maleate mesilate mesylate "
    "monohydrate napadisilate palmitate phosphate potassium propionate sodium succinate sulfate sulphate tartrate "
    "trihydrate valerate".split())


@dataclass(frozen=True)
class PackageDrug:
    """One medicine of the package: its canonical name, and the names that survived the filters."""

    canonical: str
    synonyms: tuple[str, ...]
    brands: tuple[str, ...]
    names: tuple[str, ...]  # every name the package gives it, unfiltered: finds the curated drug it already is


@dataclass(frozen=True)
class Merged:
    """What the package adds to the curated table: spellings for curated drugs, and new medicines by id."""

    extra_names: dict[str, tuple[str, ...]]
    new_drugs: dict[str, PackageDrug]


def slug(name: str) -> str:
    """A stable id from a canonical name: lower case, every run of other characters one underscore."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def base_name(name: str) -> str:
    """The name without trailing salt, ester or hydrate words ("doxorubicin hydrochloride" -> "doxorubicin")."""
    words = name.split()
    while len(words) > 1 and words[-1] in SALT_WORDS:
        words.pop()
    return " ".join(words)


def _dictionary() -> dict:
    """The package's pickled dictionary, read straight from its file: importing the package also builds a
    fuzzy-match index we do not use, which costs seconds and memory. Empty when the package is missing."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = Path(next(iter(spec.submodule_search_locations))) / DICTIONARY
    if not path.exists():
        return {}
    # Unpickling creates a hundred thousand small objects; the cyclic collector would rescan them many times over.
    enabled = gc.isenabled()
    gc.disable()
    try:
        with bz2.open(path, "rb") as handle:
            return pickle.load(handle)  # the file ships inside an installed, pinned dependency
    finally:
        if enabled:
            gc.enable()


@lru_cache(maxsize=1)
def excluded_names() -> dict[str, str]:
    """Names never taken from the package, with the reason (data/drug_names_excluded.yaml)."""
    raw = yaml.safe_load((DATA / "drug_names_excluded.yaml").read_text(encoding="utf-8")) or {}
    return {str(name).lower(): str(why) for group in raw.values() for name, why in (group or {}).items()}


@lru_cache(maxsize=1)
def pattern_names() -> frozenset[str]:
    """Every hand-written term in nlp/patterns (labs, flags, symptoms, classes), lower case."""
    names: set[str] = set()
    for path in sorted(PATTERNS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            pattern = json.loads(line)["pattern"]
            if isinstance(pattern, str):
                names.add(pattern.lower())
            else:
                names.add(" ".join(str(next(iter(t.values()), "")) for t in pattern if isinstance(t, dict)).lower())
    return frozenset(names)


# Words of dosage forms and routes: a name made of these alone ("capsules and granules") names no medicine.
FORM_WORDS = frozenset(
    "and or for with of the oral tablet tablets capsule capsules granule granules powder solution suspension syrup "
    "injection injectable infusion cream ointment gel spray nasal drops eye ear patch patches inhaler inhalation "
    "lozenge lozenges suppository suppositories film coated extended release modified prolonged chewable "
    "dispersible effervescent kit pen vial vials topical liquid concentrate emulsion foam lotion shampoo".split())


def plain_name(name: str) -> bool:
    """Whether a name has the form of a drug name a criterion would write: short, plain characters, not a
    systematic chemical name (two or more runs of digits), not an abbreviation of three letters or fewer, not
    made of dosage-form words only, and not a combination ("X and Y" reads as its two medicines, each with its
    classes, and "ears and nose" is a product's label, not a name)."""
    return (bool(_NAME.fullmatch(name)) and len(name) <= MAX_CHARS and len(name.split()) <= MAX_WORDS
            and len(_NOT_LETTERS.sub("", name)) >= MIN_LETTERS and len(_DIGIT_RUNS.findall(name)) <= 1
            and not set(name.split()) <= FORM_WORDS and " and " not in name)


@lru_cache(maxsize=1)
def package_drugs() -> tuple[PackageDrug, ...]:
    """The package's medicines with their plain, non-excluded names, sorted by canonical name.

    Only names the package itself matches on are used: it leaves an everyday word out of them even when it is an
    entry's canonical name ("water", "oxygen", "glucose", "ethanol"), and such an entry is then left out whole.
    """
    raw = _dictionary()
    if not raw:
        return ()
    data: dict[str, dict] = raw["drug_canonical_to_data"]
    variant_data: dict[str, dict] = raw["drug_variant_to_variant_data"]
    names: dict[str, list[str]] = {}
    for variant, canonicals in raw["drug_variant_to_canonical"].items():
        for canonical in canonicals:
            names.setdefault(canonical, []).append(variant.lower())
    excluded = excluded_names()
    found: list[PackageDrug] = []
    for canonical in sorted(names):
        entry = data.get(canonical) or {}
        if not any(entry.get(k) for k in MEDICINE_SOURCES) or canonical in excluded:
            continue
        variants = tuple(dict.fromkeys(names[canonical]))
        if canonical.rsplit(" ", 1)[-1] in CANONICAL_ENDINGS or any(
                n.rsplit(" ", 1)[-1] in ALLERGEN_ENDINGS for n in (canonical, *variants)):
            continue
        usable = [n for n in variants if n not in excluded and plain_name(n)
                  and n.rsplit(" ", 1)[-1] not in CANONICAL_ENDINGS]
        brands = tuple(n for n in usable if (variant_data.get(n) or {}).get("is_brand"))
        synonyms = tuple(n for n in usable if n not in brands)
        found.append(PackageDrug(canonical, synonyms, brands, (canonical, *variants)))
    return tuple(found)


def merge(curated: Mapping[str, Iterable[str]], taken_ids: Iterable[str], reserved: Iterable[str]) -> Merged:
    """Spellings the package adds to curated drugs, and the package's other medicines under new ids.

    curated maps a drug id to its names (label, synonyms, brands); taken_ids are the concept and class ids a new
    id must not reuse; reserved are the diagnosis and class names no medicine may take.

    A package entry is a curated drug when one of its names is that drug's name; an entry whose names hit two
    curated drugs is ambiguous and adds nothing. A salt form ("morphine sulfate") joins the drug its base name
    belongs to, since a longer name would otherwise win over the curated one and lose its classes. A curated name
    always keeps its drug, and a name two entries share goes to the first in canonical order, so every name means
    one drug. An entry whose own canonical name is unusable (excluded, reserved, not matched on, or another drug's)
    is left out, as its other names would be labelled with a name that is not a medicine.
    """
    blocked = {n.lower() for n in reserved} | pattern_names()
    owner = {n.lower(): drug_id for drug_id, names in curated.items() for n in names}
    taken = set(taken_ids) | set(curated)
    extra: dict[str, list[str]] = {}
    new: dict[str, PackageDrug] = {}
    for drug in package_drugs():  # sorted, so a base name comes before its salt forms
        hits = {owner[n] for n in drug.names if n in owner and owner[n] in curated}
        if len(hits) > 1:
            continue
        usable = [n for n in (*drug.synonyms, *drug.brands) if n not in blocked]
        target = next(iter(hits), None) or owner.get(base_name(drug.canonical))
        if target is not None:
            added = [n for n in usable if n not in owner]
            for name in added:
                owner[name] = target
            if target in curated:
                extra.setdefault(target, []).extend(added)
            else:
                base = new[target]
                new[target] = PackageDrug(base.canonical, (*base.synonyms, *(n for n in added if n in drug.synonyms)),
                                          (*base.brands, *(n for n in added if n in drug.brands)), base.names)
            continue
        fresh = [n for n in usable if n not in owner]
        if drug.canonical not in fresh:
            continue
        drug_id = slug(drug.canonical)
        if drug_id in taken or drug_id in new:
            drug_id = f"{drug_id}_drug"
        if not drug_id or drug_id in taken or drug_id in new:
            continue
        for name in fresh:
            owner[name] = drug_id
        new[drug_id] = PackageDrug(drug.canonical, tuple(n for n in fresh if n in drug.synonyms),
                                   tuple(n for n in fresh if n in drug.brands), drug.names)
    return Merged({k: tuple(v) for k, v in extra.items()}, new)
