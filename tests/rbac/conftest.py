"""The tenant world every authorization test works in."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from fairlx.core.infrastructure import Infrastructure
from fairlx.settings import Settings
from tests.support.accounts import Drain, use_session
from tests.support.tenancy import SIGNED_IN_PERSONAS, World, tenant_world


@pytest.fixture
async def world(app: FastAPI, settings: Settings, infra: Infrastructure, drain: Drain) -> AsyncIterator[World]:
    async with tenant_world(app, settings, infra, drain) as built:
        for persona in SIGNED_IN_PERSONAS:
            use_session(built.clients[persona], settings)
        yield built
