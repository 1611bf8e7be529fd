"""Page tests need the built front-end: fail loudly (never skip) when it is missing."""

from __future__ import annotations

import json

import pytest

from fairlx.web.assets import DIST_DIR, MANIFEST_PATH


def require_built_assets() -> dict[str, str]:
    """The build's manifest; fails the tests with the command to run when the assets are not built."""
    if not MANIFEST_PATH.exists():
        pytest.fail(
            f"The front-end assets are not built ({MANIFEST_PATH} is missing): run `make assets`.", pytrace=False
        )
    manifest: dict[str, str] = json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))
    missing = sorted(name for name in manifest.values() if not (DIST_DIR / name).exists())
    if missing:
        pytest.fail(f"The asset build is incomplete ({', '.join(missing)} missing): run `make assets`.", pytrace=False)
    return manifest
