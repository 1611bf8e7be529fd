"""Pick the storage backend from `FAIRLX_STORAGE_URL`.

- `file:///absolute/path`: local disk (the default is `files/` in the data folder).
- `s3://bucket?endpoint=https://host:port&region=auto`: an S3-compatible bucket. Without `endpoint`,
  AWS S3 itself. Credentials come from the standard AWS chain (`AWS_ACCESS_KEY_ID` and
  `AWS_SECRET_ACCESS_KEY`, `AWS_PROFILE`, an instance role, ...) unless the URL carries
  `access_key=...&secret_key=...` (URL-encoded). Cloudflare R2:
  `s3://bucket?endpoint=https://<account>.r2.cloudflarestorage.com&region=auto`; MinIO:
  `s3://bucket?endpoint=http://minio:9000&region=us-east-1`.

A URL that cannot work fails at startup with a message saying what is wrong (never echoing secrets).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

from fairlx.core.storage.base import Storage
from fairlx.core.storage.local import LocalStorage
from fairlx.core.storage.s3 import S3Location, S3Storage
from fairlx.core.storage.signing import DownloadSigner
from fairlx.settings import Settings

_S3_PARAMETERS = frozenset({"endpoint", "region", "access_key", "secret_key"})
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_EXAMPLES = "file:///srv/fairlx/files or s3://bucket?endpoint=https://host&region=auto"


class StorageUrlError(ValueError):
    def __init__(self, problem: str) -> None:
        super().__init__(f"FAIRLX_STORAGE_URL: {problem} (expected {_EXAMPLES})")


def build_storage(settings: Settings) -> Storage:
    parsed = urlsplit(settings.effective_storage_url)
    if parsed.scheme == "file":
        return LocalStorage(
            _local_root(parsed), signer=DownloadSigner(settings.signing_key), public_url=settings.public_url
        )
    if parsed.scheme == "s3":
        return S3Storage(_s3_location(parsed))
    raise StorageUrlError(f"unsupported scheme {parsed.scheme!r}")


def _local_root(parsed: SplitResult) -> Path:
    if parsed.netloc not in {"", "localhost"} or not parsed.path.startswith("/"):
        raise StorageUrlError("a file URL needs an absolute path, with three slashes after 'file:'")
    if parsed.query:
        raise StorageUrlError("a file URL takes no query parameters")
    return Path(unquote(parsed.path))


def _s3_location(parsed: SplitResult) -> S3Location:
    if "@" in parsed.netloc:
        raise StorageUrlError("put S3 credentials in access_key and secret_key parameters, not before the bucket")
    bucket = parsed.netloc
    if not _BUCKET.fullmatch(bucket):
        raise StorageUrlError(f"{bucket!r} is not a bucket name (3 to 63 lowercase letters, digits, '.' or '-')")
    if parsed.path not in {"", "/"}:
        raise StorageUrlError("an S3 URL names a bucket only, without a path")
    parameters = _single_values(parsed.query)
    unknown = set(parameters) - _S3_PARAMETERS
    if unknown:
        raise StorageUrlError(
            f"unknown parameter(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(_S3_PARAMETERS))}"
        )
    if ("access_key" in parameters) != ("secret_key" in parameters):
        raise StorageUrlError("give both access_key and secret_key, or neither")
    endpoint = parameters.get("endpoint")
    if endpoint is not None:
        parsed_endpoint = urlsplit(endpoint)
        if parsed_endpoint.scheme not in {"http", "https"} or not parsed_endpoint.hostname:
            raise StorageUrlError("endpoint must be an http:// or https:// URL")
    return S3Location(
        bucket=bucket,
        endpoint_url=endpoint,
        region=parameters.get("region"),
        access_key=parameters.get("access_key"),
        secret_key=parameters.get("secret_key"),
    )


def _single_values(query: str) -> dict[str, str]:
    values = parse_qs(query, keep_blank_values=True)
    repeated = sorted(name for name, given in values.items() if len(given) > 1)
    if repeated:
        raise StorageUrlError(f"parameter(s) given twice: {', '.join(repeated)}")
    empty = sorted(name for name, given in values.items() if not given[0])
    if empty:
        raise StorageUrlError(f"empty parameter(s): {', '.join(empty)}")
    return {name: given[0] for name, given in values.items()}
