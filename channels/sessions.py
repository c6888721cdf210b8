"""Widget sessions that cannot be guessed, chosen or joined by someone else.

Rasa's socket.io channel joins a socket to whatever session id the client names, and uses that id as the
conversation's sender id: knowing or guessing an id is enough to read that person's replies and to write as them.
Here the server issues every id as a token, 144 random bits plus an HMAC of them with a server secret, so a client
cannot pick its own id or forge one; and the conversation is stored under a second HMAC of the token, so the ids
that the tracker store, the logs and the staff see never let anyone back into the conversation. Only the browser
that was given the token (it keeps it in its own storage) can resume.

The secret comes from TRIALBOT_SESSION_SECRET (the production profile sets one for all Rasa processes), else from
var/session.key, created once with mode 0600, so that sessions survive a restart of the embedded profile.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from functools import lru_cache
from pathlib import Path

KEY_FILE = Path(__file__).resolve().parents[1] / "var" / "session.key"
_RANDOM_BYTES = 18  # 24 characters of base64url
_SIGNATURE_CHARS = 22  # 128 bits of the HMAC
TOKEN_CHARS = 24 + _SIGNATURE_CHARS


@lru_cache(maxsize=1)
def secret() -> bytes:
    """The server's session secret (see the module's docstring)."""
    configured = os.environ.get("TRIALBOT_SESSION_SECRET")
    if configured:
        return configured.encode("utf-8")
    if not KEY_FILE.exists():
        KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    return KEY_FILE.read_text(encoding="utf-8").strip().encode("utf-8")


def _mac(purpose: str, text: str) -> str:
    digest = hmac.new(secret(), f"{purpose}:{text}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def new_token() -> str:
    """A fresh session token for the widget."""
    random_part = secrets.token_urlsafe(_RANDOM_BYTES)
    return random_part + _mac("token", random_part)[:_SIGNATURE_CHARS]


def valid(token: object) -> bool:
    """Whether this server issued the token (constant-time comparison)."""
    if not isinstance(token, str) or len(token) != TOKEN_CHARS:
        return False
    random_part, signature = token[:-_SIGNATURE_CHARS], token[-_SIGNATURE_CHARS:]
    return hmac.compare_digest(signature, _mac("token", random_part)[:_SIGNATURE_CHARS])


def sender_id(token: str) -> str:
    """The id the conversation is stored under: derived from the token, and no way back to it."""
    return "w-" + _mac("sender", token)[:32]
