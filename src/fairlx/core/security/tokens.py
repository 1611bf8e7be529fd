"""Secret tokens handed to a user once (links in mail, session cookies, API tokens) and kept only as
a digest, plus short numeric codes. Comparisons of secrets are constant-time."""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_BYTES = 32


def new_token(prefix: str = "") -> str:
    """A URL-safe random token with 256 bits of entropy."""
    return prefix + secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    """What is stored in place of a token: SHA-256 (tokens are random, so no salt or stretching is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def keyed_digest(key: bytes, purpose: str, value: str) -> str:
    """HMAC-SHA256 of `value` under `key`, separated by `purpose` so one digest never stands for another."""
    return hmac.new(key, f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()


def same_secret(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode(), right.encode())


def numeric_code(digits: int = 6) -> str:
    return f"{secrets.randbelow(10**digits):0{digits}d}"
