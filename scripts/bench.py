"""Benchmark (not a test): reading a message, matching the curated catalogue, and the wall time of
`trialbot match`. The catalogue at 10,000 and 100,000 trials is scripts/bench_catalogue.py.

Prints figures only; nothing here passes or fails on time.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.catalog.trial import read_directory  # noqa: E402
from bot.matching import match  # noqa: E402
from bot.nlp import extract  # noqa: E402

TEXT = "6 y/o girl, 20 kg, ALL post-HCT, PICU, Phoenix 3, ferritin 4500, no DNR, infliximab 60 days before ICU"


def timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def describe(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"median {statistics.median(times) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms over {len(times)} runs"


def main() -> None:
    trials = read_directory(ROOT / "trials")
    profile = extract(TEXT).profile
    print(f"catalogue: {len(trials)} trials, {sum(len(t.criteria) for t in trials)} criteria")
    print(f"extract one message:               {describe(timed(lambda: extract(TEXT), 200))}")
    print(f"match one profile, catalogue:      {describe(timed(lambda: match(profile, trials), 200))}")

    command = [str(ROOT / ".venv/actions/bin/trialbot"), "match", "--json", TEXT]
    walls = timed(lambda: subprocess.run(command, check=True, capture_output=True), 5)
    print(f"`trialbot match` start to answer: {describe(walls)}")
    registers()


def registers() -> None:
    """The criteria parser's speed on the annotated corpus, and the time to import the bulk zip."""
    shared = ROOT.parent / "shared"
    lines_file = shared / "criteria_gold" / "derived" / "lct_lines.jsonl"
    if not lines_file.exists():
        print("criteria parser and bulk import: ../shared is absent, not measured")
        return
    import json
    import tempfile

    from bot.catalog import store
    from bot.registry.criteria_parser import parse_line
    from bot.registry.run_import import run

    lines = [json.loads(x)["text"] for x in lines_file.open(encoding="utf-8")]
    start = time.perf_counter()
    for text in lines:
        parse_line(text, "inclusion")
    seconds = time.perf_counter() - start
    print(f"criteria parser: {len(lines) / seconds:.0f} criterion lines/s over {len(lines)} lines")
    with tempfile.TemporaryDirectory() as folder:
        engine = store.engine_for(f"sqlite:///{folder}/bench.db")
        start = time.perf_counter()
        report = run("ctgov", [str(shared / "registry" / "ctgov_bulk" / "ctg-studies.json.zip")], engine,
                     progress=False)
        seconds = time.perf_counter() - start
    print(f"import the bulk zip (sqlite): {seconds:.0f} s for {sum(report.actions.values())} records "
          f"({dict(report.actions)}); criterion lines covered by a rule, wholly or partly: "
          f"{report.coverage.to_dict()['covered_share']}")


if __name__ == "__main__":
    main()
