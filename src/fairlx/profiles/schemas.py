"""Request bodies of the profile routes (answers are `fairlx.auth.schemas.UserOut`)."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from fairlx.auth.models import NAME_LENGTH, ThemePreference

PHONE_LENGTH = 40
URL_LENGTH = 500
DETAIL_LENGTH = 120
MAX_TOOLS = 20
TOOL_LENGTH = 40

_PHONE = re.compile(r"(?P<number>\+?[0-9(][0-9 ()./-]*?)(?:\s*(?:x|ext\.?)\s*[0-9]{1,6})?", re.IGNORECASE)
_PHONE_DIGITS = range(6, 16)  # E.164 numbers have at most 15 digits; fewer than 6 is no number
_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}|localhost", re.IGNORECASE)


def _blank_is_none(value: str | None) -> str | None:
    return value or None


def _web_address(value: str | None) -> str | None:
    """An http(s) address with a real host name, kept as typed."""
    if value is None:
        return None
    if any(character.isspace() or ord(character) < 32 for character in value):
        raise ValueError("Enter a web address without spaces, starting with https://.")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise ValueError("Enter a valid web address, starting with https://.") from None
    if parts.scheme.lower() not in {"http", "https"}:
        raise ValueError("Enter a web address starting with https:// or http://.")
    if parts.username or parts.password or port == 0 or not _HOST.fullmatch(parts.hostname or ""):
        raise ValueError("Enter a valid web address, such as https://example.com/you.")
    return value


def _phone_number(value: str | None) -> str | None:
    if value is None:
        return None
    found = _PHONE.fullmatch(value)
    if found is None or sum(character.isdigit() for character in found["number"]) not in _PHONE_DIGITS:
        raise ValueError("Enter a phone number of 6 to 15 digits, such as +44 20 7946 0958.")
    return value


Trimmed = StringConstraints(strip_whitespace=True)
OptionalText = Annotated[str | None, Trimmed, Field(max_length=DETAIL_LENGTH), AfterValidator(_blank_is_none)]
WebAddress = Annotated[
    str | None, Trimmed, Field(max_length=URL_LENGTH), AfterValidator(_blank_is_none), AfterValidator(_web_address)
]
Phone = Annotated[
    str | None, Trimmed, Field(max_length=PHONE_LENGTH), AfterValidator(_blank_is_none), AfterValidator(_phone_number)
]
Tool = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TOOL_LENGTH)]


class ProfileUpdate(BaseModel):
    """A partial update: fields left out stay as they are; `null` (or an empty string) clears an
    optional field."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str | None, Trimmed, Field(max_length=NAME_LENGTH)] = None
    phone: Phone = None
    linkedin_url: WebAddress = None
    portfolio_url: WebAddress = None
    working_domain: OptionalText = None
    job_role: OptionalText = None
    designation: OptionalText = None
    tools: Annotated[list[Tool] | None, Field(max_length=MAX_TOOLS)] = None
    theme: ThemePreference | None = None

    @field_validator("name")
    @classmethod
    def name_is_given(cls, value: str | None) -> str:
        if not value:
            raise ValueError("Enter your name.")
        return value

    @field_validator("theme")
    @classmethod
    def theme_is_given(cls, value: ThemePreference | None) -> ThemePreference:
        if value is None:
            raise ValueError("Choose light, dark or system.")
        return value

    @field_validator("tools")
    @classmethod
    def tools_are_distinct(cls, value: list[str] | None) -> list[str]:
        """Each tool once (ignoring case), in the order given; `null` clears the list."""
        seen: set[str] = set()
        distinct: list[str] = []
        for tool in value or []:
            if tool.casefold() not in seen:
                seen.add(tool.casefold())
                distinct.append(tool)
        return distinct


class ThemeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    theme: ThemePreference


def split_tools(text: str) -> list[str]:
    """The tools typed into one comma-separated box, blanks dropped."""
    return [part.strip() for part in text.split(",") if part.strip()]


class ProfileForm(ProfileUpdate):
    """The settings page's profile form: every field is posted, and the tools come as one
    comma-separated box."""

    @field_validator("tools", mode="before")
    @classmethod
    def tools_from_text(cls, value: object) -> object:
        return split_tools(value) if isinstance(value, str) else value
