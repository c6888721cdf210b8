"""Benchmark (not a test): the action server's resident memory with 100,000 trials in its catalogue.

The catalogue benchmark measures its own process; this starts the real action server (rasa-sdk with actions/)
against a SQLite catalogue of 100,000 trials (the bulk zip's real trials repeated under new ids, as in
scripts/bench_catalogue.py, kept in var/bench/), sends it the action calls of several people's first two turns (their
facts, then "show results") and prints the server's resident and peak memory read from /proc. Prints figures only.

    python scripts/bench_action_memory.py [--size 100000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_catalogue  # noqa: E402
from bench_rest import free_port  # noqa: E402
from tqdm import tqdm  # noqa: E402

from bot.catalog import store  # noqa: E402

# First messages of several people: each makes the server match and keep the trials it parsed.
MESSAGES = (
    bench_catalogue.PROFILES["patient"],
    bench_catalogue.PROFILES["clinician"],
    "I am 45 and have breast cancer",
    "my father is 70 and has lung cancer",
    "I have type 2 diabetes, I am 52",
    "HIV positive, 38 years old",
    "my son is 8 and has asthma",
    "woman, 63, rheumatoid arthritis on methotrexate",
)


def catalogue(size: int) -> Path:
    """A SQLite catalogue of `size` stored trials, built once and kept under var/bench/."""
    path = bench_catalogue.WORK / f"catalogue-{size}.db"
    if not path.exists():
        trials = bench_catalogue.source_trials()
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        with tqdm(total=size, desc=f"load {size} trials", unit=" trials", leave=False) as bar:
            store.bulk_add(bench_catalogue.repeated(trials, size), store.engine_for(f"sqlite:///{partial}"),
                           progress=bar)
        partial.rename(path)
    return path


def memory(pid: int) -> tuple[float, float]:
    """Resident and peak resident MiB of a process (VmRSS, VmHWM)."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            values[line.split(":")[0]] = int(line.split()[1]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def call(url: str, intent: str, sender: str, text: str, slots: dict) -> dict:
    """One turn's action call as Rasa makes it (selective domain: no domain sent)."""
    message = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": [], "metadata": {}}
    tracker = {"sender_id": sender, "slots": slots, "latest_message": message, "paused": False,
               "events": [{"event": "user", "text": text, "parse_data": message, "timestamp": time.time()}],
               "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen"}
    answer = requests.post(url, json={"next_action": "action_turn", "sender_id": sender, "tracker": tracker,
                                      "domain": {}, "version": "3.6.21"}, timeout=600)
    answer.raise_for_status()
    return answer.json()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=100_000)
    args = parser.parse_args()
    if not bench_catalogue.BULK.exists():
        print("action server memory: ../shared/registry/ctgov_bulk is absent, not measured")
        return
    database = catalogue(args.size)
    port = free_port()
    log = bench_catalogue.WORK / "action-server.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SANIC_HOST": "127.0.0.1", "DATABASE_URL": f"sqlite:///{database}"}
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
                                  cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 240
        while True:
            try:
                if requests.get(f"{url}/health", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"action server did not start; see {log}")
            time.sleep(0.5)
        resident, _ = memory(server.pid)
        print(f"action server started ({args.size} trials in its catalogue): resident {resident:.0f} MiB", flush=True)
        for number, text in enumerate(MESSAGES):
            sender = f"bench-{number}"
            slots = {"consent": True, "language": "en"}
            read = call(f"{url}/webhook", "inform", sender, text, slots)
            slots.update({e["name"]: e["value"] for e in read.get("events", []) if e.get("event") == "slot"})
            begin = time.perf_counter()
            shown = call(f"{url}/webhook", "show_results", sender, "show results", slots)
            took = (time.perf_counter() - begin) * 1000
            resident, peak = memory(server.pid)
            print(f"action server after person {number + 1} ({len(shown.get('responses', []))} replies, show results "
                  f"{took:.0f} ms): resident {resident:.0f} MiB, peak {peak:.0f} MiB", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
