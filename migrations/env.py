"""Alembic environment: async engine, batch mode on SQLite so column changes work there too."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from fairlx.core.db.engine import Database
from fairlx.core.db.registry import load_models
from fairlx.search.fulltext import SEARCH_OBJECTS

target_metadata = load_models()


def outside_search_index(_object: object, name: str | None, _type: str, reflected: bool, compare_to: object) -> bool:
    """The full-text index lives beside the models (see `fairlx.search.fulltext`): not drift."""
    return not (reflected and compare_to is None and name in SEARCH_OBJECTS)


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=True,
        include_object=outside_search_index,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_online(database_url: str) -> None:
    database = Database(database_url)
    try:
        async with database.engine.connect() as connection:
            await connection.run_sync(run_with)
            await connection.commit()
    finally:
        await database.dispose()


def main() -> None:
    url = context.config.attributes.get("database_url") or context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: run migrations through `fairlx migrate`")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(run_online(url))


main()
