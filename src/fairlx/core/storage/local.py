"""Files on local disk, under one root folder.

An upload is written to a hidden temporary file beside its destination, synced, and renamed into place
only when complete, so readers never see half a file and a refused or failed upload leaves nothing.
The content type of each file is kept in a small JSON file under `.meta/`. Downloads go through the
app's `/files/...` route with a signed link.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import mimetypes
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, urlencode

from fairlx.core.clock import utcnow
from fairlx.core.errors import NotFound
from fairlx.core.storage.base import (
    CHUNK_SIZE,
    DEFAULT_CONTENT_TYPE,
    ObjectInfo,
    StoredObject,
    validate_content_type,
    validate_key,
    validate_link_lifetime,
    within_limit,
)
from fairlx.core.storage.disposition import safe_download_name
from fairlx.core.storage.signing import DownloadSigner

META_DIR = ".meta"  # a hidden segment: no key can name it
DOWNLOAD_ROUTE = "/files/"
_MISSING = (FileNotFoundError, IsADirectoryError, NotADirectoryError)


class LocalStorage:
    def __init__(self, root: Path, *, signer: DownloadSigner, public_url: str) -> None:
        self.root = root
        self._signer = signer
        self._public_url = public_url.rstrip("/")

    async def put(self, key: str, chunks: AsyncIterator[bytes], *, max_bytes: int, content_type: str) -> StoredObject:
        path = self._path(key)
        validate_content_type(content_type)
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        draft = _draft_beside(path)
        digest = hashlib.sha256()
        size = 0
        try:
            handle = await asyncio.to_thread(draft.open, "xb")
            try:
                async for chunk in within_limit(chunks, max_bytes):
                    await asyncio.to_thread(_write, handle, digest, chunk)
                    size += len(chunk)
                await asyncio.to_thread(_sync, handle)
            finally:
                handle.close()
            await asyncio.to_thread(self._commit, draft, path, key, content_type)
        except BaseException:
            draft.unlink(missing_ok=True)
            raise
        return StoredObject(key, size, content_type, digest.hexdigest())

    def _commit(self, draft: Path, path: Path, key: str, content_type: str) -> None:
        meta = self._meta_path(key)
        meta.parent.mkdir(parents=True, exist_ok=True)
        meta_draft = _draft_beside(meta)
        try:
            meta_draft.write_text(json.dumps({"content_type": content_type}))
            os.replace(meta_draft, meta)
        finally:
            meta_draft.unlink(missing_ok=True)
        os.replace(draft, path)
        _sync_folder(path.parent)

    async def open(self, key: str) -> AsyncIterator[bytes]:
        path = self._path(key)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except _MISSING:
            raise _not_found(key) from None
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK_SIZE):
                yield chunk
        finally:
            handle.close()

    async def stat(self, key: str) -> ObjectInfo:
        return await asyncio.to_thread(self._stat, key)

    def _stat(self, key: str) -> ObjectInfo:
        path = self._path(key)
        if not path.is_file():
            raise _not_found(key)
        try:
            content_type = str(json.loads(self._meta_path(key).read_text())["content_type"])
        except (OSError, ValueError, KeyError):  # a file put there by hand: guess from its name
            content_type = mimetypes.guess_type(key)[0] or DEFAULT_CONTENT_TYPE
        return ObjectInfo(key, path.stat().st_size, content_type)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)

    async def delete(self, key: str) -> None:
        path = self._path(key)
        await asyncio.to_thread(_remove_file, path)
        await asyncio.to_thread(_remove_file, self._meta_path(key))

    async def signed_url(self, key: str, expires_in_seconds: int, download_name: str | None = None) -> str:
        validate_key(key)
        expires = int(utcnow().timestamp()) + validate_link_lifetime(expires_in_seconds)
        name = safe_download_name(download_name) if download_name is not None else None
        query: dict[str, str | int] = {"expires": expires, "signature": self._signer.sign(key, expires, name)}
        if name is not None:
            query["name"] = name
        return f"{self._public_url}{DOWNLOAD_ROUTE}{quote(key)}?{urlencode(query)}"

    def verify_download(self, key: str, *, expires: int, signature: str, download_name: str | None) -> None:
        """Refuse a link this storage did not sign, or one past its expiry (403)."""
        self._signer.verify(key, expires, download_name, signature)

    async def ping(self) -> None:
        await asyncio.to_thread(self._probe_writable)

    def _probe_writable(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        probe = self.root / f".ping.{secrets.token_hex(6)}"
        probe.write_bytes(b"")
        probe.unlink()

    async def close(self) -> None:
        return None

    def describe(self) -> str:
        return f"local folder {self.root}"

    def _path(self, key: str) -> Path:
        return self.root / validate_key(key)

    def _meta_path(self, key: str) -> Path:
        return self.root / META_DIR / f"{validate_key(key)}.json"


def _draft_beside(path: Path) -> Path:
    return path.with_name(f".{path.name}.{secrets.token_hex(8)}.part")


def _write(handle: BinaryIO, digest: hashlib._Hash, chunk: bytes) -> None:
    handle.write(chunk)
    digest.update(chunk)


def _sync(handle: BinaryIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _remove_file(path: Path) -> None:
    if path.is_file():
        path.unlink(missing_ok=True)


def _not_found(key: str) -> NotFound:
    return NotFound("file_not_found", detail=f"No file is stored under {key!r}.")
