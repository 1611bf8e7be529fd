"""Downloads through signed links to local storage. S3 backends hand out presigned bucket URLs
instead, so this route knows no file there."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from fairlx.core.clock import utcnow
from fairlx.core.errors import NotFound
from fairlx.core.storage import LocalStorage, Storage, content_disposition

# Shown in the browser when no download name is asked for; anything else (HTML, SVG, scripts, ...) is
# always saved as an attachment, so a stored file can never run as a page of this site.
INLINE_CONTENT_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "application/pdf", "text/plain"}
)


@dataclass(frozen=True)
class Download:
    chunks: AsyncIterator[bytes]
    content_type: str
    size: int
    disposition: str
    seconds_left: int


async def open_signed_download(
    storage: Storage, key: str, *, expires: int, signature: str, download_name: str | None
) -> Download:
    if not isinstance(storage, LocalStorage):
        raise NotFound("file_not_found", detail="Files are downloaded from the storage bucket directly.")
    storage.verify_download(key, expires=expires, signature=signature, download_name=download_name)
    info = await storage.stat(key)
    media_type = info.content_type.split(";")[0].strip().lower()
    return Download(
        chunks=storage.open(key),
        content_type=info.content_type,
        size=info.size,
        disposition=content_disposition(download_name, inline=media_type in INLINE_CONTENT_TYPES),
        seconds_left=max(0, expires - int(utcnow().timestamp())),
    )
