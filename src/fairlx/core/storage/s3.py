"""Files in an S3-compatible bucket (AWS S3, Cloudflare R2, MinIO), through boto3 in worker threads.

An upload that fits in one part is a single `PutObject`. A larger one is a multipart upload of
equal-sized parts (R2 requires equal parts), buffering at most one part plus one incoming chunk;
a refused or failed upload is aborted, so no object and no pending parts are left behind.
Downloads are presigned GET URLs straight to the bucket.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
import structlog
from botocore.config import Config
from botocore.exceptions import ClientError

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
from fairlx.core.storage.disposition import content_disposition

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef

log = structlog.get_logger(__name__)

MIN_PART_SIZE = 5 * 1024 * 1024  # S3's smallest part (except the last)
DEFAULT_PART_SIZE = 8 * 1024 * 1024
_MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound"})


@dataclass(frozen=True)
class S3Location:
    bucket: str
    endpoint_url: str | None = None
    region: str | None = None
    access_key: str | None = None
    secret_key: str | None = None


class S3Storage:
    def __init__(self, location: S3Location, *, part_size: int = DEFAULT_PART_SIZE) -> None:
        if part_size < MIN_PART_SIZE:
            raise ValueError(f"S3 parts are at least {MIN_PART_SIZE} bytes")
        self.location = location
        self.bucket = location.bucket
        self.part_size = part_size
        self._client = _client(location)

    async def put(self, key: str, chunks: AsyncIterator[bytes], *, max_bytes: int, content_type: str) -> StoredObject:
        validate_key(key)
        validate_content_type(content_type)
        upload = _Upload(self._client, self.bucket, key, content_type)
        digest = hashlib.sha256()
        size = 0
        buffer = bytearray()
        try:
            async for chunk in within_limit(chunks, max_bytes):
                digest.update(chunk)
                size += len(chunk)
                buffer += chunk
                while len(buffer) > self.part_size:  # keep the last part back: it may be the only one
                    await upload.add_part(bytes(buffer[: self.part_size]))
                    del buffer[: self.part_size]
            await upload.finish(bytes(buffer))
        except BaseException:
            await upload.abort()
            raise
        return StoredObject(key, size, content_type, digest.hexdigest())

    async def open(self, key: str) -> AsyncIterator[bytes]:
        validate_key(key)
        with _missing_as_not_found(key):
            response = await asyncio.to_thread(self._client.get_object, Bucket=self.bucket, Key=key)
        body = response["Body"]
        try:
            while chunk := await asyncio.to_thread(body.read, CHUNK_SIZE):
                yield chunk
        finally:
            body.close()

    async def stat(self, key: str) -> ObjectInfo:
        validate_key(key)
        with _missing_as_not_found(key):
            head = await asyncio.to_thread(self._client.head_object, Bucket=self.bucket, Key=key)
        return ObjectInfo(key, head["ContentLength"], head.get("ContentType") or DEFAULT_CONTENT_TYPE)

    async def exists(self, key: str) -> bool:
        try:
            await self.stat(key)
        except NotFound:
            return False
        return True

    async def delete(self, key: str) -> None:
        validate_key(key)
        await asyncio.to_thread(self._client.delete_object, Bucket=self.bucket, Key=key)

    async def signed_url(self, key: str, expires_in_seconds: int, download_name: str | None = None) -> str:
        validate_key(key)
        validate_link_lifetime(expires_in_seconds)
        params: dict[str, str] = {"Bucket": self.bucket, "Key": key}
        if download_name is not None:
            params["ResponseContentDisposition"] = content_disposition(download_name)
        # In a thread: resolving credentials the first time may ask an instance metadata service.
        url: str = await asyncio.to_thread(
            self._client.generate_presigned_url, "get_object", Params=params, ExpiresIn=expires_in_seconds
        )
        return url

    async def ping(self) -> None:
        await asyncio.to_thread(self._client.head_bucket, Bucket=self.bucket)

    async def close(self) -> None:
        await asyncio.to_thread(self._client.close)

    def describe(self) -> str:
        where = self.location.endpoint_url or f"AWS region {self.location.region or 'from the environment'}"
        return f"s3 bucket {self.bucket} at {where}"


class _Upload:
    """One object being written: a single PutObject, or a multipart upload once a first part is full."""

    def __init__(self, client: S3Client, bucket: str, key: str, content_type: str) -> None:
        self._client = client
        self._target: dict[str, Any] = {"Bucket": bucket, "Key": key}
        self._content_type = content_type
        self._upload_id: str | None = None
        self._parts: list[CompletedPartTypeDef] = []

    async def add_part(self, data: bytes) -> None:
        if self._upload_id is None:
            created = await asyncio.to_thread(
                self._client.create_multipart_upload, **self._target, ContentType=self._content_type
            )
            self._upload_id = created["UploadId"]
        number = len(self._parts) + 1
        uploaded = await asyncio.to_thread(
            self._client.upload_part, **self._target, UploadId=self._upload_id, PartNumber=number, Body=data
        )
        self._parts.append({"ETag": uploaded["ETag"], "PartNumber": number})

    async def finish(self, last: bytes) -> None:
        if self._upload_id is None:
            await asyncio.to_thread(self._client.put_object, **self._target, Body=last, ContentType=self._content_type)
            return
        if last:
            await self.add_part(last)
        await asyncio.to_thread(
            self._client.complete_multipart_upload,
            **self._target,
            UploadId=self._upload_id,
            MultipartUpload={"Parts": self._parts},
        )

    async def abort(self) -> None:
        """Best effort: the error that stopped the upload is the one worth raising. Parts left by a failed
        abort are removed by a bucket lifecycle rule (AbortIncompleteMultipartUpload), if one is set."""
        if self._upload_id is None:
            return
        try:
            await asyncio.to_thread(self._client.abort_multipart_upload, **self._target, UploadId=self._upload_id)
        except Exception as error:
            log.warning("s3_abort_failed", key=self._target["Key"], upload_id=self._upload_id, error=repr(error))


def _client(location: S3Location) -> S3Client:
    config = Config(
        signature_version="s3v4",
        # Path-style addressing works on MinIO and R2 without wildcard DNS; AWS picks its own default.
        s3={"addressing_style": "path" if location.endpoint_url else "auto"},
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=5,
        read_timeout=60,
        # Checksums only where S3 requires them: several S3-compatible stores reject the newer defaults.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    session = boto3.session.Session(
        aws_access_key_id=location.access_key,
        aws_secret_access_key=location.secret_key,
        region_name=location.region,
    )
    return session.client("s3", endpoint_url=location.endpoint_url, config=config)


@contextlib.contextmanager
def _missing_as_not_found(key: str) -> Iterator[None]:
    """S3's "no such key" (404 on HEAD) becomes our NotFound; other client errors pass through."""
    try:
        yield
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in _MISSING_CODES:
            raise NotFound("file_not_found", detail=f"No file is stored under {key!r}.") from error
        raise
