"""Prometheus metrics. Under `fairlx serve --workers N` and `fairlx worker`, the CLI points
PROMETHEUS_MULTIPROC_DIR at a shared folder before anything is imported, and `/metrics` merges
every process's samples."""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

HTTP_REQUESTS = Counter("fairlx_http_requests", "HTTP requests served", ["method", "route", "status"])
HTTP_DURATION = Histogram(
    "fairlx_http_request_duration_seconds",
    "Time from the first byte received to the last byte sent",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
JOBS_FINISHED = Counter("fairlx_jobs_finished", "Job attempts finished", ["kind", "outcome"])

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def render_latest() -> tuple[bytes, str]:
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
