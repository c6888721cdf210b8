"""The criteria parser measured against human-annotated criteria (`make criteria-report`; a report, not a gate).

- LCT threshold corpus: precision and recall of (measure, operator, value) and the count of contradictions
  (a bound whose direction is reversed: the error that wrongly excludes people), with the corpus's errata.
- Chia: how many lines the experts labelled not computable the parser turned into rules.
- COVID-19 structured corpus: how many criterion lines get a rule, wholly or partly.
Reads ../shared/criteria_gold and ../shared/registry; says so and stops when they are absent.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from bot.registry.criteria_parser import parse_line

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
GOLD = SHARED / "criteria_gold" / "derived"
NORM = {"GT": ">", "GTEQ": ">=", "LT": "<", "LTEQ": "<=", "EQ": "=="}
DIRECTION = {">": "up", ">=": "up", "<": "down", "<=": "down"}


def lct_report() -> dict:
    lines = [json.loads(x) for x in (GOLD / "lct_lines.jsonl").open(encoding="utf-8")]
    errata = {(e["doc"], e["line_no"], tuple(e["values"])): e["corrected_op"]
              for e in map(json.loads, (GOLD.parent / "gold_errata.jsonl").open(encoding="utf-8"))}
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
    found = matched = contradictions = 0
    ruled = Counter()
    examples: list[str] = []
    started = time.perf_counter()
    for line in lines:
        kind = line["section"] if line["section"] in ("inclusion", "exclusion") else "unknown"
        parsed = parse_line(line["text"], kind)
        ruled["rule" if parsed.rule and not parsed.partial else "partial" if parsed.rule else "manual"] += 1
        wanted = gold.get((line["doc"], line["line_no"]), [])
        for _measure, op, value, _unit in parsed.stated:
            found += 1
            same = [g for g in wanted if abs(g[1] - value) < 1e-9]
            if any(g[0] == op for g in same):
                matched += 1
            elif any(DIRECTION.get(g[0]) and DIRECTION.get(g[0]) != DIRECTION.get(op) for g in same):
                contradictions += 1
                examples.append(f"{line['doc']}:{line['line_no']} {line['text'].strip()[:90]!r}: read {op} "
                                f"{value:g}, gold {same}")
    seconds = time.perf_counter() - started
    gold_total = sum(len(v) for v in gold.values())
    return {"lines": len(lines), "lines_per_second": round(len(lines) / seconds), "rules": dict(ruled),
            "thresholds_read": found, "matched_gold": matched,
            "precision": round(matched / found, 3) if found else None,
            "gold_thresholds": gold_total, "recall_all_gold": round(matched / gold_total, 3) if gold_total else None,
            "contradictions": contradictions, "contradiction_examples": examples[:10]}


def chia_report() -> dict:
    total = flagged = ruled = 0
    reasons: Counter[str] = Counter()
    for row in map(json.loads, (GOLD / "chia_lines.jsonl").open(encoding="utf-8")):
        if row["section"] not in ("inclusion", "exclusion"):
            continue
        total += 1
        if not row["non_computable_labels"]:
            continue
        flagged += 1
        parsed = parse_line(row["text"], row["section"])
        if parsed.rule:
            ruled += 1
            reasons.update(row["non_computable_labels"])
    return {"lines": total, "not_computable_lines": flagged, "not_computable_turned_into_rules": ruled,
            "share": round(ruled / flagged, 4) if flagged else None, "their_labels": dict(reasons.most_common(8))}


def covid_report() -> dict:
    """The corpus holds entities, not lines: each measurement with its numeric text is read as a small line
    ("platelets < 100 x10^9/L") and the parser's bound is compared with the normalised min / max."""
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
            low, high = row["numeric_att_min"].strip(), row["numeric_att_max"].strip()
            want = "up" if low and not high else "down" if high and not low else None
            got = {DIRECTION.get(op) for _m, op, _v, _u in parsed.stated}
            if want and got == {want}:
                counts["agree"] += 1
            elif want and want not in got:
                counts["contradictions"] += 1
                examples.append(f"{row['nct_id']}: {row['entity_source_text']} {row['numeric_source_text']!r} "
                                f"read {parsed.stated}, corpus min {low or '-'} max {high or '-'}")
    return {**counts, "contradiction_examples": examples[:10]}


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
