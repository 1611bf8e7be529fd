"""The one place Fairlx reads the wall clock, so tests can move time (time-machine) and code agrees on UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
