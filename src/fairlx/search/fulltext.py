"""Full-text search over tasks, on whichever database is in use.

The index is kept current by the database (migration 0004): on PostgreSQL a generated, weighted
`tasks.search_vector` (key and title weigh A, description B) with a GIN index; on SQLite an FTS5 table
fed by triggers. `task_matches` turns words typed by a person into a ranked subquery of task ids (with
the title and a passage of the description, matches marked), so the caller can join it with its own
permission filter.

A migration that rebuilds `tasks` on SQLite (batch mode) drops its triggers: recreate them after it.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import Float, Select, String, Uuid, column, func, literal_column, select, table, text
from sqlalchemy.sql.elements import ColumnElement

from fairlx.tasks.models import Task

# Database objects the search index adds beside the models; migrations' drift check ignores them.
SEARCH_OBJECTS = frozenset(
    {"search_vector", "ix_tasks_search_vector", "tasks_fts_rows"}
    | {f"tasks_fts{suffix}" for suffix in ("", "_data", "_idx", "_content", "_docsize", "_config")}
)
# Letters and digits only: quotes, operators (`&`, `|`, `!`, `*`, `:`, parentheses) and punctuation
# separate words, as both databases' tokenizers do, so no input can be a query syntax error.
WORD = re.compile(r"[^\W_]+")
MAX_TERMS = 8
# "WEB-12" or "web 12": a task key, found first. PostgreSQL's parser reads "WEB-12" as "web" and "-12",
# so keys are matched on the column too, not only through the index.
KEY_REFERENCE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9]{1,9})(?:\s*-\s*|\s+)([0-9]{1,9})\s*$")

# Private-use characters around matches in the database's excerpts; `marked_html` turns them into
# <mark> once the rest is escaped.
MARK_START = "\ue000"
MARK_STOP = "\ue001"
SNIPPET_WORDS = 18
ELLIPSIS = "…"
FRAGMENTS = f'MaxFragments=2, FragmentDelimiter=" {ELLIPSIS} "'


def search_terms(query: str) -> list[str]:
    """The words of `query`, lowercased, at most `MAX_TERMS` of them: everything else (quotes,
    operators, punctuation) is dropped."""
    return [word.lower() for word in WORD.findall(query)][:MAX_TERMS]


def key_reference(query: str) -> str | None:
    """The task key `query` names ("web 12" and "WEB-12" both name `WEB-12`), if it looks like one."""
    found = KEY_REFERENCE.match(query)
    return f"{found[1]}-{found[2]}".upper() if found else None


def marked_html(excerpt: str) -> Markup:
    """An excerpt from `task_matches` as HTML: escaped, with each match in <mark>."""
    return Markup(str(escape(excerpt)).replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>"))  # noqa: S704 (escaped first)


def plain_excerpt(description: str | None) -> str:
    """The opening words of a description, for a task found by its key rather than its words."""
    words = (description or "").split()
    return " ".join(words[:SNIPPET_WORDS]) + (f" {ELLIPSIS}" if len(words) > SNIPPET_WORDS else "")


def task_matches(dialect: str, terms: list[str], *, excerpts: bool = False) -> Select[Any]:
    """`(task_id, rank)` rows of the tasks matching every term (the last one as a prefix, since people
    search while they type); a lower rank is a better match. With `excerpts`, also `title` and
    `snippet` (a passage of the description), with `MARK_START`/`MARK_STOP` around the matches."""
    if not terms:
        raise ValueError("a search needs at least one term")
    if dialect == "postgresql":
        return _postgres_matches(terms, excerpts)
    return _sqlite_matches(terms, excerpts)


def _postgres_matches(terms: list[str], excerpts: bool) -> Select[Any]:
    expression = " & ".join([*terms[:-1], f"{terms[-1]}:*"])
    english = func.to_tsquery(literal_column("'english'::regconfig"), expression)
    simple = func.to_tsquery(literal_column("'simple'::regconfig"), expression)
    either = english.op("||")(simple)
    vector: ColumnElement[Any] = literal_column("tasks.search_vector")
    matches: ColumnElement[bool] = vector.op("@@")(english) | vector.op("@@")(simple)
    rank = -func.ts_rank_cd(vector, either, type_=Float)
    rows = select(Task.id.label("task_id"), rank.label("rank")).where(matches)
    if not excerpts:
        return rows
    marks = f"StartSel={MARK_START}, StopSel={MARK_STOP}"
    english_config: ColumnElement[Any] = literal_column("'english'::regconfig")
    title = func.ts_headline(english_config, Task.title, either, f"{marks}, HighlightAll=true", type_=String)
    snippet = func.ts_headline(
        english_config,
        func.coalesce(Task.description, ""),
        either,
        f"{marks}, MaxWords={SNIPPET_WORDS}, MinWords={SNIPPET_WORDS // 2}, {FRAGMENTS}",
        type_=String,
    )
    return rows.add_columns(title.label("title"), snippet.label("snippet"))


FTS = table("tasks_fts", column("rowid"))
FTS_ROWS = table("tasks_fts_rows", column("rowid"), column("task_id", Uuid()))


def _sqlite_matches(terms: list[str], excerpts: bool) -> Select[Any]:
    expression = " ".join([*(f'"{term}"' for term in terms[:-1]), f'"{terms[-1]}"*'])
    rank = literal_column("bm25(tasks_fts, 10.0, 10.0, 2.0)", Float)
    rows = (
        select(FTS_ROWS.c.task_id.label("task_id"), rank.label("rank"))
        .select_from(FTS.join(FTS_ROWS, FTS_ROWS.c.rowid == FTS.c.rowid))
        .where(text("tasks_fts MATCH :fts_query").bindparams(fts_query=expression))
    )
    if not excerpts:
        return rows
    fts: ColumnElement[Any] = literal_column("tasks_fts")
    title = func.highlight(fts, 1, MARK_START, MARK_STOP, type_=String)
    snippet = func.snippet(fts, 2, MARK_START, MARK_STOP, ELLIPSIS, SNIPPET_WORDS, type_=String)
    return rows.add_columns(title.label("title"), snippet.label("snippet"))
