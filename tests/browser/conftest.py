"""Browser tests of the chat widget: the demo page in headless Debian Chromium, driven by Playwright.

The fixtures start, on free loopback ports, the action server, Rasa (the trained model, socket.io channel from
credentials.yml, CORS for the page's origin) and web/serve.py (the built widget and demo page), and stop them at the
end. Chromium is /usr/bin/chromium (Debian's package; $TRIALBOT_CHROMIUM overrides): Playwright never downloads a
browser here. Every request the page makes to anything but 127.0.0.1/localhost is refused and fails the test, so a
CDN or any other outside fetch shows up at once.

Without chromium, playwright, web/dist, the Rasa environment or the model the tests are skipped with the reason,
or fail when $CI is set (CI must run them). Screenshots go to tests/browser/artifacts/ (git-ignored).
Run: PYTHONPATH=. .venv/actions/bin/python -m pytest -q -m browser tests/browser
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from servers import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "trialbot.tar.gz"
DIST = ROOT / "web" / "dist"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives the web widget in headless Chromium (starts servers)")


def missing(reason: str):
    """Skip, or fail under CI, where the browser suite must run."""
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run: {reason}")
    pytest.skip(reason)


class Processes:
    """Child processes started by a fixture, stopped (terminate, then kill) when it ends."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.running: list[subprocess.Popen] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> tuple[subprocess.Popen, Path]:
        log = self.work / f"{name}.log"
        with log.open("w") as out:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        self.running.append(process)
        return process, log

    def stop(self) -> None:
        for process in self.running:
            process.terminate()
        for process in self.running:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def serve_page(processes: Processes, name: str, rasa_url: str, port: int | None = None) -> str:
    """web/serve.py on a free port, its widget talking to `rasa_url`; returns the page's URL."""
    port = port or free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process, log = processes.start(name, [sys.executable, str(ROOT / "web" / "serve.py"), "--port", str(port),
                                          "--bind", "127.0.0.1", "--server", rasa_url], env)
    page_url = f"http://127.0.0.1:{port}/"
    wait_until_up(page_url, process, log)
    return page_url


@dataclass
class Site:
    page: str  # the demo page, its widget talking to the real Rasa
    dead_page: str  # the demo page, its widget pointing at a port where nothing listens
    rasa: str
    logs: Path  # the servers' logs


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Iterator[Site]:
    rasa = os.environ.get("TRIALBOT_RASA") or str(ROOT / ".venv" / "rasa" / "bin" / "rasa")
    if not Path(rasa).is_file():
        missing("the Rasa environment is missing (run `make setup`)")
    if not MODEL.is_file():
        missing(f"no trained model at {MODEL} (run scripts/train.sh)")
    if not (DIST / "trialchat.js").is_file():
        missing("web/dist is not built (run scripts/web_setup.sh)")
    work = tmp_path_factory.mktemp("browser")
    processes = Processes(work)
    try:
        rasa_port, actions_port, page_port = free_port(), free_port(), free_port()
        endpoints = work / "endpoints.yml"
        endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n'
                             '  enable_selective_domain: true\n', encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false",
               "SANIC_HOST": "127.0.0.1", "TRIALBOT_ALLOWED_ORIGINS": f"http://127.0.0.1:{page_port}",
               "TRIALBOT_SESSION_SECRET": "browser-tests"}
        actions, actions_log = processes.start(
            "actions", [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(actions_port)], env)
        rasa_url = f"http://127.0.0.1:{rasa_port}"
        # The page is served from 127.0.0.1:page_port; Rasa allows that origin only, as `make run` does for :8080.
        server, rasa_log = processes.start(
            "rasa", [rasa, "run", "-m", str(MODEL), "--port", str(rasa_port), "-i", "127.0.0.1",
                     "--cors", f"http://127.0.0.1:{page_port}", "--endpoints", str(endpoints),
                     "--credentials", str(ROOT / "credentials.yml")], env)
        page = serve_page(processes, "serve", rasa_url, page_port)
        dead_page = serve_page(processes, "serve-dead", f"http://127.0.0.1:{free_port()}")  # nobody listens there
        wait_until_up(f"http://127.0.0.1:{actions_port}/health", actions, actions_log)
        wait_until_up(f"{rasa_url}/socket.io/?EIO=4&transport=polling", server, rasa_log)
        yield Site(page=page, dead_page=dead_page, rasa=rasa_url, logs=work)
    finally:
        processes.stop()


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the Python package playwright is not installed (requirements/actions.lock)")
    executable = os.environ.get("TRIALBOT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).is_file():
        missing("Debian's chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        # Playwright adds --headless and a fresh temporary --user-data-dir for this launch.
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


class Outside:
    """Requests the page tried to make to anything but loopback (refused)."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def route(self, route) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOOPBACK:
            route.continue_()
        else:
            self.urls.append(route.request.url)
            route.abort()


@pytest.fixture
def context_factory(browser):
    """New browser contexts (own storage), each refusing non-loopback requests; checked at the end."""
    contexts = []

    def make(**options):
        context = browser.new_context(**options)
        outside = Outside()
        context.route("**/*", outside.route)
        context.outside = outside
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    for context in contexts:
        assert not context.outside.urls, f"the page tried to fetch from outside: {context.outside.urls}"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
