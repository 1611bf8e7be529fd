"""Built browser assets: `frontend/build.mjs` writes content-hashed files and `manifest.json` into
`static/dist/`. `asset("app.js")` answers the hashed URL; `/static/...` serves the files, caching
hashed ones forever (their name changes whenever their content does)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import anyio
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).parent / "static"
DIST_DIR = STATIC_DIR / "dist"
MANIFEST_PATH = DIST_DIR / "manifest.json"
FAVICON_PATH = STATIC_DIR / "favicon.svg"
STATIC_URL_PREFIX = "/static/"

IMMUTABLE_CACHE = "public, max-age=31536000, immutable"
SHORT_CACHE = "public, max-age=300"
_HASHED_NAME = re.compile(r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$")


class AssetsNotBuilt(RuntimeError):
    def __init__(self, path: Path) -> None:
        super().__init__(f"The front-end assets are not built ({path} is missing): run `make assets`.")


class UnknownAsset(LookupError):
    pass


class AssetManifest:
    """The build's manifest, parsed once and again only when a rebuild replaces the file."""

    def __init__(self, path: Path = MANIFEST_PATH) -> None:
        self.path = path
        self._entries: dict[str, str] = {}
        self._loaded_version: int | None = None

    def url(self, logical_name: str) -> str:
        entries = self._current()
        if logical_name not in entries:
            raise UnknownAsset(f"{logical_name!r} is not in {self.path}; known: {', '.join(sorted(entries))}")
        return STATIC_URL_PREFIX + entries[logical_name]

    def _current(self) -> dict[str, str]:
        try:
            version = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            raise AssetsNotBuilt(self.path) from None
        if version != self._loaded_version:
            self._entries = json.loads(self.path.read_text(encoding="utf-8"))
            self._loaded_version = version
        return self._entries


def is_hashed(file_name: str) -> bool:
    return _HASHED_NAME.search(file_name) is not None


class StaticAssets(StaticFiles):
    """`static/dist` with long-lived caching for hashed files and a short one for anything else."""

    def file_response(
        self, full_path: PathLike, stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["cache-control"] = IMMUTABLE_CACHE if is_hashed(Path(full_path).name) else SHORT_CACHE
        return response

    async def check_config(self) -> None:
        """Before the first build there is no folder: every file is simply not found."""
        if self.directory is not None and not await anyio.to_thread.run_sync(os.path.isdir, self.directory):
            raise HTTPException(status_code=404)
        await super().check_config()


def static_files() -> StaticAssets:
    """The `/static` mount. The folder may not exist yet (assets not built): requests then get 404s."""
    return StaticAssets(directory=DIST_DIR, check_dir=False)
