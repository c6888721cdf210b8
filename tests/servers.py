"""Helpers for tests that start the Rasa and action servers on free loopback ports."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

START_TIMEOUT = 240


def free_port() -> int:
    """A free TCP port on loopback, so tests never clash with `make run` or each other."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = START_TIMEOUT) -> None:
    """Poll url until it answers; fail with the end of the server's log if it dies or never comes up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{url} exited with {process.returncode}; see {log}:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    pytest.fail(f"{url} did not come up within {timeout} s; see {log}")


def say(url: str, sender: str, text: str) -> str:
    """One message over REST; the reply's texts (failing on an empty answer: a turn must never be silent)."""
    reply = requests.post(url, json={"sender": sender, "message": text}, timeout=60)
    reply.raise_for_status()
    messages = reply.json()
    assert messages, f"an empty answer to {text!r}"
    return "\n".join(m.get("text") or "" for m in messages)
