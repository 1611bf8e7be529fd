"""Pictures people upload (avatars, project images): checked, converted to a 256x256 WebP in a worker
thread, and stored under a fresh key, so a cached URL never shows a newer picture. Nothing here holds a
database transaction; callers record the key afterwards and delete the old file through the outbox."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import BinaryIO

from fairlx.core.errors import NotFound, PayloadTooLarge
from fairlx.core.infrastructure import Infrastructure
from fairlx.files import images

MAX_STORED_BYTES = 1024 * 1024  # a 256x256 WebP is tens of kilobytes


@dataclass(frozen=True)
class StoredPicture:
    chunks: AsyncIterator[bytes]
    size: int
    key: str


def picture_url(path: str, key: str | None) -> str | None:
    """Where a picture is served: the version changes with the file, so browsers may keep it for long."""
    if key is None:
        return None
    return f"{path}?v={hashlib.sha256(key.encode()).hexdigest()[:12]}"


async def store_picture(infra: Infrastructure, folder: str, source: BinaryIO, size: int) -> str:
    """Convert and store the uploaded picture; returns its storage key. Refused (field `file`) when it
    is too big or not a picture."""
    if size > images.MAX_UPLOAD_BYTES:
        raise PayloadTooLarge(
            "file_too_large",
            field="file",
            detail=f"The picture is larger than {images.MAX_UPLOAD_BYTES // (1024 * 1024)} MB.",
            extra={"limit": images.MAX_UPLOAD_BYTES},
        )
    picture = await asyncio.to_thread(images.make_avatar, source)
    key = f"{folder}/{secrets.token_hex(12)}.webp"
    await infra.storage.put(
        key, _single_chunk(picture), max_bytes=MAX_STORED_BYTES, content_type=images.AVATAR_CONTENT_TYPE
    )
    return key


async def open_picture(infra: Infrastructure, key: str | None, missing: NotFound) -> StoredPicture:
    """The stored picture under `key`; `missing` when there is none."""
    if key is None:
        raise missing
    try:
        info = await infra.storage.stat(key)
    except NotFound:
        raise missing from None
    return StoredPicture(chunks=infra.storage.open(key), size=info.size, key=key)


async def _single_chunk(data: bytes) -> AsyncIterator[bytes]:
    yield data
