"""What every benchmark needs: uvicorn servers as subprocesses on loopback ports (always stopped
afterwards), load driven from a second process (`wrk` when installed, otherwise `bench.loadgen`),
and a result that sets a figure against a ceiling measured in the same run."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO_ROOT / "bench" / "results"
STARTUP_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class BenchmarkResult:
    """`ratio` is how many times slower the measured system is than its ceiling (1.0: as fast)."""

    name: str
    ratio: float
    threshold: float
    figures: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.ratio <= self.threshold and not self.problems


@dataclass(frozen=True)
class LoadResult:
    requests_per_second: float
    p50_ms: float | None
    p99_ms: float | None
    errors: int


def write_results(name: str, payload: Mapping[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return path


# --- servers -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def uvicorn_options() -> list[str]:
    """The same options for every server, so only the application differs between them."""
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return ["--no-access-log", "--workers", "1", "--loop", loop, "--http", http, "--log-level", "warning"]


@contextlib.contextmanager
def uvicorn_server(
    target: str, *, env: Mapping[str, str], cwd: Path, log_path: Path, factory: bool = False
) -> Iterator[str]:
    """Serve `target` (`module:attribute`) on a free loopback port; yields the base URL and stops the
    process on the way out, whatever happened meanwhile."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port)]
    command += [*uvicorn_options(), "--app-dir", str(REPO_ROOT)] + (["--factory"] if factory else [])
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=dict(env), cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    try:
        base_url = f"http://127.0.0.1:{port}"
        _wait_until_serving(process, base_url, log_path)
        yield base_url
    finally:
        _stop(process)


def _wait_until_serving(process: subprocess.Popen[bytes], base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    with httpx.Client(trust_env=False, timeout=1.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}:\n{_tail(log_path)}")
            with contextlib.suppress(httpx.TransportError):
                if client.get(f"{base_url}/healthz").status_code == 200:
                    return
            time.sleep(0.1)
    raise RuntimeError(f"server did not answer within {STARTUP_TIMEOUT_SECONDS:.0f}s:\n{_tail(log_path)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def clean_environment(overrides: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without any FAIRLX_* setting, plus `overrides`: a developer's own
    settings must not leak into a benchmark."""
    kept = {name: value for name, value in os.environ.items() if not name.startswith("FAIRLX_")}
    return {**kept, **overrides}


# --- load ------------------------------------------------------------------------------------------


def load_tool() -> str:
    return "wrk" if shutil.which("wrk") else "bench.loadgen"


def drive_load(url: str, *, connections: int, seconds: float) -> LoadResult:
    if load_tool() == "wrk":
        return _drive_with_wrk(url, connections, seconds)
    return _drive_with_loadgen(url, connections, seconds)


def _drive_with_loadgen(url: str, connections: int, seconds: float) -> LoadResult:
    command = [
        sys.executable,
        "-m",
        "bench.loadgen",
        url,
        "--connections",
        str(connections),
        "--duration",
        str(seconds),
    ]
    return LoadResult(**json.loads(run_command(command, cwd=REPO_ROOT, timeout=seconds + 30)))


def _drive_with_wrk(url: str, connections: int, seconds: float) -> LoadResult:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency", url]
    return parse_wrk(run_command(command, timeout=seconds + 30))


def run_command(
    command: list[str], *, timeout: float, cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> str:
    """Run a helper process to completion and return its output; its error output becomes the message
    when it fails."""
    completed = subprocess.run(
        command,
        check=False,
        cwd=cwd,
        env=None if env is None else dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {completed.returncode}:\n{completed.stderr[-2000:]}")
    return completed.stdout


_WRK_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_WRK_PERCENTILE = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
_WRK_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_WRK_SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_MILLISECONDS_PER_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_wrk(output: str) -> LoadResult:
    rate = _WRK_RATE.search(output)
    if rate is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    percentiles = {
        quantile: float(value) * _MILLISECONDS_PER_UNIT[unit]
        for quantile, value, unit in _WRK_PERCENTILE.findall(output)
    }
    non_2xx = _WRK_NON_2XX.search(output)
    socket_errors = _WRK_SOCKET_ERRORS.search(output)
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (
        sum(int(count) for count in socket_errors.groups()) if socket_errors else 0
    )
    return LoadResult(float(rate.group(1)), percentiles.get("50"), percentiles.get("99"), errors)
