"""The password policy: 8 to 256 characters, not a commonly breached password, not the email address."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fairlx.core.errors import Invalid

MIN_LENGTH = 8
MAX_LENGTH = 256  # hashing cost grows with length; nobody types more
COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")


@cache
def common_passwords() -> frozenset[str]:
    return frozenset(line.strip().lower() for line in COMMON_PASSWORDS.read_text().splitlines() if line.strip())


def check_password(password: str, email: str, field: str = "password") -> None:
    if len(password) < MIN_LENGTH:
        raise Invalid("password_too_short", field=field, detail=f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise Invalid("password_too_long", field=field, detail=f"Use at most {MAX_LENGTH} characters.")
    lowered = password.strip().lower()
    if lowered in common_passwords():
        raise Invalid("password_too_common", field=field, detail="This password is too common; choose another.")
    if lowered in {email.lower(), email.lower().split("@", 1)[0]}:
        raise Invalid("password_is_email", field=field, detail="Your password cannot be your email address.")
