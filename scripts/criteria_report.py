"""The criteria parser measured against human-annotated criteria (`make criteria-report`; a report, not a gate).

- LCT threshold corpus: precision and recall of (measure, operator, value) and the count of contradictions
  (a bound whose direction is reversed: the error that wrongly excludes people), with the corpus's errata. Figures
  for all thresholds read (rules, and measures the assistant does not ask about, which stay manual) and for the
  thresholds turned into rules alone; precision also on the lines the annotators gave thresholds, since the corpus
  leaves some plain thresholds ("aged from 18 to 80 years") unannotated.
- Chia: how many spans the experts labelled not computable a rule reads (and, line by line, how many lines with such
  a label got any rule).
- COVID-19 structured corpus: how many criterion lines get a rule, wholly or partly.
Reads ../shared/criteria_gold and ../shared/registry; says so and stops when they are absent.
"""

from __future__ import annotations

import csv
import json
import re
import sys
import time
from bisect import bisect_right
from collections import Counter, defaultdict
from pathlib import Path

from bot.criteria import parse_rule
from bot.facts import FACTS
from bot.registry.criteria_parser import parse_line

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
GOLD = SHARED / "criteria_gold" / "derived"
NORM = {"GT": ">", "GTEQ": ">=", "LT": "<", "LTEQ": "<=", "EQ": "=="}
DIRECTION = {">": "up", ">=": "up", "<": "down", "<=": "down"}


def _number(value: dict) -> float | None:
    """An annotated value's number; the corpus leaves decimal commas ("18,5") without one."""
    if value["number"] is not None:
        return value["number"]
    text = value["text"].strip().replace(",", ".")
    return float(text) if re.fullmatch(r"\d+(?:\.\d+)?", text) else None


def gold_bounds(row: dict, corrected: str | None = None) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """The bounds one annotated comparison states, as (operator, value), and bounds a reading may also match
    without the corpus counting them as thresholds; ([], []) when its operators cannot be paired with its values
    (no operator annotated, or more of them than the values can take).

    Operators are paired with values in the order the text gives them ("≤5 mm to ≥6 mm": ≤ 5, ≥ 6); a range
    ("18 to 80 years", BETWEEN) gives an inclusive lower and upper bound unless its own operators say otherwise
    ("4 to < 17 years"); numbers repeated in the annotation count once. One operator with several numbers bounds
    the first; the others are mostly part of a unit ("< 100 × 10^9/L", "ml/min/1.73 m2"), so a reading of them
    is not counted wrong, nor are they counted as thresholds to find."""
    ops = [corrected] if corrected else [o["norm"] for o in row["operators"] if o["norm"] != "PLUS-MINUS"]
    numbers = list(dict.fromkeys(n for n in map(_number, row["values"]) if n is not None))
    if not ops or not numbers:
        return [], []
    plain = [op for op in ops if op in NORM and not (op == "EQ" and len(ops) > 1)]  # "= 5 or higher": ≥
    directions = {DIRECTION.get(NORM[op]) for op in plain}
    if len(numbers) >= 2 and len(plain) == len(numbers) and len(directions) > 1:
        return [(NORM[op], n) for op, n in zip(plain, numbers, strict=True)], []
    if "BETWEEN" in ops and len(numbers) >= 2:
        low = next((NORM[op] for op in plain if op in ("GT", "GTEQ")), ">=")
        high = next((NORM[op] for op in plain if op in ("LT", "LTEQ")), "<=")
        return [(low, min(numbers)), (high, max(numbers))], []
    if plain and len(directions) == 1:  # "under 80 years (≤)": < or ≤ both agree with the text
        kept = list(dict.fromkeys(plain))
        return [(NORM[kept[0]], numbers[0])], [(NORM[op], n) for op in kept for n in numbers]
    return [], []


def lct_report() -> dict:
    lines = [json.loads(x) for x in (GOLD / "lct_lines.jsonl").open(encoding="utf-8")]
    errata = {(e["doc"], e["line_no"], tuple(e["values"])): e["corrected_op"]
              for path in (GOLD.parent / "gold_errata.jsonl", Path(__file__).with_name("criteria_report_errata.jsonl"))
              for e in map(json.loads, path.open(encoding="utf-8"))}
    # Numeric thresholds are the corpus's thresholds (recall is counted over them); a reading is judged against
    # every comparison annotated on its line, time windows too ("duration of diabetes ≥ 6 months"), and a value
    # annotated without an operator the pairing can use cannot be judged either way.
    gold: dict[tuple[str, int], list[tuple[str, float]]] = defaultdict(list)
    judged: dict[tuple[str, int], list[tuple[str, float]]] = defaultdict(list)
    unpaired: dict[tuple[str, int], set[float]] = defaultdict(set)
    for row in map(json.loads, (GOLD / "lct_comparisons.jsonl").open(encoding="utf-8")):
        if row["kind"] == "life_stage_or_sex":
            continue
        where = (row["doc"], row["line_no"])
        raw = tuple(v["number"] for v in row["values"])
        bounds, also = gold_bounds(row, errata.get((row["doc"], row["line_no"], raw)))
        if not bounds:
            unpaired[where].update(n for n in map(_number, row["values"]) if n is not None)
            continue
        judged[where] += bounds + also
        if row["kind"] == "numeric":
            gold[where] += bounds
    found: Counter[str] = Counter()  # "rule": thresholds on the assistant's facts; "other": measures it lacks
    matched: Counter[str] = Counter()
    contradictions = not_judged = 0
    ruled = Counter()
    examples: list[str] = []
    unmatched: list[str] = []
    reads: dict[tuple[str, int], tuple] = {}
    started = time.perf_counter()
    for line in lines:
        kind = line["section"] if line["section"] in ("inclusion", "exclusion") else "unknown"
        parsed = parse_line(line["text"], kind)
        ruled["rule" if parsed.rule and not parsed.partial else "partial" if parsed.rule else "manual"] += 1
        where = (line["doc"], line["line_no"])
        reads[where] = parsed.stated
        wanted = judged.get(where, [])
        for measure, op, value, _unit in parsed.stated:
            same = [g for g in wanted if abs(g[1] - value) < 1e-9]
            if not same and any(abs(n - value) < 1e-9 for n in unpaired.get(where, ())):
                not_judged += 1
                continue
            group = "rule" if measure in FACTS else "other"
            found[group] += 1
            if any(g[0] == op for g in same):
                matched[group] += 1
                continue
            if any(DIRECTION.get(g[0]) and DIRECTION.get(g[0]) != DIRECTION.get(op) for g in same):
                contradictions += 1
                examples.append(f"{line['doc']}:{line['line_no']} {line['text'].strip()[:90]!r}: read {op} "
                                f"{value:g}, gold {same}")
            unmatched.append(f"{line['doc']}:{line['line_no']} {line['text'].strip()[:80]!r}: read {measure} {op} "
                             f"{value:g}")
    seconds = time.perf_counter() - started
    gold_total = sum(len(v) for v in gold.values())
    all_found, all_matched = sum(found.values()), sum(matched.values())
    # Recall: the corpus's numeric thresholds some reading on their line states (any reading, and rules alone).
    recall_hits: Counter[str] = Counter()
    for where, bounds in gold.items():
        stated = reads.get(where, ())
        for op, value in bounds:
            hits = [m for m, o, v, _u in stated if o == op and abs(v - value) < 1e-9]
            recall_hits["all"] += bool(hits)
            recall_hits["rule"] += any(m in FACTS for m in hits)

    def share(a: int, b: int) -> float | None:
        return round(a / b, 3) if b else None

    return {"lines": len(lines), "lines_per_second": round(len(lines) / seconds), "rules": dict(ruled),
            "gold_thresholds": gold_total, "contradictions": contradictions,
            "thresholds_read": all_found, "matched_gold": all_matched, "not_judged": not_judged,
            "precision": share(all_matched, all_found),
            "recall_all_gold": share(recall_hits["all"], gold_total),
            "rule_thresholds_read": found["rule"], "rule_precision": share(matched["rule"], found["rule"]),
            "rule_recall_all_gold": share(recall_hits["rule"], gold_total),
            "contradiction_examples": examples[:10], "unmatched_examples": unmatched[:15]}


NOT_COMPUTABLE = ("Non-query-able", "Non-representable", "Post-eligibility", "Informed_consent", "Competing_trial",
                  "Pregnancy_considerations", "Intoxication_considerations")


def chia_spans() -> dict[tuple[str, int], list[tuple[str, int, int]]]:
    """The spans Chia's experts labelled not computable, per (document, line number): (label, start, end) with
    offsets inside the line. Chia labels parts of lines: "able to give informed consent" in a line that also gives
    an age."""
    spans: dict[tuple[str, int], list[tuple[str, int, int]]] = defaultdict(list)
    for ann in sorted((GOLD.parent / "chia" / "brat").glob("*.ann")):
        text = ann.with_suffix(".txt").open(encoding="utf-8", newline="").read()
        starts = [0] + [m.end() for m in re.finditer("\n", text)]
        for row in ann.read_text(encoding="utf-8").splitlines():
            parts = row.split("\t")
            if len(parts) < 2 or not parts[0].startswith("T") or parts[1].split(" ", 1)[0] not in NOT_COMPUTABLE:
                continue
            label, ranges = parts[1].split(" ", 1)
            for piece in ranges.split(";"):
                begin, finish = (int(x) for x in piece.split())
                line_no = bisect_right(starts, begin)
                offset = starts[line_no - 1]
                spans[(ann.stem, line_no)].append((label, begin - offset, finish - offset))
    return spans


def _read_spans(line: str, read: tuple[str, ...]) -> list[tuple[int, int]]:
    """Where in the line (as Chia stores it) the rule's words are: the parser reads a spaced copy of the line, so
    each read part is found again word by word, whatever lies between its words."""
    found = []
    for part in read:
        words = re.findall(r"\w+", part)
        if not words:
            continue
        match = re.search(r"\W*".join(map(re.escape, words)), line, re.I)
        if match:
            found.append((match.start(), match.end()))
        else:  # not found again: count the whole line as read, against the parser
            found.append((0, len(line)))
    return found


# Facts the conversation asks the person, which a health record may not hold: Chia's experts judged computability
# from records, so a rule on these over a span they labelled is counted apart, as pregnancy is.
ASKED = frozenset({"pregnant", "breastfeeding", "fertile", "contraception", "other_trial", "other_trial_drug",
                   "legal_protection"})


def chia_report() -> dict:
    """Spans the experts judged not computable, and whether a rule reads them.

    Chia labels spans, not lines: in "Be at least 18 years of age and able to give informed consent" only the
    consent is labelled. A rule on the age that leaves the consent to the study team (a partial rule) has not
    turned the labelled part into a rule; a rule whose words overlap a labelled span has. Chia judges
    computability from health records, so a rule there on a fact the conversation asks the person (pregnancy,
    birth control, another trial, guardianship; the issue asks the parser to read these) is counted apart. Line
    counts (any rule on a line with a label, whole or partial) are given too."""
    spans = chia_spans()
    total = flagged = 0
    ruled_lines: Counter[str] = Counter()  # lines with a label that got any rule, whole or partial
    whole: Counter[str] = Counter()
    read_labelled: Counter[str] = Counter()  # lines where a rule reads words the experts labelled
    labels: Counter[str] = Counter()
    examples: list[str] = []
    for row in map(json.loads, (GOLD / "chia_lines.jsonl").open(encoding="utf-8")):
        if row["section"] not in ("inclusion", "exclusion"):
            continue
        total += 1
        if not row["non_computable_labels"]:
            continue
        flagged += 1
        parsed = parse_line(row["text"], row["section"])
        if not parsed.rule:
            continue
        group = "asked" if parse_rule(parsed.rule, "parsed").facts() <= ASKED else "records"
        ruled_lines[group] += 1
        whole[group] += not parsed.partial
        read = _read_spans(row["text"], parsed.read)
        hit = [label for label, start, end in spans.get((row["doc"], row["line_no"]), [])
               if any(s < end and start < e for s, e in read)]
        if not hit:
            continue
        if set(hit) == {"Pregnancy_considerations"}:
            group = "asked"  # the rule reads the pregnancy, beside other facts ("non-pregnant females aged 2-65")
        read_labelled[group] += 1
        labels.update(hit)
        if group == "records" and len(examples) < 12:
            examples.append(f"{row['doc']}:{row['line_no']} {row['text'].strip()[:100]!r} read {parsed.read} "
                            f"→ {json.dumps(parsed.rule)[:70]}")

    def share(count: int) -> float | None:
        return round(count / flagged, 4) if flagged else None

    return {"lines": total, "lines_with_a_not_computable_label": flagged,
            "labelled_spans_read_by_a_rule": {"lines": read_labelled["records"],
                                              "share": share(read_labelled["records"]),
                                              "facts_asked_of_the_person_apart": read_labelled["asked"],
                                              "share_with_them": share(sum(read_labelled.values()))},
            "labelled_lines_with_any_rule": {"lines": sum(ruled_lines.values()),
                                             "share": share(sum(ruled_lines.values())),
                                             "facts_asked_of_the_person_aside": share(ruled_lines["records"])},
            "labelled_lines_with_a_whole_rule": {"share": share(sum(whole.values())),
                                                 "facts_asked_of_the_person_aside": share(whole["records"])},
            "labels_read": dict(labels.most_common(8)), "examples_read": examples}


def covid_report() -> dict:
    """The corpus holds entities, not lines: each measurement with its numeric text is read as a small line
    ("platelets < 100 x10^9/L") and the direction of the parser's bound is compared with the normalised min / max,
    where only one of them is set (the other is the corpus's open end)."""
    path = SHARED / "registry" / "covid19_structured" / "all_criteria_corpus.csv"
    counts: Counter[str] = Counter()
    examples: list[str] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["domain"] != "Measurement" or not row["numeric_source_text"].strip():
                continue
            counts["measurements"] += 1
            kind = "inclusion" if row["include"] == "1" else "exclusion"
            parsed = parse_line(f"{row['entity_source_text']} {row['numeric_source_text']}", kind)
            if not parsed.stated:
                continue
            counts["read"] += 1
            low, high = _bound(row["numeric_att_min"]), _bound(row["numeric_att_max"])
            # The corpus writes an open end as 99999 (no upper bound) or as 0 or less (no lower bound).
            low = None if low is not None and low <= 0 else low
            high = None if high is not None and high >= 9999 else high
            want = "up" if low is not None and high is None else "down" if high is not None and low is None else None
            got = {DIRECTION.get(op) for _m, op, _v, _u in parsed.stated}
            written = _written_direction(row["numeric_source_text"])
            if want and written and written != want:
                counts["corpus_direction_against_its_own_sign"] += 1  # "> 5 × ULN" stored with max 5: not scored
                continue
            if want and got == {want}:
                counts["agree"] += 1
            elif want and want not in got:
                counts["contradictions"] += 1
                examples.append(f"{row['nct_id']}: {row['entity_source_text']} {row['numeric_source_text']!r} "
                                f"read {parsed.stated}, corpus min {low or '-'} max {high or '-'}")
    return {**counts, "agree": counts["agree"], "contradictions": counts["contradictions"],
            "contradiction_examples": examples[:10]}


def _written_direction(text: str) -> str | None:
    """The direction the corpus's own numeric text writes first, when it starts with a sign or an operator word."""
    if re.match(r"\s*(?:>|≥|=>|in excess of|over|greater than|more than|above|exceeding|at least)", text, re.I):
        return "up"
    if re.match(r"\s*(?:<|≤|=<|less than|under|below|at most|no more than|fewer than)", text, re.I):
        return "down"
    return None


def _bound(text: str) -> float | None:
    try:
        return float(text.strip())
    except ValueError:
        return None


def main() -> int:
    if not GOLD.exists():
        print(f"criteria-report: {GOLD} is absent; nothing to measure", file=sys.stderr)
        return 0
    report = {"lct_thresholds": lct_report(), "chia_not_computable": chia_report()}
    if (SHARED / "registry" / "covid19_structured").exists():
        report["covid19_structured"] = covid_report()
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
