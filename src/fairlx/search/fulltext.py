"""Full-text search over tasks, on whichever database is in use.

The index is kept current by the database (migration 0004): on PostgreSQL a generated, weighted
`tasks.search_vector` (key and title weigh A, description B) with a GIN index; on SQLite an FTS5 table
fed by triggers. `task_matches` turns words typed by a person into a ranked subquery of task ids, so
the caller can join it with its own permission filter.

A migration that rebuilds `tasks` on SQLite (batch mode) drops its triggers: recreate them after it.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Float, Select, Uuid, column, func, literal_column, select, table, text
from sqlalchemy.sql.elements import ColumnElement

from fairlx.tasks.models import Task

# Database objects the search index adds beside the models; migrations' drift check ignores them.
SEARCH_OBJECTS = frozenset(
    {"search_vector", "ix_tasks_search_vector", "tasks_fts_rows"}
    | {f"tasks_fts{suffix}" for suffix in ("", "_data", "_idx", "_content", "_docsize", "_config")}
)
WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 8


def search_terms(query: str) -> list[str]:
    """The words of `query`, lowercased, at most `MAX_TERMS` of them: everything else (quotes,
    operators, punctuation) is dropped, so no input can be a syntax error."""
    return [word.lower() for word in WORD.findall(query)][:MAX_TERMS]


def task_matches(dialect: str, terms: list[str]) -> Select[tuple[object, float]]:
    """`(task_id, rank)` rows of the tasks matching every term (the last one as a prefix, since people
    search while they type); a lower rank is a better match."""
    if dialect == "postgresql":
        return _postgres_matches(terms)
    return _sqlite_matches(terms)


def _postgres_matches(terms: list[str]) -> Select[tuple[object, float]]:
    expression = " & ".join([*terms[:-1], f"{terms[-1]}:*"])
    query = func.to_tsquery(literal_column("'english'::regconfig"), expression)
    simple = func.to_tsquery(literal_column("'simple'::regconfig"), expression)
    vector: ColumnElement[Any] = literal_column("tasks.search_vector")
    matches: ColumnElement[bool] = vector.op("@@")(query) | vector.op("@@")(simple)
    rank = -func.ts_rank_cd(vector, query.op("||")(simple), type_=Float)
    return select(Task.id.label("task_id"), rank.label("rank")).where(matches)


FTS = table("tasks_fts", column("rowid"))
FTS_ROWS = table("tasks_fts_rows", column("rowid"), column("task_id", Uuid()))


def _sqlite_matches(terms: list[str]) -> Select[tuple[object, float]]:
    expression = " ".join([*(f'"{term}"' for term in terms[:-1]), f'"{terms[-1]}"*'])
    rank = literal_column("bm25(tasks_fts, 10.0, 10.0, 2.0)", Float)
    return (
        select(FTS_ROWS.c.task_id.label("task_id"), rank.label("rank"))
        .select_from(FTS.join(FTS_ROWS, FTS_ROWS.c.rowid == FTS.c.rowid))
        .where(text("tasks_fts MATCH :fts_query").bindparams(fts_query=expression))
    )
