"""The named rate limits. Each is a budget per identity (a client address, an account, a token) over a
sliding one-minute window; operators resize them with `FAIRLX_RATE_LIMIT_OVERRIDES`."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from limits import RateLimitItem, parse


class Preset(StrEnum):
    DEFAULT = "default"
    LOGIN = "login"
    REGISTER = "register"
    ORG_CREATE = "org_create"
    FILE_UPLOAD = "file_upload"
    WRITE = "write"
    MAGIC_LINK = "magic_link"
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a preset name)
    TWO_FACTOR = "two_factor"


PRESET_LIMITS: dict[Preset, str] = {
    Preset.DEFAULT: "100/minute",  # every API request
    Preset.LOGIN: "10/minute",
    Preset.REGISTER: "5/minute",
    Preset.ORG_CREATE: "5/minute",
    Preset.FILE_UPLOAD: "30/minute",
    Preset.WRITE: "60/minute",  # API requests that change something, on top of DEFAULT
    Preset.MAGIC_LINK: "5/minute",
    Preset.PASSWORD_RESET: "5/minute",
    Preset.TWO_FACTOR: "10/minute",
}


def preset_limits(overrides: Mapping[str, str]) -> dict[Preset, RateLimitItem]:
    """The preset table with the operator's overrides applied; a wrong name or rate stops startup."""
    known = {preset.value for preset in Preset}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(f"FAIRLX_RATE_LIMIT_OVERRIDES names unknown presets {unknown}; known presets: {sorted(known)}")
    return {preset: _parse(preset, overrides.get(preset.value, rate)) for preset, rate in PRESET_LIMITS.items()}


def _parse(preset: Preset, rate: str) -> RateLimitItem:
    problem = f"FAIRLX_RATE_LIMIT_OVERRIDES[{preset.value!r}] = {rate!r} is not a rate like '100/minute'"
    try:
        item = parse(rate)
    except ValueError as error:
        raise ValueError(problem) from error
    if item.amount < 1:
        raise ValueError(problem)
    return item
