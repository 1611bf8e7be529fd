"""File storage: local disk (embedded) or an S3-compatible bucket (production), behind one protocol."""

from fairlx.core.storage.base import ObjectInfo, Storage, StoredObject
from fairlx.core.storage.disposition import content_disposition, safe_download_name
from fairlx.core.storage.factory import StorageUrlError, build_storage
from fairlx.core.storage.local import LocalStorage
from fairlx.core.storage.s3 import S3Storage

__all__ = [
    "LocalStorage",
    "ObjectInfo",
    "S3Storage",
    "Storage",
    "StorageUrlError",
    "StoredObject",
    "build_storage",
    "content_disposition",
    "safe_download_name",
]
