"""`python -m bench [NAME ...]`: run every benchmark module (each one in `bench/` that defines
`run_benchmark() -> BenchmarkResult`), or only those named, and print a summary. Exits 1 when a
benchmark exceeds its threshold ratio, reports a problem, or fails to run."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import signal
import sys
import traceback
from collections.abc import Callable
from types import FrameType

import bench
from bench.harness import BenchmarkResult

Benchmark = Callable[[], BenchmarkResult]


def discover() -> dict[str, Benchmark]:
    found: dict[str, Benchmark] = {}
    for module_info in pkgutil.iter_modules(bench.__path__):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"bench.{module_info.name}")
        run = getattr(module, "run_benchmark", None)
        if callable(run):
            found[module_info.name] = run
    return found


def run_all(benchmarks: dict[str, Benchmark]) -> list[tuple[str, BenchmarkResult | None]]:
    outcomes: list[tuple[str, BenchmarkResult | None]] = []
    for name, run in benchmarks.items():
        print(f"== {name}", flush=True)
        try:
            outcomes.append((name, run()))
        except Exception:
            traceback.print_exc()
            outcomes.append((name, None))
    return outcomes


def print_summary(outcomes: list[tuple[str, BenchmarkResult | None]]) -> None:
    width = max([len("benchmark"), *(len(name) for name, _ in outcomes)])
    print(f"\n{'benchmark':<{width}}  {'ratio':>8}  {'threshold':>9}  result")
    for name, result in outcomes:
        if result is None:
            print(f"{name:<{width}}  {'-':>8}  {'-':>9}  ERROR")
            continue
        verdict = "ok" if result.passed else "FAIL"
        print(f"{name:<{width}}  {result.ratio:>7.2f}x  {result.threshold:>8g}x  {verdict}")


def _exit_on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    sys.exit(143)  # raises SystemExit, so every server context manager stops its process


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    arguments = parser.parse_args()
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    available = discover()
    unknown = sorted(set(arguments.names) - set(available))
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; available: {', '.join(sorted(available))}")
    chosen = {name: run for name, run in available.items() if not arguments.names or name in arguments.names}
    outcomes = run_all(chosen)
    print_summary(outcomes)
    return 0 if all(result is not None and result.passed for _, result in outcomes) else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
