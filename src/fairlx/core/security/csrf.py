"""The CSRF token of a session: an HMAC of its cookie value, so it needs no storage and changes with
the session. Pages give it to htmx, which sends it back as `X-CSRF-Token`."""

from __future__ import annotations

from fairlx.core.security.tokens import keyed_digest

CSRF_HEADER = "x-csrf-token"


def csrf_token(signing_key: bytes, session_token: str) -> str:
    return keyed_digest(signing_key, "csrf", session_token)
