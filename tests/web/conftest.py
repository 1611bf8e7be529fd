from __future__ import annotations

import pytest

from tests.support.assets import require_built_assets


@pytest.fixture(scope="session", autouse=True)
def asset_manifest() -> dict[str, str]:
    return require_built_assets()
