"""Gap-free counters, one per (name, scope): task numbers per project, say.

`next_value` increments the row inside the caller's transaction with one upsert, so concurrent callers
queue on the row lock (PostgreSQL) or the write lock (SQLite) and each gets the next number; a rolled
back transaction gives its number back, so the sequence has no gaps and no duplicates.
"""

from __future__ import annotations

import uuid

from sqlalchemy import String, Uuid
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from fairlx.core.db.base import Base


class Counter(Base):
    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    scope_id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)


async def next_value(db: AsyncSession, name: str, scope_id: uuid.UUID, *, count: int = 1) -> int:
    """Reserve `count` consecutive values and return the first of them."""
    insert = postgres_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(Counter)
        .values(name=name, scope_id=scope_id, last_value=count)
        .on_conflict_do_update(
            index_elements=[Counter.name, Counter.scope_id],
            set_={"last_value": Counter.last_value + count},
        )
        .returning(Counter.last_value)
    )
    last = (await db.execute(statement)).scalar_one()
    return int(last) - count + 1
