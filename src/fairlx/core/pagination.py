"""Keyset pagination for every list: `?limit=&cursor=` (at most 200 rows a page), answered as
`{items, next_cursor}`. The cursor is the sort value and id of the last row of the previous page,
opaque to clients; a cursor we did not give out is a 422 naming `cursor`."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from fairlx.core.errors import Invalid

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

Row = TypeVar("Row")

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
CursorParam = Annotated[str | None, Query(max_length=500)]


@dataclass(frozen=True)
class Page(Generic[Row]):
    items: list[Row]
    next_cursor: str | None


def encode_cursor(value: Any, row_id: uuid.UUID) -> str:
    raw = json.dumps([value, str(row_id)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, kind: type[Any]) -> tuple[Any, uuid.UUID]:
    """The (sort value, id) a cursor carries; a cursor that was not ours is a 422 on `cursor`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, row_id = json.loads(raw)
        if kind is float and isinstance(value, int):
            value = float(value)
        if not isinstance(value, kind):
            raise TypeError(value)
        return value, uuid.UUID(row_id)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise Invalid("cursor_invalid", field="cursor", detail="The cursor is not one this list gave out.") from None


def after(
    cursor: str | None, sort: InstrumentedAttribute[Any], id_column: InstrumentedAttribute[uuid.UUID], kind: type[Any]
) -> ColumnElement[bool] | None:
    """The condition selecting rows after the cursor in (sort, id) order; None on the first page."""
    if cursor is None:
        return None
    value, row_id = decode_cursor(cursor, kind)
    return or_(sort > value, and_(sort == value, id_column > row_id))


def after_id(cursor: str | None, id_column: InstrumentedAttribute[uuid.UUID]) -> ColumnElement[bool] | None:
    """The condition selecting rows after the cursor in id order (ids are time-ordered)."""
    last = last_id(cursor)
    return None if last is None else id_column > last


def last_id(cursor: str | None) -> uuid.UUID | None:
    """The id a cursor of an id-ordered list carries (None on the first page)."""
    if not cursor:
        return None
    _, row_id = decode_cursor(cursor, int)
    return row_id


def id_cursor(row_id: uuid.UUID) -> str:
    """The cursor after `row_id` in an id-ordered list."""
    return encode_cursor(0, row_id)


def page_of(rows: Sequence[Row], limit: int, key: Any) -> Page[Row]:
    """`rows` was fetched with `limit + 1`: the extra row, if present, says another page follows."""
    items = list(rows[:limit])
    if len(rows) <= limit or not items:
        return Page(items, None)
    value, row_id = key(items[-1])
    return Page(items, encode_cursor(value, row_id))
