"""The hostile or odd messages of the fuzz test (tests/e2e/test_fuzz.py), shared by its REST and socket.io halves.

Built from a fixed seed, so a failure repeats; the first `count` of them are the same whatever the count. Numbers in
them are impossible values only (a plausible one could rightly change a fact).
"""

from __future__ import annotations

import random

SEED = 20261129
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


def messages(count: int) -> list[str]:
    """`count` messages: each piece alone, then random mixes of pieces and random characters."""
    rng = random.Random(SEED)
    out = list(PIECES)
    while len(out) < count:
        parts = [rng.choice(PIECES)[:300] for _ in range(rng.randint(1, 4))]
        if rng.random() < 0.3:
            parts.append("".join(chr(rng.randint(1, 0x2FFF)) for _ in range(rng.randint(1, 40))))
        out.append(" ".join(parts))
    return out[:count]
