"""The HTTP edge: problem+json for every error, request ids, security headers, body limits, health."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

PROBLEM = "application/problem+json"


async def test_unknown_path_is_a_problem_naming_the_path(api: httpx.AsyncClient) -> None:
    response = await api.get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["code"] == "not_found"
    assert body["status"] == 404
    assert "/no/such/page" in body["detail"]
    assert body["request_id"] == response.headers["x-request-id"]


async def test_wrong_method_is_a_problem_and_keeps_allow_header(api: httpx.AsyncClient) -> None:
    response = await api.delete("/healthz")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "method_not_allowed"
    assert "GET" in response.headers["allow"]


async def test_caller_request_id_is_echoed_and_unsafe_ones_are_replaced(api: httpx.AsyncClient) -> None:
    kept = await api.get("/healthz", headers={"X-Request-ID": "trace-42.a"})
    replaced = await api.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert kept.headers["x-request-id"] == "trace-42.a"
    assert replaced.headers["x-request-id"] != "bad id\twith spaces"
    assert len(replaced.headers["x-request-id"]) == 32


async def test_security_headers_are_on_every_response(api: httpx.AsyncClient) -> None:
    for response in (await api.get("/healthz"), await api.get("/missing")):
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "strict-transport-security" not in response.headers  # served over plain http


@pytest.mark.parametrize("settings_overrides", [{"public_url": "https://pm.example.com"}])
async def test_hsts_is_sent_when_served_over_https(api: httpx.AsyncClient) -> None:
    response = await api.get("/healthz")
    assert response.headers["strict-transport-security"].startswith("max-age=")


async def test_declared_oversize_body_is_refused_before_reading(api: httpx.AsyncClient) -> None:
    response = await api.post("/healthz", content=b"x" * 2_000_000)
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "body_too_large"


async def test_streamed_oversize_body_without_length_is_refused(api: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b"y" * 65_536

    response = await api.post("/healthz", content=chunks())
    assert response.status_code in {405, 413}  # the route refuses POST before reading the body
    assert response.headers["content-type"] == PROBLEM


async def test_healthz_and_readyz_report_backends(api: httpx.AsyncClient) -> None:
    health = await api.get("/healthz")
    ready = await api.get("/readyz")
    assert health.json() == {"status": "ok"}
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    assert ready.json()["checks"]["database"] == "ok"


async def test_metrics_count_requests_by_route_template(api: httpx.AsyncClient) -> None:
    await api.get("/healthz")
    response = await api.get("/metrics")
    assert response.status_code == 200
    assert 'fairlx_http_requests_total{method="GET",route="/healthz",status="200"}' in response.text


@pytest.mark.parametrize("settings_overrides", [{"metrics_token": "s3cret-token"}])
async def test_metrics_need_the_token_when_one_is_set(api: httpx.AsyncClient) -> None:
    refused = await api.get("/metrics")
    wrong = await api.get("/metrics", headers={"Authorization": "Bearer nope"})
    allowed = await api.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
    assert refused.status_code == 401
    assert refused.json()["code"] == "metrics_token_required"
    assert wrong.status_code == 401
    assert allowed.status_code == 200


async def test_an_unexpected_error_is_a_500_problem_that_reveals_nothing(app: FastAPI, api: httpx.AsyncClient) -> None:
    async def explode() -> None:
        raise RuntimeError("password=hunter2 at db.internal")

    app.add_api_route("/api/v1/test-explode", explode)
    app.add_api_route("/test-explode", explode)
    response = await api.get("/api/v1/test-explode")
    page = await api.get("/test-explode", headers={"Accept": "text/html"})
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "internal_error"
    assert response.json()["request_id"] == response.headers["x-request-id"]
    assert "hunter2" not in response.text
    assert page.status_code == 500
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["x-request-id"] in page.text
    assert "hunter2" not in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


async def test_a_browser_gets_an_oversize_refusal_as_a_page(api: httpx.AsyncClient) -> None:
    response = await api.post("/", content=b"x" * 2_000_000, headers={"Accept": "text/html"})
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")


async def test_cors_is_off_by_default(api: httpx.AsyncClient) -> None:
    preflight = await api.options(
        "/healthz", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    )
    simple = await api.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in simple.headers


@pytest.mark.parametrize("settings_overrides", [{"cors_origins": ["https://app.example"]}])
async def test_cors_answers_only_the_configured_origins(api: httpx.AsyncClient) -> None:
    allowed = await api.options(
        "/healthz", headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"}
    )
    refused = await api.get("/healthz", headers={"Origin": "https://evil.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    assert "access-control-allow-origin" not in refused.headers


async def test_readiness_costs_one_sql_statement(api: httpx.AsyncClient, count_sql: Callable[[], Any]) -> None:
    with count_sql() as counter:
        response = await api.get("/readyz")
    assert response.status_code == 200
    assert counter.statements == ["SELECT 1"]
