"""File storage, on local disk and on S3 (moto's server through our boto3 adapter): streamed uploads with
a size limit enforced while reading, keys that cannot escape the root, and signed download links."""

from __future__ import annotations

import hashlib
import secrets
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import httpx
import pytest
import time_machine

from fairlx.app import create_app
from fairlx.core.clock import utcnow
from fairlx.core.errors import AppError, Invalid, NotFound, PayloadTooLarge
from fairlx.core.infrastructure import Infrastructure
from fairlx.core.storage import LocalStorage, S3Storage, Storage, StorageUrlError
from fairlx.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

PROBLEM = "application/problem+json"
MiB = 1024 * 1024
TEST_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "fairlx-test-key", "AWS_SECRET_ACCESS_KEY": "fairlx-test-secret"}


# -- backends ------------------------------------------------------------------------------------


@pytest.fixture
def s3_client(s3_endpoint: str) -> Iterator[S3Client]:
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=TEST_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=TEST_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    yield client
    client.close()


@pytest.fixture
def s3_bucket(s3_client: S3Client, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """A fresh bucket; credentials for it in the standard AWS environment variables."""
    for name, value in TEST_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    bucket = f"fairlx-test-{secrets.token_hex(6)}"
    s3_client.create_bucket(Bucket=bucket)
    return bucket


@pytest.fixture(params=["local", "s3"])
def storage_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture
def settings_overrides(request: pytest.FixtureRequest, storage_kind: str, s3_endpoint: str) -> dict[str, Any]:
    if storage_kind == "s3":
        bucket = request.getfixturevalue("s3_bucket")
        return {"storage_url": f"s3://{bucket}?endpoint={s3_endpoint}&region=us-east-1"}
    if storage_kind == "s3_without_bucket":
        credentials = "access_key=fairlx-test-key&secret_key=fairlx%2Btest%2Fsecret"
        return {"storage_url": f"s3://fairlx-missing-bucket?endpoint={s3_endpoint}&region=auto&{credentials}"}
    return {}  # the embedded default: `files/` in the data folder


@pytest.fixture
def storage(infra: Infrastructure) -> Storage:
    return infra.storage


@pytest.fixture
def stored_state(request: pytest.FixtureRequest, storage: Storage) -> Callable[[], set[str]]:
    """Everything the backend holds: local files (temporary ones included), or S3 objects and pending uploads."""

    def local_files() -> set[str]:
        assert isinstance(storage, LocalStorage)
        if not storage.root.exists():
            return set()
        return {str(path.relative_to(storage.root)) for path in storage.root.rglob("*") if path.is_file()}

    def bucket_contents() -> set[str]:
        assert isinstance(storage, S3Storage)
        client: S3Client = request.getfixturevalue("s3_client")
        objects = client.list_objects_v2(Bucket=storage.bucket).get("Contents", [])
        uploads = client.list_multipart_uploads(Bucket=storage.bucket).get("Uploads", [])
        return {item["Key"] for item in objects} | {f"pending upload of {item['Key']}" for item in uploads}

    return local_files if isinstance(storage, LocalStorage) else bucket_contents


# -- streams -------------------------------------------------------------------------------------


@dataclass
class ChunkSource:
    """A lazily generated stream that counts how many chunks the consumer actually pulled."""

    chunk_size: int
    chunk_count: int
    yielded: int = 0
    digest: Any = field(default_factory=hashlib.sha256)

    @property
    def total(self) -> int:
        return self.chunk_size * self.chunk_count

    def chunk(self, index: int) -> bytes:
        seed = hashlib.sha256(index.to_bytes(4, "big")).digest()
        return (seed * (self.chunk_size // len(seed) + 1))[: self.chunk_size]

    def expected_sha256(self) -> str:
        digest = hashlib.sha256()
        for index in range(self.chunk_count):
            digest.update(self.chunk(index))
        return digest.hexdigest()

    async def stream(self) -> AsyncIterator[bytes]:
        for index in range(self.chunk_count):
            self.yielded += 1
            yield self.chunk(index)


async def once(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def read_all(storage: Storage, key: str) -> bytes:
    return b"".join([chunk async for chunk in storage.open(key)])


async def raises(operation: Awaitable[Any]) -> AppError:
    with pytest.raises(AppError) as caught:
        await operation
    return caught.value


# -- uploads -------------------------------------------------------------------------------------


async def test_large_stream_round_trips_through_put_open_and_delete(
    storage: Storage, stored_state: Callable[[], set[str]]
) -> None:
    source = ChunkSource(chunk_size=300_000, chunk_count=42)  # about 12 MiB, over one S3 part
    stored = await storage.put("projects/p1/plan.bin", source.stream(), max_bytes=20 * MiB, content_type="video/mp4")

    assert stored.size == source.total
    assert stored.sha256 == source.expected_sha256()
    assert stored.content_type == "video/mp4"
    assert await storage.exists("projects/p1/plan.bin")
    info = await storage.stat("projects/p1/plan.bin")
    assert (info.size, info.content_type) == (source.total, "video/mp4")
    read_back = hashlib.sha256()
    chunk_sizes = []
    async for chunk in storage.open("projects/p1/plan.bin"):
        read_back.update(chunk)
        chunk_sizes.append(len(chunk))
    assert read_back.hexdigest() == source.expected_sha256()
    assert max(chunk_sizes) <= 64 * 1024  # streamed, not read whole

    await storage.delete("projects/p1/plan.bin")
    await storage.delete("projects/p1/plan.bin")  # deleting twice is not an error
    assert not await storage.exists("projects/p1/plan.bin")
    missing = await raises(storage.stat("projects/p1/plan.bin"))
    assert isinstance(missing, NotFound)
    assert missing.code == "file_not_found"
    with pytest.raises(NotFound):
        await read_all(storage, "projects/p1/plan.bin")
    assert not {name for name in stored_state() if "plan.bin" in name}


@pytest.mark.parametrize("storage_kind", ["s3"])
async def test_s3_uploads_in_parts_only_when_the_object_needs_more_than_one(
    storage: Storage, s3_client: S3Client
) -> None:
    assert isinstance(storage, S3Storage)
    large = ChunkSource(chunk_size=300_000, chunk_count=42)
    await storage.put("large.bin", large.stream(), max_bytes=20 * MiB, content_type="application/octet-stream")
    await storage.put("small.txt", once(b"hello"), max_bytes=MiB, content_type="text/plain")

    parts = -(-large.total // storage.part_size)
    assert s3_client.head_object(Bucket=storage.bucket, Key="large.bin")["ETag"].endswith(f'-{parts}"')
    assert "-" not in s3_client.head_object(Bucket=storage.bucket, Key="small.txt")["ETag"]
    assert s3_client.head_object(Bucket=storage.bucket, Key="small.txt")["ContentType"] == "text/plain"


@pytest.mark.parametrize("storage_kind", ["local"])
async def test_local_upload_holds_only_a_chunk_in_memory(storage: Storage) -> None:
    source = ChunkSource(chunk_size=256 * 1024, chunk_count=48)  # 12 MiB
    tracemalloc.start()
    try:
        stored = await storage.put("big.bin", source.stream(), max_bytes=20 * MiB, content_type="image/png")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert stored.size == 12 * MiB
    assert peak < 3 * MiB


async def test_oversize_stream_is_refused_just_past_the_limit_and_leaves_nothing(
    storage: Storage, stored_state: Callable[[], set[str]], storage_kind: str
) -> None:
    await storage.put("report.bin", once(b"first version"), max_bytes=MiB, content_type="text/plain")
    limit = 9 * MiB  # past one S3 part: the multipart upload has begun when the limit is crossed
    source = ChunkSource(chunk_size=256 * 1024, chunk_count=100)

    error = await raises(storage.put("report.bin", source.stream(), max_bytes=limit, content_type="text/plain"))

    assert isinstance(error, PayloadTooLarge)
    assert (error.status, error.code) == (413, "file_too_large")
    assert str(limit) in error.detail
    assert source.yielded == limit // source.chunk_size + 1  # the chunk that crossed the limit, and no more
    assert await read_all(storage, "report.bin") == b"first version"
    expected = {"report.bin", ".meta/report.bin.json"} if storage_kind == "local" else {"report.bin"}
    assert stored_state() == expected


async def test_stream_of_exactly_the_limit_is_accepted(storage: Storage) -> None:
    source = ChunkSource(chunk_size=64 * 1024, chunk_count=16)
    stored = await storage.put("exact.bin", source.stream(), max_bytes=MiB, content_type="application/pdf")
    assert stored.size == MiB
    assert source.yielded == 16


@pytest.mark.parametrize(
    "key",
    [
        "../escape.txt",
        "a/../../escape.txt",
        "/etc/passwd",
        "a//b",
        "a/",
        "a\\..\\b",
        "",
        ".hidden",
        "a/./b",
        "with space.txt",
        "%2e%2e/escape.txt",
        "ü.txt",
        "a" * 600,
    ],
)
async def test_keys_that_could_leave_the_storage_root_are_refused(
    storage: Storage, settings: Settings, key: str
) -> None:
    refusals = [
        await raises(storage.put(key, once(b"x"), max_bytes=10, content_type="text/plain")),
        await raises(read_all(storage, key)),
        await raises(storage.stat(key)),
        await raises(storage.exists(key)),
        await raises(storage.delete(key)),
        await raises(storage.signed_url(key, 60)),
    ]
    for refusal in refusals:
        assert isinstance(refusal, Invalid)
        assert refusal.code == "invalid_storage_key"
        assert refusal.errors[0].field == "key"
    assert not (settings.data_dir / "escape.txt").exists()


async def test_header_breaking_content_type_is_refused(storage: Storage) -> None:
    error = await raises(storage.put("a.txt", once(b"x"), max_bytes=10, content_type="text/html\r\nSet-Cookie: a=b"))
    assert error.code == "invalid_content_type"
    assert error.errors[0].field == "content_type"
    assert not await storage.exists("a.txt")


# -- signed links through the app (local storage) ---------------------------------------------------


@pytest.mark.parametrize("storage_kind", ["local"])
async def test_signed_link_downloads_the_file_with_safe_headers(storage: Storage, api: httpx.AsyncClient) -> None:
    await storage.put("reports/q1.txt", once(b"quarterly numbers"), max_bytes=MiB, content_type="text/plain")
    url = await storage.signed_url("reports/q1.txt", 300, download_name='../Q1 "final"\u202e ü.txt')

    response = await api.get(url)

    assert response.status_code == 200
    assert response.content == b"quarterly numbers"
    assert response.headers["content-type"] == "text/plain"
    assert response.headers["content-length"] == str(len(b"quarterly numbers"))
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"_Q1 _final_ _.txt\"; filename*=UTF-8''_Q1%20_final_%20%C3%BC.txt"
    )


@pytest.mark.parametrize("storage_kind", ["local"])
async def test_signed_link_without_a_name_shows_only_harmless_types_inline(
    storage: Storage, api: httpx.AsyncClient
) -> None:
    await storage.put("a/photo.png", once(b"\x89PNG..."), max_bytes=MiB, content_type="image/png")
    await storage.put("a/page.html", once(b"<script>alert(1)</script>"), max_bytes=MiB, content_type="text/html")

    photo = await api.get(await storage.signed_url("a/photo.png", 60))
    page = await api.get(await storage.signed_url("a/page.html", 60))

    assert (photo.status_code, photo.headers["content-disposition"]) == (200, "inline")
    assert (page.status_code, page.headers["content-disposition"]) == (200, "attachment")
    assert page.headers["content-type"] == "text/html"
    assert "default-src 'none'" in page.headers["content-security-policy"]


def _tamper(url: httpx.URL, change: str) -> httpx.URL:
    params = dict(url.params)
    if change == "signature":
        params["signature"] = ("A" if params["signature"][0] != "A" else "B") + params["signature"][1:]
    elif change == "expires":
        params["expires"] = str(int(params["expires"]) + 3600)
    elif change == "name":
        params["name"] = "other.exe"
    elif change == "key":
        return url.copy_with(path="/files/reports/secret.txt")
    elif change == "missing name":
        params.pop("name")
    return url.copy_with(params=params)


@pytest.mark.parametrize("storage_kind", ["local"])
@pytest.mark.parametrize("change", ["signature", "expires", "name", "key", "missing name"])
async def test_altered_link_is_refused(storage: Storage, api: httpx.AsyncClient, change: str) -> None:
    await storage.put("reports/q1.txt", once(b"public"), max_bytes=MiB, content_type="text/plain")
    await storage.put("reports/secret.txt", once(b"secret"), max_bytes=MiB, content_type="text/plain")
    url = httpx.URL(await storage.signed_url("reports/q1.txt", 300, download_name="q1.txt"))

    response = await api.get(_tamper(url, change))

    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "bad_signature"
    assert b"secret" not in response.content


@pytest.mark.parametrize("storage_kind", ["local"])
async def test_link_works_until_it_expires(storage: Storage, api: httpx.AsyncClient) -> None:
    await storage.put("notes.txt", once(b"notes"), max_bytes=MiB, content_type="text/plain")
    issued = utcnow()
    with time_machine.travel(issued, tick=False):
        url = await storage.signed_url("notes.txt", 60)

    with time_machine.travel(issued + timedelta(seconds=58), tick=False):
        before = await api.get(url)
    with time_machine.travel(issued + timedelta(seconds=61), tick=False):
        after = await api.get(url)

    assert before.status_code == 200
    assert before.content == b"notes"
    assert after.status_code == 403
    assert after.headers["content-type"] == PROBLEM
    assert after.json()["code"] == "link_expired"


@pytest.mark.parametrize("storage_kind", ["local"])
async def test_link_to_a_deleted_file_is_not_found(storage: Storage, api: httpx.AsyncClient) -> None:
    await storage.put("gone.txt", once(b"bye"), max_bytes=MiB, content_type="text/plain")
    url = await storage.signed_url("gone.txt", 60)
    await storage.delete("gone.txt")

    response = await api.get(url)

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "file_not_found"


@pytest.mark.parametrize("storage_kind", ["local"])
async def test_link_with_a_malformed_expiry_names_the_field(api: httpx.AsyncClient) -> None:
    response = await api.get("/files/notes.txt", params={"expires": "soon", "signature": "x"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "expires"


# -- S3 links -------------------------------------------------------------------------------------


@pytest.mark.parametrize("storage_kind", ["s3"])
async def test_presigned_s3_link_fetches_the_object(storage: Storage) -> None:
    await storage.put("docs/plan.pdf", once(b"%PDF-1.7 plan"), max_bytes=MiB, content_type="application/pdf")
    url = await storage.signed_url("docs/plan.pdf", 300, download_name="Sprint plan.pdf")

    async with httpx.AsyncClient() as client:
        response = await client.get(url)

    assert "X-Amz-Signature=" in url
    assert response.status_code == 200
    assert response.content == b"%PDF-1.7 plan"
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith('attachment; filename="Sprint plan.pdf"')


@pytest.mark.parametrize("storage_kind", ["s3"])
async def test_app_route_serves_no_files_of_an_s3_backend(storage: Storage, api: httpx.AsyncClient) -> None:
    await storage.put("docs/plan.pdf", once(b"%PDF"), max_bytes=MiB, content_type="application/pdf")
    response = await api.get("/files/docs/plan.pdf", params={"expires": "9999999999", "signature": "x"})
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM


# -- configuration and readiness ------------------------------------------------------------------


async def test_readiness_and_backends_include_storage(api: httpx.AsyncClient, infra: Infrastructure) -> None:
    response = await api.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["storage"] == "ok"
    assert infra.backends()["storage"].startswith(("local folder", "s3 bucket"))


@pytest.mark.parametrize("storage_kind", ["s3_without_bucket"])
async def test_missing_bucket_makes_the_process_not_ready(api: httpx.AsyncClient, infra: Infrastructure) -> None:
    response = await api.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "failing"
    assert "secret" not in infra.backends()["storage"]


@pytest.mark.parametrize(
    ("storage_url", "message"),
    [
        ("ftp://files.example.com/x", "unsupported scheme 'ftp'"),
        ("file://relative/path", "absolute path"),
        ("s3://", "is not a bucket name"),
        ("s3://Bad_Bucket", "is not a bucket name"),
        ("s3://bucket/prefix", "names a bucket only"),
        ("s3://bucket?endpoint=minio:9000", "endpoint must be an http"),
        ("s3://bucket?regoin=auto", "unknown parameter(s) regoin"),
        ("s3://bucket?access_key=only-the-key", "both access_key and secret_key"),
        ("s3://key:hunter2@bucket", "access_key and secret_key parameters"),
    ],
)
def test_malformed_storage_url_stops_startup_with_a_clear_message(
    tmp_path: Path, storage_url: str, message: str
) -> None:
    settings = Settings(
        _env_file=None, data_dir=tmp_path, storage_url=storage_url, log_level="WARNING", log_format="console"
    )
    with pytest.raises(StorageUrlError) as caught:
        create_app(settings)
    assert message in str(caught.value)
    assert str(caught.value).startswith("FAIRLX_STORAGE_URL:")
    assert "hunter2" not in str(caught.value)
