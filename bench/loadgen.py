"""A small HTTP/1.1 load generator, used when `wrk` is not installed. Run as its own process:

    python -m bench.loadgen http://127.0.0.1:8000/healthz --connections 32 --duration 5

Each connection is kept alive and sends one GET at a time for the whole duration. Prints one JSON
object: 2xx responses per second, latency p50/p99 in milliseconds, and the number of errors (non-2xx
answers, broken connections, responses it cannot parse)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

MAX_HEAD_BYTES = 64 * 1024


class MalformedResponse(Exception):
    pass


@dataclass
class Tally:
    ok: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)


async def drive(url: str, connections: int, duration: float) -> dict[str, float | int | None]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    request = f"GET {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode()
    tally = Tally()
    started = time.perf_counter()
    deadline = started + duration
    await asyncio.gather(*(_keep_sending(host, port, request, deadline, tally) for _ in range(connections)))
    elapsed = time.perf_counter() - started
    p50, p99 = _percentiles_ms(tally.latencies)
    return {
        "requests_per_second": tally.ok / elapsed,
        "p50_ms": p50,
        "p99_ms": p99,
        "errors": tally.errors,
    }


async def _keep_sending(host: str, port: int, request: bytes, deadline: float, tally: Tally) -> None:
    while time.perf_counter() < deadline:
        try:
            reader, writer = await asyncio.open_connection(host, port, limit=MAX_HEAD_BYTES)
        except OSError:
            tally.errors += 1
            continue
        try:
            await _exchange(reader, writer, request, deadline, tally)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, MalformedResponse):
            tally.errors += 1
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes, deadline: float, tally: Tally
) -> None:
    while time.perf_counter() < deadline:
        sent = time.perf_counter()
        writer.write(request)
        status = await _read_response(reader)
        tally.latencies.append(time.perf_counter() - sent)
        if 200 <= status < 300:
            tally.ok += 1
        else:
            tally.errors += 1


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(status_line.split(" ", 2)[1])
    except (IndexError, ValueError) as error:
        raise MalformedResponse(status_line) from error
    length = None
    for line in header_lines:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    if length is None:
        raise MalformedResponse("no content-length")
    await reader.readexactly(length)
    return status


def _percentiles_ms(latencies: list[float]) -> tuple[float | None, float | None]:
    if len(latencies) < 2:
        return None, None
    cuts = statistics.quantiles(latencies, n=100)
    return cuts[49] * 1000, cuts[98] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds")
    arguments = parser.parse_args()
    with asyncio.Runner(loop_factory=_fastest_loop_factory()) as runner:
        summary = runner.run(drive(arguments.url, arguments.connections, arguments.duration))
    print(json.dumps(summary))


def _fastest_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop when installed, so the load generator is less of a bottleneck."""
    try:
        import uvloop  # noqa: PLC0415 (optional)
    except ImportError:
        return None
    return uvloop.new_event_loop


if __name__ == "__main__":
    main()
