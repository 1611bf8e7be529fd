"""What the full Fairlx stack (FastAPI, the middleware pipeline, embedded infrastructure) costs on its
cheapest route, against a ceiling measured in the same run: a bare ASGI app under the same uvicorn
options that returns the same bytes. The full app keeps its default settings (health checks are
never rate-limited)."""

from __future__ import annotations

import contextlib
import statistics
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import httpx

from bench.harness import (
    REPO_ROOT,
    BenchmarkResult,
    LoadResult,
    clean_environment,
    drive_load,
    load_tool,
    run_command,
    uvicorn_options,
    uvicorn_server,
    write_results,
)

NAME = "healthz_overhead"
THRESHOLD = 15.0  # bare requests/s over full requests/s; a regression shows up long before this
CONNECTIONS = 32
WARMUP_SECONDS = 2.0
ROUND_SECONDS = 5.0
ROUNDS = 3
PER_RESPONSE_HEADERS = frozenset({"date", "x-request-id"})
NOTE = "full stack with default settings: embedded backends, every middleware on"


def run_benchmark() -> BenchmarkResult:
    with tempfile.TemporaryDirectory(prefix="fairlx-bench-") as scratch:
        workdir = Path(scratch)
        full_env = _full_stack_environment(workdir / "data")
        _migrate(full_env, workdir)
        with contextlib.ExitStack() as servers:
            full_url = servers.enter_context(
                uvicorn_server(
                    "fairlx.app:create_app", factory=True, env=full_env, cwd=workdir, log_path=workdir / "full.log"
                )
            )
            bare_url = servers.enter_context(
                uvicorn_server(
                    "bench.bare_healthz:app", env=clean_environment({}), cwd=workdir, log_path=workdir / "bare.log"
                )
            )
            problems = _compare_responses(f"{full_url}/healthz", f"{bare_url}/healthz")
            samples = _measure_alternating({"full": f"{full_url}/healthz", "bare": f"{bare_url}/healthz"})
    return _summarize(samples, problems)


def _full_stack_environment(data_dir: Path) -> dict[str, str]:
    return clean_environment(
        {
            "FAIRLX_DATA_DIR": str(data_dir),
            "FAIRLX_DISPATCHER": "off",
            "FAIRLX_LOG_LEVEL": "WARNING",
            "FAIRLX_LOG_FORMAT": "json",
            # what `fairlx serve` does: metric samples go to files shared by the processes
            "PROMETHEUS_MULTIPROC_DIR": str(_created(data_dir / "metrics")),
        }
    )


def _created(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _migrate(env: dict[str, str], cwd: Path) -> None:
    fairlx = Path(sys.executable).with_name("fairlx")
    run_command([str(fairlx), "migrate"], env=env, cwd=cwd, timeout=120)


def _compare_responses(full_url: str, bare_url: str) -> list[str]:
    """The ceiling only means something if it sends what Fairlx sends."""
    with httpx.Client(trust_env=False) as client:
        full, bare = client.get(full_url), client.get(bare_url)
    problems = []
    if (full.status_code, full.content) != (bare.status_code, bare.content):
        problems.append(f"bodies differ: {full.status_code} {full.content!r} vs {bare.status_code} {bare.content!r}")
    if _stable_headers(full) != _stable_headers(bare):
        problems.append(f"headers differ: {_stable_headers(full)} vs {_stable_headers(bare)}")
    if not all(name in response.headers for response in (full, bare) for name in PER_RESPONSE_HEADERS):
        problems.append(f"both answers must carry {sorted(PER_RESPONSE_HEADERS)}")
    return problems


def _stable_headers(response: httpx.Response) -> list[tuple[str, str]]:
    return sorted((name, value) for name, value in response.headers.items() if name not in PER_RESPONSE_HEADERS)


def _measure_alternating(urls: dict[str, str]) -> dict[str, list[LoadResult]]:
    """Alternate the targets round by round, so drift on a busy machine hits both alike."""
    for url in urls.values():
        drive_load(url, connections=CONNECTIONS, seconds=WARMUP_SECONDS)
    samples: dict[str, list[LoadResult]] = {target: [] for target in urls}
    for round_number in range(1, ROUNDS + 1):
        for target, url in urls.items():
            result = drive_load(url, connections=CONNECTIONS, seconds=ROUND_SECONDS)
            samples[target].append(result)
            print(f"  round {round_number}/{ROUNDS} {target:<4} {result.requests_per_second:>9.0f} req/s", flush=True)
    return samples


def _summarize(samples: dict[str, list[LoadResult]], problems: list[str]) -> BenchmarkResult:
    full, bare = _median_of(samples["full"]), _median_of(samples["bare"])
    ratio = bare.requests_per_second / full.requests_per_second
    if full.errors or bare.errors:
        problems = [*problems, f"failed requests during the runs: full {full.errors}, bare {bare.errors}"]
    figures: dict[str, Any] = {
        "full": asdict(full),
        "bare": asdict(bare),
        "overhead_ratio": ratio,
        "load_tool": load_tool(),
        "connections": CONNECTIONS,
        "rounds": ROUNDS,
        "round_seconds": ROUND_SECONDS,
        "uvicorn_options": " ".join(uvicorn_options()),
        "note": NOTE,
        "samples_requests_per_second": {
            target: [round(result.requests_per_second) for result in results] for target, results in samples.items()
        },
    }
    result = BenchmarkResult(NAME, ratio, THRESHOLD, figures, problems)
    _print(result, full, bare)
    path = write_results(NAME, {"name": NAME, "threshold": THRESHOLD, "passed": result.passed, **figures})
    print(f"  written to {path.relative_to(REPO_ROOT)}")
    return result


def _median_of(results: list[LoadResult]) -> LoadResult:
    """Median of each figure over the rounds; errors are summed."""

    def median(values: list[float | None]) -> float | None:
        present = [value for value in values if value is not None]
        return statistics.median(present) if present else None

    return LoadResult(
        requests_per_second=statistics.median(result.requests_per_second for result in results),
        p50_ms=median([result.p50_ms for result in results]),
        p99_ms=median([result.p99_ms for result in results]),
        errors=sum(result.errors for result in results),
    )


def _print(result: BenchmarkResult, full: LoadResult, bare: LoadResult) -> None:
    figures = result.figures
    print(
        f"  load: {figures['load_tool']}, {CONNECTIONS} keep-alive connections, median of {ROUNDS} x {ROUND_SECONDS:g}s"
    )
    print(f"  uvicorn {figures['uvicorn_options']}")
    print(f"  {NOTE}")
    for target, load in (("full", full), ("bare", bare)):
        print(f"  {target:<4} {load.requests_per_second:>9.0f} req/s   p50 {_ms(load.p50_ms)}   p99 {_ms(load.p99_ms)}")
    print(f"  overhead ratio (bare/full): {result.ratio:.2f}x, threshold {result.threshold:g}x")
    for problem in result.problems:
        print(f"  PROBLEM: {problem}")


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} ms"
