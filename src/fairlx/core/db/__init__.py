from fairlx.core.db.base import Base, IdMixin, TimestampMixin, new_id
from fairlx.core.db.engine import Database, after_commit, commit_then_raise
from fairlx.core.db.types import JSONType, SortKey, UTCDateTime, enum_column

__all__ = [
    "Base",
    "Database",
    "IdMixin",
    "JSONType",
    "SortKey",
    "TimestampMixin",
    "UTCDateTime",
    "after_commit",
    "commit_then_raise",
    "enum_column",
    "new_id",
]
