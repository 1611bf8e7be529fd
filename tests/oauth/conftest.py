from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tests.support.assets import require_built_assets
from tests.support.oauth_provider import LoopbackProvider, loopback_provider


@pytest.fixture(scope="session", autouse=True)
def asset_manifest() -> dict[str, str]:
    """The callback and settings pages need the built front-end."""
    return require_built_assets()


@pytest_asyncio.fixture(scope="session")
async def provider_server() -> AsyncIterator[LoopbackProvider]:
    async with loopback_provider() as provider:
        yield provider


@pytest.fixture
def provider(provider_server: LoopbackProvider) -> LoopbackProvider:
    """The loopback Google and GitHub, forgetting the previous test's codes and settings."""
    provider_server.reset()
    return provider_server


@pytest.fixture
def settings_overrides(provider: LoopbackProvider) -> dict[str, Any]:
    return provider.settings()
