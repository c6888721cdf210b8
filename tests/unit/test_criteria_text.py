"""Eligibility-criteria text split into criterion lines as registers write it.

Small made-up texts pin each layout rule; the real texts in ../shared (ClinicalTrials.gov records, the TrialGPT
records, a CTIS record, the annotated LCT corpus) and the catalogue's trial files check that the rules hold on what
registers actually publish.
"""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from bot.registry.criteria_text import CriterionLine, split_criteria

SHARED = Path(__file__).resolve().parents[3] / "shared"
REGISTRY = SHARED / "registry"
LCT = SHARED / "criteria_gold" / "lct" / "brat"
LCT_LINES = SHARED / "criteria_gold" / "derived" / "lct_lines.jsonl"
TRIALS = Path(__file__).resolve().parents[2] / "trials"

# Measured on all 1,006 LCT documents: 0.994 of the gold lines found get the gold's section; 0.988 are found
# (the rest are heading lines, which are not criteria, or lines cut into sentences).
AGREEMENT_FLOOR = 0.98
FOUND_FLOOR = 0.98


def need_shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"../shared is absent: {path} is needed for this check")
    return path


def kinds(lines: list[CriterionLine]) -> list[str]:
    return [line.kind for line in lines]


def texts(lines: list[CriterionLine]) -> list[str]:
    return [line.text for line in lines]


def words(text: str) -> str:
    return " ".join(str(text).split())


# Section headings


INCLUSION_HEADINGS = [
    "Inclusion Criteria:",
    "INCLUSION CRITERIA",
    "Inclusion criteria -",
    "Key Inclusion Criteria",
    "Eligibility criteria:",
    "Patients must meet all of the following",
    "Subjects will be included if:",
    "**Inclusion Criteria:**",
    "Inclusion Criteria\\*:",
    "-INCLUSION CRITERIA:",
    "* INCLUSION CRITERIA:",
    "Inclusions:",
]
EXCLUSION_HEADINGS = [
    "Exclusion Criteria:",
    "Key exclusion criteria",
    "Patients with any of the following will be excluded",
    "Exclusion:",
    "EXCLUSION CRITERIA",
    "Exclusion Criteria",
    "Patients will not be eligible if they meet any of the following criteria:",
    "**Exclusion criteria**",
]


@pytest.mark.parametrize("inclusion", INCLUSION_HEADINGS)
@pytest.mark.parametrize("exclusion", EXCLUSION_HEADINGS)
def test_section_headings_in_many_spellings(inclusion, exclusion):
    text = f"{inclusion}\n\n* Adults aged 18 or over\n* Able to swallow tablets\n\n{exclusion}\n\n* Pregnancy\n"
    lines = split_criteria(text)
    assert texts(lines) == ["Adults aged 18 or over", "Able to swallow tablets", "Pregnancy"]
    assert kinds(lines) == ["inclusion", "inclusion", "exclusion"]
    assert all(line.heading is None and line.parent is None for line in lines)


def test_words_after_a_heading_colon_are_the_first_criterion():
    lines = split_criteria("Inclusion Criteria: adults with asthma\nExclusion Criteria: current smokers")
    assert [(line.kind, line.text) for line in lines] == [("inclusion", "adults with asthma"),
                                                          ("exclusion", "current smokers")]


def test_a_heading_with_words_of_its_own_is_the_heading_of_its_lines():
    lines = split_criteria("Inclusion criteria for parents:\n- lives with the child\nExclusion criteria:\n- none known")
    assert lines[0].heading == "Inclusion criteria for parents" and lines[0].kind == "inclusion"
    assert lines[1].heading is None and lines[1].kind == "exclusion"


def test_a_bullet_that_only_mentions_criteria_is_not_a_heading():
    lines = split_criteria("Inclusion Criteria:\n- adults\nExclusion Criteria:\n- No exclusion criteria")
    assert [(line.kind, line.text) for line in lines] == [("inclusion", "adults"),
                                                          ("exclusion", "No exclusion criteria")]


def test_lines_before_any_heading_are_unknown_unless_they_say_their_kind():
    lines = split_criteria("Adults with mild asthma\nSmokers are excluded\n\nInclusion Criteria:\n* Able to consent")
    assert kinds(lines) == ["unknown", "exclusion", "inclusion"]


# Bullets, numbering and nesting


def test_nested_bullets_point_at_their_parent():
    text = ("* Active disease defined by:\n\n  * Joint count of 4 or more\n  * Morning stiffness\n\n"
            "    * lasting an hour\n* Stable treatment\n")
    lines = split_criteria(text)
    assert texts(lines) == ["Active disease defined by:", "Joint count of 4 or more", "Morning stiffness",
                            "lasting an hour", "Stable treatment"]
    assert [line.parent for line in lines] == [None, 0, 0, 2, None]


def test_a_sub_list_after_a_colon_at_the_same_indent_belongs_to_that_line():
    text = "1. Aged 18 or over\n2. At least 2 of the following:\na. fever\nb. rash\n3. Signed consent"
    lines = split_criteria(text)
    assert [(line.number, line.parent) for line in lines] == [("1", None), ("2", None), ("a", 1), ("b", 1),
                                                              ("3", None)]


def test_old_ctgov_layout_with_deeper_numbered_items():
    text = ("Inclusion Criteria:\n  -  Meets all of the following:\n       1. Age > 21 years\n"
            "       2. Able to consent\n  -  Lives nearby\nExclusion Criteria:\n  -  Pregnancy")
    lines = split_criteria(text)
    assert [(line.text, line.number, line.parent, line.kind) for line in lines] == [
        ("Meets all of the following:", None, None, "inclusion"),
        ("Age > 21 years", "1", 0, "inclusion"),
        ("Able to consent", "2", 0, "inclusion"),
        ("Lives nearby", None, None, "inclusion"),
        ("Pregnancy", None, None, "exclusion"),
    ]


@pytest.mark.parametrize(("marker", "number"), [
    ("1.", "1"), ("1)", "1"), ("(1)", "1"), ("[1]", "1"), ("1\\.", "1"), ("1．", "1"), ("a.", "a"), ("a)", "a"),
    ("(a)", "a"), ("i.", "i"), ("ii)", "ii"), ("(iv)", "iv"), ("IV.", "IV"), ("1.2", "1.2"), ("1.2.", "1.2"),
    ("* a)", "a"), ("- 3.", "3"), ("•", None), ("·", None), ("o", None), ("+", None), ("-", None), ("*", None),
])
def test_numbering_and_bullet_styles(marker, number):
    (line,) = split_criteria(f"Inclusion Criteria:\n{marker} Platelets above 50 G/L")
    assert (line.text, line.number, line.kind) == ("Platelets above 50 G/L", number, "inclusion")


def test_decimal_values_and_genus_names_are_not_numbering():
    lines = split_criteria("* 1.5 mg/dL or less\n* E. coli bacteraemia\n* 0.6 mg/dL (age 1 to 2)")
    assert texts(lines) == ["1.5 mg/dL or less", "E. coli bacteraemia", "0.6 mg/dL (age 1 to 2)"]
    assert all(line.number is None for line in lines)


def test_i_after_h_is_a_letter_and_ii_is_a_roman_numeral():
    letters = split_criteria("g. cough\nh. fever\ni. rash\nj. pain")
    assert [line.number for line in letters] == ["g", "h", "i", "j"]
    assert all(line.parent is None for line in letters)
    romans = split_criteria("1. One of:\ni. fever\nii. rash\n2. Consent")
    assert [(line.number, line.parent) for line in romans] == [("1", None), ("i", 0), ("ii", 0), ("2", None)]


# Sub-headings


def test_sub_headings_become_the_heading_of_the_lines_under_them():
    text = ("Inclusion Criteria:\n\nMajor criteria:\n\n* Fever\n* Splenomegaly\n\nMinor criteria:\n\n* Rash\n\n"
            "Exclusion Criteria:\n\n* Pregnancy\n")
    lines = split_criteria(text)
    assert [(line.text, line.heading, line.kind) for line in lines] == [
        ("Fever", "Major criteria", "inclusion"),
        ("Splenomegaly", "Major criteria", "inclusion"),
        ("Rash", "Minor criteria", "inclusion"),
        ("Pregnancy", None, "exclusion"),
    ]


def test_a_bulleted_sub_heading_covers_only_its_own_sub_items():
    text = ("Exclusion Criteria:\n\n* Recent surgery\n* Bleeding risk:\n\n  1. Clinical: active bleeding\n"
            "  2. Laboratory: platelets below 50 G/L\n* Heparin allergy\n")
    lines = split_criteria(text)
    assert [(line.text, line.number, line.parent, line.heading) for line in lines] == [
        ("Recent surgery", None, None, None),
        ("Clinical: active bleeding", "1", None, "Bleeding risk"),
        ("Laboratory: platelets below 50 G/L", "2", None, "Bleeding risk"),
        ("Heparin allergy", None, None, None),
    ]


def test_a_line_ending_with_a_colon_that_carries_content_is_a_criterion():
    text = ("1. Patients fulfill at least 2 of the following 3 clinical manifestations:\n\n   * Typical rash\n"
            "   * Hearing loss\n2. Evidence of either low blood pressure OR poor perfusion:\n\n   * Lactate above 4\n")
    lines = split_criteria(text)
    assert [(line.text, line.parent) for line in lines] == [
        ("Patients fulfill at least 2 of the following 3 clinical manifestations:", None),
        ("Typical rash", 0), ("Hearing loss", 0),
        ("Evidence of either low blood pressure OR poor perfusion:", None),
        ("Lactate above 4", 3),
    ]


def test_a_sub_heading_with_nothing_under_it_is_kept_as_a_line():
    lines = split_criteria("Exclusion Criteria:\n\n* Pregnancy\n\nOther:\n")
    assert texts(lines) == ["Pregnancy", "Other:"]


def test_decorated_and_colon_less_sub_headings():
    text = ("--Disease Characteristics--\n\nConfirmed lymphoma\n\nHealthy controls\n  -  no chronic disease\n"
            "  -  aged 20 to 40")
    lines = split_criteria(text)
    assert [(line.text, line.heading) for line in lines] == [
        ("Confirmed lymphoma", "Disease Characteristics"),
        ("no chronic disease", "Healthy controls"),
        ("aged 20 to 40", "Healthy controls"),
    ]


# Wrapped lines, connectors, escapes, empty items


def test_hard_wrapped_lines_join_their_item():
    text = ("Inclusion Criteria:\n"
            "  -  Adults undergoing elective knee replacement under general anaesthesia at the\n"
            "     university hospital during the study period\n"
            "- Critically ill patients with early septic shock receiving noradrenaline at a dose\n"
            "of more than 10 ug/min\n"
            "- Written consent from the patient or\n"
            "Legal guardian\n")
    lines = split_criteria(text)
    assert texts(lines) == [
        "Adults undergoing elective knee replacement under general anaesthesia at the university hospital during "
        "the study period",
        "Critically ill patients with early septic shock receiving noradrenaline at a dose of more than 10 ug/min",
        "Written consent from the patient or Legal guardian",
    ]


def test_short_unmarked_lines_are_separate_items_not_wraps():
    lines = split_criteria("Inclusion Criteria:\ngood oral hygiene\nyoung adults\nExclusion Criteria:\nsmokers")
    assert texts(lines) == ["good oral hygiene", "young adults", "smokers"]


def test_a_heading_wrapped_over_two_lines_is_still_a_heading():
    text = ("Exclusion Criteria:\nPatients will not be included in the study if one or more of the following criteria\n"
            "applies:\n  -  Pregnancy\n")
    assert [(line.kind, line.text, line.heading) for line in split_criteria(text)] == [
        ("exclusion", "Pregnancy", None)]


def test_an_indented_paragraph_belongs_to_the_item_above():
    text = ("Exclusion Criteria:\n\n1. Shock for more than 24 hours.\n\n"
            "   Note: transfers within 24 hours are eligible.\n2. Age under 18\n")
    lines = split_criteria(text)
    assert texts(lines) == ["Shock for more than 24 hours. Note: transfers within 24 hours are eligible.",
                            "Age under 18"]


def test_a_bare_connector_goes_in_front_of_the_next_line():
    lines = split_criteria("* Severe aplastic anaemia\n\nOR\n\n* Refractory anaemia\nAND")
    assert texts(lines) == ["Severe aplastic anaemia", "OR Refractory anaemia AND"]


def test_markdown_escapes_are_undone_and_symbols_kept():
    (line,) = split_criteria("* Platelets \\< 50 x 10\\^9/L and INR \\> 1.5, ≥ 18 years, \\*see note\\_1")
    assert line.text == "Platelets < 50 x 10^9/L and INR > 1.5, ≥ 18 years, *see note_1"


def test_empty_items_are_dropped_and_nothing_else():
    lines = split_criteria("Exclusion Criteria:\n\n* Pregnancy\n*\n-\n   -\n\\-\n* Breastfeeding\n")
    assert texts(lines) == ["Pregnancy", "Breastfeeding"]
    assert split_criteria("") == [] and split_criteria("\n  \n") == []


# Prose


def test_prose_is_split_into_sentences_around_abbreviations_and_numbers():
    text = ("Adults aged 18 to 65, e.g. students and staff, are eligible if they consent. Patients with an ANC below "
            "1.5 x 10^9/L are excluded. Treatment vs. placebo lasts approx. 2 weeks. Residents of the U.S. Virgin "
            "Islands seen by Dr. Smith may take part. Those on warfarin must not take part.")
    lines = split_criteria(text)
    assert texts(lines) == [
        "Adults aged 18 to 65, e.g. students and staff, are eligible if they consent.",
        "Patients with an ANC below 1.5 x 10^9/L are excluded.",
        "Treatment vs. placebo lasts approx. 2 weeks.",
        "Residents of the U.S. Virgin Islands seen by Dr. Smith may take part.",
        "Those on warfarin must not take part.",
    ]
    assert kinds(lines) == ["inclusion", "exclusion", "unknown", "unknown", "exclusion"]
    assert all(line.parent is None and line.number is None for line in lines)


def test_inline_section_labels_in_prose():
    lines = split_criteria("Inclusion: adults over 18. Must have signed consent. Exclusion: pregnancy. Dialysis.")
    assert [(line.kind, line.text) for line in lines] == [
        ("inclusion", "adults over 18."), ("inclusion", "Must have signed consent."),
        ("exclusion", "pregnancy."), ("exclusion", "Dialysis."),
    ]


def test_sub_headings_in_prose_cover_every_paragraph_under_them():
    lines = split_criteria("Major criteria:\nFever for 5 days. Rash.\nSplenomegaly\nMinor criteria:\nAdenopathy")
    assert [(line.text, line.heading) for line in lines] == [
        ("Fever for 5 days.", "Major criteria"), ("Rash.", "Major criteria"), ("Splenomegaly", "Major criteria"),
        ("Adenopathy", "Minor criteria"),
    ]


def test_structured_text_keeps_a_multi_sentence_paragraph_as_one_criterion():
    text = "EXCLUSION CRITERIA:\n\nHistory of malignancy. Skin cancers may be enrolled.\n\n* HIV positive\n"
    assert texts(split_criteria(text)) == ["History of malignancy. Skin cancers may be enrolled.", "HIV positive"]


# Real register texts


def registry_texts() -> list[tuple[str, str]]:
    found = []
    for path in sorted((REGISTRY / "ctgov_v2").glob("NCT*.json")):
        module = json.loads(path.read_text(encoding="utf-8"))["protocolSection"].get("eligibilityModule")
        if module and module.get("eligibilityCriteria"):
            found.append((path.name, module["eligibilityCriteria"]))
    for path in sorted((REGISTRY / "trialgpt2").glob("*/NCT*.json")):
        found.append((f"{path.parent.name}/{path.name}", json.loads(path.read_text(encoding="utf-8"))["raw_criteria"]))
    return found


def record_text(relative: str) -> str:
    data = json.loads((REGISTRY / relative).read_text(encoding="utf-8"))
    if "studies" in data:
        (data,) = data["studies"]
    if "ctNumber" in data:
        return ctis_text(data)
    if "protocolSection" in data:
        return data["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
    return data["raw_criteria"]


def ctis_text(record: dict) -> str:
    """CTIS lists each principal criterion apart; written out under headings as a reader would see them."""
    criteria = record["authorizedApplication"]["authorizedPartI"]["trialDetails"]["trialInformation"][
        "eligibilityCriteria"]
    parts = []
    for key, heading in (("principalInclusionCriteria", "Principal inclusion criteria:"),
                         ("principalExclusionCriteria", "Principal exclusion criteria:")):
        parts.append(heading)
        parts += [f"{item['number']}. {item[key]}" for item in sorted(criteria[key], key=lambda c: c["number"])]
    return "\n".join(parts)


HEADING_LIKE = re.compile(r"inclu|exclu|eligib|criteri|[:：]\W*$|\bif\W*$", re.IGNORECASE)


def tokens(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text).lower())


def test_registry_texts_keep_every_word_except_in_headings():
    need_shared(REGISTRY)
    documents = registry_texts()
    assert len(documents) >= 50
    for name, text in documents:
        lines = split_criteria(text)
        assert lines, name
        kept = {t for line in lines for t in tokens(f"{line.text} {line.number or ''} {line.heading or ''}")}
        for source in text.splitlines():
            lost = [t for t in tokens(source) if t not in kept]
            assert not lost or HEADING_LIKE.search(source.strip()), (name, source, lost)
        for index, line in enumerate(lines):
            assert line.kind in ("inclusion", "exclusion", "unknown"), (name, line)
            assert line.text == words(line.text) and re.search(r"\w", line.text), (name, line)
            assert line.parent is None or 0 <= line.parent < index, (name, index, line)


def test_ctgov_records_sections_nesting_and_sub_headings():
    need_shared(REGISTRY)
    rosacea = split_criteria(record_text("ctgov_v2/NCT03064438.json"))
    assert kinds(rosacea).count("inclusion") == 9 and kinds(rosacea).count("exclusion") == 13
    sunburn = next(i for i, line in enumerate(rosacea) if line.text == "Experienced a sunburn; 14 days")
    assert rosacea[rosacea[sunburn].parent].text.startswith("Participant currently has, on the face")

    cohorts = split_criteria(record_text("ctgov_v2/NCT04431453.json"))
    lettered = [line for line in cohorts if line.number]
    assert [line.number for line in lettered] == list("abcdef")
    assert {line.parent for line in lettered} == {0} and cohorts[0].text.startswith("Aged < 18 years")

    groups = split_criteria(record_text("ctgov_v2/NCT03630471.json"))
    assert [(line.kind, line.heading) for line in groups].count(("inclusion", "For parent participants")) == 3
    assert [(line.kind, line.heading) for line in groups].count(("exclusion", "For adolescent participants")) == 6

    keyed = split_criteria(record_text("ctgov_v2/NCT02210780.json"))
    assert [line.number for line in keyed if line.kind == "inclusion"] == ["1", "2", "3", "4", "5"]
    assert [line.number for line in keyed if line.kind == "exclusion"][:7] == ["1", "2", "3", "4", "5", "6", "7"]


def test_trialgpt_records_headings_intro_sentences_and_notes():
    need_shared(REGISTRY)
    hlh = split_criteria(record_text("trialgpt2/trec_2021/NCT02113917.json"))
    assert [line.heading for line in hlh[:7]] == ["Major criteria"] * 3 + ["Minor criteria"] * 4
    assert hlh[8].parent == 7 and hlh[7].text.endswith("HLH in adults:")

    septic = split_criteria(record_text("trialgpt2/trec_2021/NCT02317549.json"))
    exclusion = [line for line in septic if line.kind == "exclusion"]
    assert exclusion[0].number == "1" and exclusion[0].text == "Age <18 or age ≥76 years."
    assert not any(line.text.startswith("Patients will not be eligible") for line in septic)
    third = next(line for line in exclusion if line.number == "3")
    assert "Note: patients transferred from another healthcare facility" in third.text

    entry = split_criteria(record_text("trialgpt2/trec_2022/NCT00006056.json"))
    assert all(line.kind == "inclusion" for line in entry)
    assert {line.heading for line in entry} >= {"Disease Characteristics", "Patient Characteristics", "Pulmonary"}


def test_ctis_principal_criteria():
    need_shared(REGISTRY)
    record = json.loads((REGISTRY / "ctis" / "2023-505613-24-00.json").read_text(encoding="utf-8"))
    criteria = record["authorizedApplication"]["authorizedPartI"]["trialDetails"]["trialInformation"][
        "eligibilityCriteria"]
    lines = split_criteria(ctis_text(record))
    for kind, key in (("inclusion", "principalInclusionCriteria"), ("exclusion", "principalExclusionCriteria")):
        expected = [(str(c["number"]), words(c[key])) for c in sorted(criteria[key], key=lambda c: c["number"])]
        assert [(line.number, line.text) for line in lines if line.kind == kind] == expected
    for item in criteria["principalInclusionCriteria"]:  # each item alone, as the register stores it
        (line,) = split_criteria(item["principalInclusionCriteria"])
        assert line.text == words(item["principalInclusionCriteria"]) and line.parent is None


def shared_trials() -> list[tuple[str, dict, str]]:
    found = []
    for path in sorted(TRIALS.glob("*.yaml")):
        trial = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        source = re.search(r"shared registry file ([\w./-]+\.json)", words(trial.get("source", "")))
        if source:
            found.append((path.stem, trial, source.group(1)))
    return found


def test_trial_files_criteria_are_lines_of_their_record_with_their_sub_headings():
    need_shared(REGISTRY)
    checked = headings = 0
    for trial_id, trial, source in shared_trials():
        lines = split_criteria(record_text(source))
        for kind in ("inclusion", "exclusion"):
            for criterion in trial["criteria"][kind]:
                own = words(re.sub(r"^(?:\d+\.|[a-z]\))\s+", "", str(criterion["text"]).strip()))
                matches = [line for line in lines if line.kind == kind and own in line.text]
                assert matches, f"{trial_id} {criterion['id']}: {own!r} is in no {kind} line"
                checked += 1
                named = re.search(r'sub-heading "([^"]+)"', words(criterion.get("note", "")))
                if named:
                    assert matches[0].heading == named.group(1), (trial_id, criterion["id"])
                    headings += 1
    assert checked >= 200 and headings >= 4


def test_lct_sections_agree_with_the_gold_and_speed():
    need_shared(LCT_LINES)
    need_shared(LCT)
    gold: dict[str, list[dict]] = defaultdict(list)
    for row in LCT_LINES.read_text(encoding="utf-8").splitlines():
        entry = json.loads(row)
        gold[entry["doc"]].append(entry)
    marker = re.compile(r"^\s*(?:[-*•·o+]\s*)?(?:\(?(?:\d{1,3}|[A-Za-z]|[ivx]{2,4})[.)\]]\s+)?")
    found = agree = total = physical = 0
    elapsed = 0.0
    for rows in gold.values():
        text = (LCT.parent.parent / rows[0]["file"]).with_suffix(".txt").read_text(encoding="utf-8")
        start = time.perf_counter()
        lines = split_criteria(text)
        elapsed += time.perf_counter() - start
        physical += len(text.splitlines())
        position = 0
        for row in sorted(rows, key=lambda r: r["line_no"]):
            total += 1
            wanted = words(marker.sub("", row["text"], count=1))
            hit = next((i for i in range(position, len(lines)) if wanted and wanted in lines[i].text), None)
            if hit is None:  # a heading line, or a line cut into sentences
                continue
            position = hit
            found += 1
            agree += lines[hit].kind == row["section"]
    agreement, coverage, speed = agree / found, found / total, physical / elapsed
    print(f"LCT: {len(gold)} documents, {total} gold lines, {found} found ({coverage:.3f}), "
          f"section agreement {agreement:.4f}; {speed:,.0f} lines/s")
    assert len(gold) == 1006
    assert agreement >= AGREEMENT_FLOOR and coverage >= FOUND_FLOOR
    assert speed > 1000


def test_legacy_pdq_sections_are_requirements_with_their_heading():
    text = "DISEASE CHARACTERISTICS:\n\nBiopsy-proven sarcoma.\n\nPATIENT CHARACTERISTICS:\n\nAge: 18 and over.\n"
    lines = split_criteria(text)
    assert [(line.kind, line.heading) for line in lines] == [("inclusion", "DISEASE CHARACTERISTICS"),
                                                            ("inclusion", "PATIENT CHARACTERISTICS")]


def test_pdq_sub_headings_run_together_on_one_line_are_split_into_their_requirements():
    text = ("PATIENT CHARACTERISTICS: Age: 18 and over Performance status: WHO 0-2 Hematopoietic: Absolute neutrophil "
            "count at least 1,500/mm3 Platelet count at least 100,000/mm3 Other: Not pregnant or nursing No active "
            "infection\n\nPRIOR CONCURRENT THERAPY: Chemotherapy: No prior mitomycin")
    lines = split_criteria(text)
    assert [line.text for line in lines] == [
        "Age: 18 and over", "Performance status: WHO 0-2",
        "Hematopoietic: Absolute neutrophil count at least 1,500/mm3",
        "Platelet count at least 100,000/mm3", "Other: Not pregnant or nursing", "No active infection",
        "Chemotherapy: No prior mitomycin"]
    assert {line.kind for line in lines} == {"inclusion"}


def test_a_line_with_one_label_in_ordinary_text_is_not_split():
    text = "Inclusion Criteria:\n- Patients with relapsed disease. Other: any prior therapy allowed"
    assert [line.text for line in split_criteria(text)] == [
        "Patients with relapsed disease. Other: any prior therapy allowed"]
