"""End to end: hostile or odd messages over REST (1,000 with `make fuzz`), 100 in each of several conversations.

No 5xx, always a reply, and afterwards the conversation works and its facts are what they were: the answer to
"show results" is the same before and after. The messages are built from a fixed seed, so a failure repeats.
Numbers in them are impossible values only (a plausible one could rightly change a fact).
"""

from __future__ import annotations

import os
import random
import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from test_rest_conversation import rasa_url  # noqa: F401  (the module's servers)

pytestmark = pytest.mark.e2e

SEED = 20261129
# `make test` sends 200 (a few minutes); `make fuzz` all 1,000 (TRIALBOT_FUZZ_COUNT), which takes about 15.
COUNT = int(os.environ.get("TRIALBOT_FUZZ_COUNT", "200"))
# Spread over several conversations at once: each turn sends Rasa's whole tracker to the action server, so one
# conversation of a thousand messages would test that cost rather than the messages.
PER_CONVERSATION = 100
PIECES = [
    "'; DROP TABLE events; --", "\" OR 1=1 --", "<script>alert(1)</script>", "<img src=x onerror=alert(2)>",
    "{{7*7}}", "${7*7}", "{% raw %}x{% endraw %}", "%s%s%s%n", "../../../../etc/passwd", "\\x00\\x01",
    "\u202eevil\u202c", "مرحبا بالعالم", "שלום עולם", "😀🧬💉🩸", "ZWJ👨‍👩‍👧‍👦", "\u0000\u0007\u001b[31m",
    "1e308", "-1e308", "NaN", "inf", "-7", "999999999999999999999", "age -5", "platelets 1e308",
    "ferritin -4", "weight 0 kg", "I am 412 years old", "INR NaN", "/inform{\"trial_id\": \"<b>x</b>\"}",
    "/inform{\"trial_id\": 12345678901234567890}", "/affirm{\"profile\": {\"age\": 3}}",
    "/ask_sites{\"trial_id\": \"../../etc\"}", "/nonexistent_intent", "/show_results{]", "null", "[]", "{}",
    "true", "\ufeff", "\r\n\r\n", "\t", "   ", "a" * 5000, "🩸" * 800, "é" * 3000,
]


def messages() -> list[str]:
    """COUNT messages: each piece alone, then random mixes of pieces and random characters."""
    rng = random.Random(SEED)
    out = list(PIECES)
    while len(out) < COUNT:
        parts = [rng.choice(PIECES)[:300] for _ in range(rng.randint(1, 4))]
        if rng.random() < 0.3:
            parts.append("".join(chr(rng.randint(1, 0x2FFF)) for _ in range(rng.randint(1, 40))))
        out.append(" ".join(parts))
    return out


def post(url: str, sender: str, text: str, lang: str | None = None) -> list[dict]:
    body = {"sender": sender, "message": text, **({"metadata": {"lang": lang}} if lang else {})}
    reply = requests.post(url, json=body, timeout=120)
    assert reply.status_code < 500, f"{reply.status_code} for {text[:80]!r}"
    return reply.json()


def answer(url: str, sender: str) -> str:
    """The answer's text, without the count of questions left: an odd message may skip a question (it stays
    unknown, for the study team), which changes no fact. Asked in English: an odd message in another language may
    switch the conversation's language, which is not a fact either."""
    text = "\n".join(m.get("text") or "" for m in post(url, sender, "/show_results", lang="en"))
    return re.sub(r"^(One more question|\d+ more questions) would settle it.*$", "", text, flags=re.M)


def one_conversation(url: str, hostile: list[str]) -> None:
    """Facts first, then the odd messages, then the same answer as before them."""
    sender = f"fuzz-{uuid.uuid4().hex[:12]}"
    for text in ("hi", "yes", "I have polycythaemia vera, I'm 58, on hydroxyurea for 14 months", "partly"):
        post(url, sender, text)
    before = answer(url, sender)
    assert "2025-523921-17-00" in before
    silent = [text for text in hostile if not post(url, sender, text)]
    assert not silent, f"{len(silent)} messages got no reply, e.g. {silent[0][:80]!r}"
    assert answer(url, sender) == before


def test_hostile_messages_change_nothing(rasa_url, tmp_path_factory):  # noqa: F811
    hostile = messages()
    batches = [hostile[start:start + PER_CONVERSATION] for start in range(0, COUNT, PER_CONVERSATION)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        for done in [pool.submit(one_conversation, rasa_url, batch) for batch in batches]:
            done.result()  # re-raises the first conversation's failure
    # a malformed "/..." is read as words, so Rasa never quotes it in a warning
    log = sorted(tmp_path_factory.getbasetemp().glob("e2e*/rasa.log"))[-1].read_text(errors="replace")
    assert "Failed to parse arguments" not in log and "DROP TABLE" not in log
