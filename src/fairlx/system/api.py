"""Operations endpoints: liveness, readiness and Prometheus metrics. Health answers reveal only
whether each backend answers, never its address or credentials. Metrics are served to loopback
clients, or to anyone presenting `FAIRLX_METRICS_TOKEN`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from fairlx.core.metrics import render_latest
from fairlx.dependencies import Infra
from fairlx.middleware.problems import problem_body, problem_response, request_id_of
from fairlx.rbac.guard import Anyone
from fairlx.system import service

router = APIRouter(tags=["system"], dependencies=[Anyone])


@router.get("/healthz", summary="The process is alive")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Every backend answers", responses={503: {"description": "A backend is unreachable"}})
async def readyz(request: Request, infra: Infra) -> Response:
    results = await service.check_backends(infra)
    checks = {result.name: "ok" if result.ok else "failing" for result in results}
    if all(result.ok for result in results):
        return JSONResponse({"status": "ready", "checks": checks})
    failing = ", ".join(name for name, state in checks.items() if state != "ok")
    body = problem_body(
        503, "not_ready", detail=f"Unreachable: {failing}.", request_id=request_id_of(request), extra={"checks": checks}
    )
    return problem_response(503, body)


@router.get("/metrics", summary="Prometheus metrics of every process", response_class=Response)
async def metrics(request: Request, infra: Infra) -> Response:
    service.ensure_metrics_access(infra.settings, request.headers.get("authorization"), request.client)
    payload, content_type = render_latest()
    return Response(payload, media_type=content_type)
