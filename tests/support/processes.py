"""Real `fairlx` processes for system tests: started with an explicit environment, awaited until they
answer, and always stopped."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path

import httpx

FAIRLX = str(Path(sys.executable).with_name("fairlx"))
STARTUP_TIMEOUT_SECONDS = 60.0


def clean_environment(**settings: str) -> dict[str, str]:
    """The process environment without any FAIRLX_* setting of the developer's, plus `settings`."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("FAIRLX_")}
    return env | settings


async def run_command(*args: str, env: Mapping[str, str], cwd: Path) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        FAIRLX, *args, env=dict(env), cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode()


@contextlib.asynccontextmanager
async def running(
    *args: str, env: Mapping[str, str], cwd: Path, log: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            FAIRLX, *args, env=dict(env), cwd=cwd, stdout=output, stderr=asyncio.subprocess.STDOUT
        )
        try:
            yield process
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(process.wait(), timeout=20)
                except TimeoutError:
                    process.kill()
                    await process.wait()


async def eventually(check: Callable[[], object], *, within: float = STARTUP_TIMEOUT_SECONDS, what: str) -> None:
    """Poll another process's observable state until `check` holds (awaitable or plain)."""
    deadline = asyncio.get_running_loop().time() + within
    last_error: Exception | None = None
    while asyncio.get_running_loop().time() < deadline:
        try:
            outcome = check()
            if asyncio.iscoroutine(outcome):
                outcome = await outcome
            if outcome:
                return
        except (httpx.HTTPError, OSError) as error:
            last_error = error
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what} (last error: {last_error})")


async def wait_until_serving(base_url: str, process: asyncio.subprocess.Process, log: Path) -> None:
    async def answers() -> bool:
        if process.returncode is not None:
            raise AssertionError(f"the server exited with {process.returncode}; see {log}")
        async with httpx.AsyncClient() as client:
            return (await client.get(f"{base_url}/healthz", timeout=2)).status_code == 200

    await eventually(answers, what=f"{base_url} to answer")
