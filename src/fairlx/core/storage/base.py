"""What every storage backend offers, and the checks they share: key rules, the streaming size limit,
content types and link lifetimes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from fairlx.core.errors import Invalid, PayloadTooLarge

CHUNK_SIZE = 64 * 1024
MAX_KEY_LENGTH = 512
MAX_CONTENT_TYPE_LENGTH = 255
MAX_LINK_SECONDS = 7 * 24 * 3600  # the longest an S3 presigned URL may live
DEFAULT_CONTENT_TYPE = "application/octet-stream"

# Segments start with a letter, digit or underscore: `.`, `..`, hidden files and our own temporary
# files (which start with a dot) can never be named by a key.
_KEY_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,199}")
_CONTENT_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(;[ -~]*)?")


@dataclass(frozen=True)
class StoredObject:
    """What `put` wrote: the caller records these next to its own row."""

    key: str
    size: int
    content_type: str
    sha256: str


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    content_type: str


class Storage(Protocol):
    async def put(
        self, key: str, chunks: AsyncIterator[bytes], *, max_bytes: int, content_type: str
    ) -> StoredObject: ...

    def open(self, key: str) -> AsyncIterator[bytes]:
        """The object's bytes in chunks; `NotFound` when it is missing."""
        ...

    async def stat(self, key: str) -> ObjectInfo: ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None:
        """Remove the object; deleting a missing object is not an error."""
        ...

    async def signed_url(self, key: str, expires_in_seconds: int, download_name: str | None = None) -> str:
        """A link anyone holding it can download the object through until it expires."""
        ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...

    def describe(self) -> str: ...


def validate_key(key: str) -> str:
    """Keys are relative paths of conservative segments, so no key can leave the storage root."""
    segments = key.split("/")
    if not key or len(key) > MAX_KEY_LENGTH or not all(_KEY_SEGMENT.fullmatch(segment) for segment in segments):
        raise Invalid(
            "invalid_storage_key",
            field="key",
            detail="A storage key is a relative path of segments made of letters, digits, '.', '_' and '-', "
            "each starting with a letter, digit or '_'.",
        )
    return key


def validate_content_type(content_type: str) -> str:
    if len(content_type) > MAX_CONTENT_TYPE_LENGTH or not _CONTENT_TYPE.fullmatch(content_type):
        raise Invalid("invalid_content_type", field="content_type", detail=f"{content_type!r} is not a media type.")
    return content_type


def validate_link_lifetime(expires_in_seconds: int) -> int:
    if not 1 <= expires_in_seconds <= MAX_LINK_SECONDS:
        raise Invalid(
            "invalid_link_lifetime",
            field="expires_in_seconds",
            detail=f"A download link lives between 1 and {MAX_LINK_SECONDS} seconds.",
        )
    return expires_in_seconds


def file_too_large(max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        "file_too_large", detail=f"The file is larger than the limit of {max_bytes} bytes.", extra={"limit": max_bytes}
    )


async def within_limit(chunks: AsyncIterator[bytes], max_bytes: int) -> AsyncIterator[bytes]:
    """Pass chunks through until their total passes `max_bytes`; then refuse without reading further."""
    if max_bytes < 0:
        raise ValueError("max_bytes must not be negative")
    total = 0
    async for chunk in chunks:
        total += len(chunk)
        if total > max_bytes:
            raise file_too_large(max_bytes)
        if chunk:
            yield chunk
