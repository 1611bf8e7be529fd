"""Routes that take and serve pictures: the one file of a multipart upload (`file`), its OpenAPI
description, and the answer that serves a stored picture with long-lived caching under its version."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import StreamingResponse

from fairlx.core.errors import Invalid
from fairlx.files.images import AVATAR_CONTENT_TYPE
from fairlx.files.pictures import StoredPicture

FRESH = "private, max-age=31536000, immutable"
REVALIDATE = "private, no-cache"
UPLOAD_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary", "description": "The picture"}},
                }
            }
        },
    }
}


@asynccontextmanager
async def uploaded_file(request: Request) -> AsyncIterator[UploadFile]:
    """The `file` field, open while the block runs; a missing or empty file is a 422 naming it."""
    async with request.form(max_files=1, max_fields=10) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.size:  # no file chosen, or an empty one
            raise Invalid("file_required", field="file", detail="Choose a picture to upload.")
        yield upload


def picture_response(picture: StoredPicture, current_url: str | None, *, requested: str | None) -> StreamingResponse:
    """Serve a stored picture. Asked for under its current version (`?v=` of `current_url`) it never
    changes and may be cached for a year; under any other it is revalidated."""
    current = parse_qs(urlsplit(current_url or "").query).get("v", [""])[0]
    headers = {
        "Content-Length": str(picture.size),
        "Cache-Control": FRESH if requested is not None and requested == current else REVALIDATE,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'",
        "ETag": f'"{current}"',
    }
    return StreamingResponse(picture.chunks, media_type=AVATAR_CONTENT_TYPE, headers=headers)
