"""The modules that declare tables. Alembic and the test harness import them all through `load_models`."""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData

from fairlx.core.db.base import Base

MODEL_MODULES = (
    "fairlx.core.outbox.models",
    "fairlx.core.db.counters",
    "fairlx.auth.models",
    "fairlx.twofactor.models",
    "fairlx.oauth.models",
    "fairlx.apitokens.models",
    "fairlx.orgs.models",
    "fairlx.workspaces.models",
    "fairlx.spaces.models",
    "fairlx.programs.models",
    "fairlx.projects.models",
    "fairlx.workflows.models",
    "fairlx.fields.models",
    "fairlx.tasks.models",
    "fairlx.views.models",
)


def load_models() -> MetaData:
    for module in MODEL_MODULES:
        importlib.import_module(module)
    return Base.metadata
