"""Benchmark (not a test): per-message latency over the REST channel, and the training time.

1. Times `scripts/train.sh` (it reuses models/trialbot.tar.gz when data and config are unchanged, and even when it
   trains, Rasa's cache in .rasa/cache skips the components whose inputs did not change), then a cold training of the
   project (`rasa train --force` with an empty cache, into the temporary directory; models/ is not touched).
2. Serves the project (action server and Rasa on free loopback ports) and times every POST of a few scripted
   conversations (an adult MPN patient, a clinician one-shot with follow-ups, a caregiver).
3. As a reference, creates Rasa's starter bot (`rasa init --no-prompt`, which trains it; that run is timed) in a
   temporary directory, serves it on the same machine and times conversations of the same lengths.

Prints figures only (counts and timings, never the replies' text: they carry health facts); nothing here passes or
fails on time. Every server it starts is stopped on the way out, and the temporary directory is deleted.

Run: .venv/actions/bin/python scripts/bench_rest.py (or `make bench`).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RASA = ROOT / ".venv" / "rasa" / "bin" / "rasa"
MODEL = ROOT / "models" / "trialbot.tar.gz"
HOST = "127.0.0.1"
START_TIMEOUT = 180  # seconds a server may take to answer its readiness URL
TRAIN_TIMEOUT = 3600  # seconds a training run may take
REQUEST_TIMEOUT = 120  # seconds one POST may take
STOP_TIMEOUT = 20  # seconds a server gets to stop after SIGTERM

# The project's scripted conversations: (name, messages). Each runs under its own sender id.
PROJECT_CONVERSATIONS: list[tuple[str, list[str]]] = [
    ("adult MPN patient", [
        "hi",
        "yes",
        "I have essential thrombocythaemia",
        "I'm 67",
        "I've been on hydroxyurea for 8 months",
        "partial response",
        "platelets 250",
        "show me the results",
        "where are the sites?",
        "how can I take part?",
        "thanks",
    ]),
    ("clinician one-shot", [
        "6 y/o, ALL post-HCT, PICU, Phoenix 3, ferritin 4500 — anything?",
        "what happens in the study?",
        "how many visits?",
    ]),
    ("caregiver", [
        "hello",
        "yes please",
        "my daughter is 6 and has ALL",
        "she is in the PICU",
        "yes",
        "Phoenix 3",
        "ferritin 4500",
        "what is anakinra?",
        "show results",
        "how many visits?",
    ]),
]
# Rasa's starter bot (moodbot) understands these; its conversations get the same lengths as the project's.
STARTER_MESSAGES = ["hi", "I am sad", "yes", "great", "bye"]


@dataclass
class Run:
    """Latencies (seconds) of the timed POSTs, and counts of what came back."""

    latencies: list[float] = field(default_factory=list)
    replies: int = 0
    payloads: int = 0
    errors: int = 0
    conversations: int = 0
    warmup: float | None = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def log_tail(log: Path, lines: int = 15) -> str:
    """The end of a server's log; used only when a server fails to start, before any conversation."""
    try:
        return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def rasa_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false",
            "SANIC_HOST": HOST, **extra}


class Servers:
    """The processes this script started; `stop` ends each of them (and its process group) by id."""

    def __init__(self) -> None:
        self.processes: list[subprocess.Popen] = []

    def start(self, command: list[str], cwd: Path, log: Path) -> subprocess.Popen:
        with log.open("w", encoding="utf-8") as out:
            process = subprocess.Popen(command, cwd=cwd, env=rasa_env(), stdout=out, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                _signal_group(process, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(timeout=STOP_TIMEOUT)
        self.processes.clear()


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    # The process was started with start_new_session=True, so its group id is its own pid.
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


def wait_until_up(url: str, process: subprocess.Popen, log: Path) -> float:
    """Polls `url` until it answers 2xx; returns the seconds it took. Raises when the process dies or time runs out."""
    start = time.monotonic()
    deadline = start + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}; its log ends:\n{log_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if 200 <= response.status < 300:
                    return time.monotonic() - start
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up within {START_TIMEOUT} s; its log ends:\n{log_tail(log)}")


def post(url: str, sender: str, message: str) -> tuple[float, list[dict]]:
    """One REST-channel turn: returns the seconds the POST took and the bot's messages (kept in memory only)."""
    body = json.dumps({"sender": sender, "message": message}).encode("utf-8")
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
        payload = response.read()
    elapsed = time.perf_counter() - start
    return elapsed, json.loads(payload or b"[]")


def converse(url: str, conversations: list[tuple[str, list[str]]], tag: str) -> Run:
    run = Run()
    # One untimed turn first (its own sender): the first prediction of a fresh server pays one-off costs.
    try:
        run.warmup, _ = post(url, f"bench-{tag}-warmup-{os.getpid()}", "hi")
    except (urllib.error.URLError, OSError, ValueError) as error:
        print(f"  warm-up failed: {type(error).__name__}")
    for number, (_, messages) in enumerate(conversations):
        sender = f"bench-{tag}-{number}-{os.getpid()}-{time.time_ns()}"
        run.conversations += 1
        for message in messages:
            try:
                elapsed, replies = post(url, sender, message)
            except urllib.error.HTTPError as error:
                run.errors += 1
                print(f"  {tag} conversation {number + 1}: HTTP {error.code}")
                continue
            except (urllib.error.URLError, OSError, ValueError) as error:
                run.errors += 1
                print(f"  {tag} conversation {number + 1}: {type(error).__name__}")
                continue
            run.latencies.append(elapsed)
            run.replies += len(replies)
            run.payloads += sum(1 for reply in replies if isinstance(reply, dict) and "custom" in reply)
    return run


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f} ms"


def describe(run: Run) -> str:
    if not run.latencies:
        return f"no timed messages ({run.errors} errors)"
    return (f"median {ms(statistics.median(run.latencies))}, p95 {ms(p95(run.latencies))} over {len(run.latencies)} "
            f"messages in {run.conversations} conversations; {run.replies} bot messages, {run.payloads} result "
            f"payloads, {run.errors} errors; warm-up turn {ms(run.warmup)}")


def run_timed(command: list[str], cwd: Path, log: Path, **extra_env: str) -> tuple[float, int]:
    """Runs `command` to the end (at most TRAIN_TIMEOUT s), its output to `log`; returns (seconds, exit code)."""
    start = time.monotonic()
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(command, cwd=cwd, env=rasa_env(**extra_env), stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            code = process.wait(timeout=TRAIN_TIMEOUT)
        except BaseException:
            _signal_group(process, signal.SIGTERM)
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(timeout=STOP_TIMEOUT)
            raise
    return time.monotonic() - start, code


def train_project(work: Path) -> tuple[str, float]:
    log = work / "train.log"
    seconds, code = run_timed([str(ROOT / "scripts" / "train.sh")], ROOT, log)
    if code != 0:
        raise RuntimeError(f"scripts/train.sh exited with {code}; its log ends:\n{log_tail(log)}")
    text = log.read_text(encoding="utf-8", errors="replace")
    outcome = "reused" if "unchanged" in text else "trained"
    for line in text.splitlines():
        if line.startswith("train:"):
            print(f"  {line}")
    return outcome, seconds


def train_project_cold(work: Path) -> float:
    """A full training of the project as a fresh clone would do it: an empty Rasa cache, the model to `work`."""
    log = work / "train-cold.log"
    command = [str(RASA), "train", "--force", "--quiet", "--out", str(work / "cold-models"),
               "--fixed-model-name", "trialbot-cold"]
    seconds, code = run_timed(command, ROOT, log, RASA_CACHE_DIRECTORY=str(work / "cold-cache"))
    if code != 0 or not (work / "cold-models" / "trialbot-cold.tar.gz").is_file():
        raise RuntimeError(f"cold `rasa train` exited with {code}; its log ends:\n{log_tail(log)}")
    return seconds


def bench_project(work: Path, servers: Servers) -> tuple[Run, float]:
    rasa_port, actions_port = free_port(), free_port()
    endpoints = work / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://{HOST}:{actions_port}/webhook"\n'
                             '  enable_selective_domain: true\n', encoding="utf-8")
    actions_log, rasa_log = work / "actions.log", work / "rasa.log"
    actions = servers.start([sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(actions_port)],
                            ROOT, actions_log)
    rasa = servers.start([str(RASA), "run", "-m", str(MODEL), "--port", str(rasa_port), "-i", HOST,
                          "--credentials", str(ROOT / "credentials.yml"), "--endpoints", str(endpoints)],
                         ROOT, rasa_log)
    start = time.monotonic()
    wait_until_up(f"http://{HOST}:{actions_port}/health", actions, actions_log)
    wait_until_up(f"http://{HOST}:{rasa_port}/webhooks/rest/", rasa, rasa_log)
    ready = time.monotonic() - start
    print(f"  servers ready in {ready:.1f} s (Rasa on {HOST}:{rasa_port}, actions on {HOST}:{actions_port})")
    run = converse(f"http://{HOST}:{rasa_port}/webhooks/rest/webhook", PROJECT_CONVERSATIONS, "trialbot")
    return run, ready


def init_starter(work: Path) -> tuple[Path, float]:
    starter = work / "starter"
    starter.mkdir()
    log = work / "init.log"
    # `rasa init --no-prompt` copies the starter project (a few small files) and trains it; the run is timed.
    seconds, code = run_timed([str(RASA), "init", "--no-prompt", "--init-dir", str(starter)], starter, log)
    models = sorted((starter / "models").glob("*.tar.gz")) if (starter / "models").is_dir() else []
    if code != 0 or not models:
        raise RuntimeError(f"rasa init exited with {code} ({len(models)} models); its log ends:\n{log_tail(log)}")
    return models[-1], seconds


def bench_starter(work: Path, model: Path, servers: Servers) -> tuple[Run, float]:
    starter = work / "starter"
    port = free_port()
    log = work / "starter-rasa.log"
    rasa = servers.start([str(RASA), "run", "-m", str(model), "--port", str(port), "-i", HOST,
                          "--credentials", str(starter / "credentials.yml"),
                          "--endpoints", str(starter / "endpoints.yml")], starter, log)
    ready = wait_until_up(f"http://{HOST}:{port}/webhooks/rest/", rasa, log)
    print(f"  server ready in {ready:.1f} s (Rasa on {HOST}:{port})")
    conversations = [(name, [STARTER_MESSAGES[i % len(STARTER_MESSAGES)] for i in range(len(messages))])
                     for name, messages in PROJECT_CONVERSATIONS]
    return converse(f"http://{HOST}:{port}/webhooks/rest/webhook", conversations, "starter"), ready


def table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _terminate(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def main() -> int:
    if not RASA.is_file():
        print(f"bench_rest: no Rasa environment at {RASA} (run `make setup`)")
        return 1
    signal.signal(signal.SIGTERM, _terminate)
    work = Path(tempfile.mkdtemp(prefix="trialbot-bench-"))
    servers = Servers()
    started = time.monotonic()
    results: dict[str, tuple[str, str, float, Run]] = {}
    try:
        print("trialbot: scripts/train.sh")
        outcome, train_seconds = train_project(work)
        print(f"  {outcome} in {train_seconds:.1f} s")
        print("trialbot: cold training (rasa train --force, empty cache)")
        cold_seconds = train_project_cold(work)
        print(f"  trained in {cold_seconds:.1f} s")
        print("trialbot: REST channel")
        run, ready = bench_project(work, servers)
        print(f"  {describe(run)}")
        results["trialbot"] = (f"{train_seconds:.1f} s ({outcome})", f"{cold_seconds:.1f} s", ready, run)
        servers.stop()

        print("starter bot: rasa init --no-prompt (creates and trains it)")
        model, init_seconds = init_starter(work)
        print(f"  trained in {init_seconds:.1f} s (the whole `rasa init` run)")
        print("starter bot: REST channel")
        run, ready = bench_starter(work, model, servers)
        print(f"  {describe(run)}")
        results["starter bot"] = ("-", f"{init_seconds:.1f} s (rasa init)", ready, run)
    finally:
        servers.stop()
        shutil.rmtree(work, ignore_errors=True)

    rows = [("bot", "scripts/train.sh", "cold training", "ready", "messages", "median", "p95", "max")]
    for name, (incremental, cold, ready, run) in results.items():
        times = run.latencies
        figures = (ms(statistics.median(times)), ms(p95(times)), ms(max(times))) if times else ("-", "-", "-")
        rows.append((name, incremental, cold, f"{ready:.1f} s", str(len(times)), *figures))
    print()
    print("Per-message latency over the REST channel (POST to reply, loopback; warm-up turn excluded):")
    print(table(rows))
    print(f"\nbench_rest: {time.monotonic() - started:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
