"""The download route behind local storage's signed links."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from fairlx.dependencies import Infra
from fairlx.files import service
from fairlx.rbac.guard import Anyone

router = APIRouter(tags=["files"], dependencies=[Anyone])

# A stored file rendered by the browser may load nothing and run nothing.
FILE_CONTENT_SECURITY_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


@router.get(
    "/files/{key:path}",
    summary="Download a file through a signed link",
    response_class=StreamingResponse,
    responses={403: {"description": "The link was altered or has expired"}, 404: {"description": "No such file"}},
)
async def download_file(
    key: str, infra: Infra, expires: int, signature: str, name: str | None = None
) -> StreamingResponse:
    download = await service.open_signed_download(
        infra.storage, key, expires=expires, signature=signature, download_name=name
    )
    headers = {
        "Content-Type": download.content_type,
        "Content-Length": str(download.size),
        "Content-Disposition": download.disposition,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": FILE_CONTENT_SECURITY_POLICY,
        "Cache-Control": f"private, max-age={download.seconds_left}",
    }
    return StreamingResponse(download.chunks, headers=headers)
