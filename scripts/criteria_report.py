"""The criteria parser measured against human-annotated criteria (`make criteria-report`; a report, not a gate).

- LCT threshold corpus: precision and recall of (measure, operator, value) and the count of contradictions
  (a bound whose direction is reversed: the error that wrongly excludes people), with the corpus's errata. Figures
  for all thresholds read (rules, and measures the assistant does not ask about, which stay manual) and for the
  thresholds turned into rules alone; precision also on the lines the annotators gave thresholds, since the corpus
  leaves some plain thresholds ("aged from 18 to 80 years") unannotated.
- Chia: how many lines the experts labelled not computable the parser turned into rules.
- COVID-19 structured corpus: how many criterion lines get a rule, wholly or partly.
Reads ../shared/criteria_gold and ../shared/registry; says so and stops when they are absent.
"""

from __future__ import annotations

import csv
import json
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from bot.facts import FACTS
from bot.registry.criteria_parser import parse_line

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
GOLD = SHARED / "criteria_gold" / "derived"
NORM = {"GT": ">", "GTEQ": ">=", "LT": "<", "LTEQ": "<=", "EQ": "=="}
DIRECTION = {">": "up", ">=": "up", "<": "down", "<=": "down"}


def lct_report() -> dict:
    lines = [json.loads(x) for x in (GOLD / "lct_lines.jsonl").open(encoding="utf-8")]
    errata = {(e["doc"], e["line_no"], tuple(e["values"])): e["corrected_op"]
              for path in (GOLD.parent / "gold_errata.jsonl", Path(__file__).with_name("criteria_report_errata.jsonl"))
              for e in map(json.loads, path.open(encoding="utf-8"))}
    gold: dict[tuple[str, int], list[tuple[str, float]]] = defaultdict(list)
    for row in map(json.loads, (GOLD / "lct_comparisons.jsonl").open(encoding="utf-8")):
        if row["kind"] != "numeric" or len(row["operators"]) != 1 or any(v["number"] is None for v in row["values"]):
            continue
        numbers = [v["number"] for v in row["values"]]
        op = errata.get((row["doc"], row["line_no"], tuple(numbers)), row["operators"][0]["norm"])
        where = (row["doc"], row["line_no"])
        if op == "BETWEEN" and len(numbers) == 2:  # read as inclusive bounds, as registers mean them
            gold[where] += [(">=", min(numbers)), ("<=", max(numbers))]
        elif op in NORM and len(numbers) == 1:
            gold[where].append((NORM[op], numbers[0]))
    found: Counter[str] = Counter()  # "rule": thresholds on the assistant's facts; "other": measures it lacks
    matched: Counter[str] = Counter()
    found_annotated = matched_annotated = contradictions = 0
    ruled = Counter()
    examples: list[str] = []
    started = time.perf_counter()
    for line in lines:
        kind = line["section"] if line["section"] in ("inclusion", "exclusion") else "unknown"
        parsed = parse_line(line["text"], kind)
        ruled["rule" if parsed.rule and not parsed.partial else "partial" if parsed.rule else "manual"] += 1
        wanted = gold.get((line["doc"], line["line_no"]), [])
        for measure, op, value, _unit in parsed.stated:
            group = "rule" if measure in FACTS else "other"
            found[group] += 1
            found_annotated += bool(wanted)
            same = [g for g in wanted if abs(g[1] - value) < 1e-9]
            if any(g[0] == op for g in same):
                matched[group] += 1
                matched_annotated += 1
            elif any(DIRECTION.get(g[0]) and DIRECTION.get(g[0]) != DIRECTION.get(op) for g in same):
                contradictions += 1
                examples.append(f"{line['doc']}:{line['line_no']} {line['text'].strip()[:90]!r}: read {op} "
                                f"{value:g}, gold {same}")
    seconds = time.perf_counter() - started
    gold_total = sum(len(v) for v in gold.values())
    all_found, all_matched = sum(found.values()), sum(matched.values())

    def share(a: int, b: int) -> float | None:
        return round(a / b, 3) if b else None

    return {"lines": len(lines), "lines_per_second": round(len(lines) / seconds), "rules": dict(ruled),
            "gold_thresholds": gold_total, "contradictions": contradictions,
            "thresholds_read": all_found, "matched_gold": all_matched,
            "precision": share(all_matched, all_found), "recall_all_gold": share(all_matched, gold_total),
            "precision_on_annotated_lines": share(matched_annotated, found_annotated),
            "read_on_lines_without_gold_thresholds": all_found - found_annotated,
            "rule_thresholds_read": found["rule"], "rule_precision": share(matched["rule"], found["rule"]),
            "rule_recall_all_gold": share(matched["rule"], gold_total),
            "contradiction_examples": examples[:10]}


def chia_report() -> dict:
    """Lines the experts judged not computable, and what the parser made of them.

    Chia judges computability from health records; "Pregnancy_considerations" marks lines about pregnancy, which a
    record may not hold but a conversation asks, so those are counted apart. A partial rule checks the computable
    part and leaves the line open for the study team in the other direction, so it is counted apart too."""
    total = flagged = 0
    whole: Counter[str] = Counter()
    partial: Counter[str] = Counter()
    labels: Counter[str] = Counter()
    examples: list[str] = []
    for row in map(json.loads, (GOLD / "chia_lines.jsonl").open(encoding="utf-8")):
        if row["section"] not in ("inclusion", "exclusion"):
            continue
        total += 1
        if not row["non_computable_labels"]:
            continue
        flagged += 1
        group = "pregnancy" if set(row["non_computable_labels"]) == {"Pregnancy_considerations"} else "other"
        parsed = parse_line(row["text"], row["section"])
        if parsed.rule:
            (partial if parsed.partial else whole)[group] += 1
            labels.update(row["non_computable_labels"])
            if group == "other" and not parsed.partial and len(examples) < 10:
                examples.append(f"{row['doc']} {row['text'].strip()[:100]!r} → {json.dumps(parsed.rule)[:80]}")
    ruled = sum(whole.values()) + sum(partial.values())
    return {"lines": total, "not_computable_lines": flagged, "not_computable_turned_into_rules": ruled,
            "share": round(ruled / flagged, 4) if flagged else None,
            "whole_rules": dict(whole), "partial_rules": dict(partial),
            "share_whole_rules_not_pregnancy": round(whole["other"] / flagged, 4) if flagged else None,
            "share_any_rule_not_pregnancy": (round((whole["other"] + partial["other"]) / flagged, 4)
                                             if flagged else None),
            "their_labels": dict(labels.most_common(8)), "whole_rule_examples": examples}


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
