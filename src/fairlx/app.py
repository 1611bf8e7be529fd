"""The ASGI application: routes, the request pipeline, and the lifespan that starts and stops the
infrastructure (and, in the embedded topology, the job dispatcher)."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator

import structlog
from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from fairlx.apitokens.api import router as apitokens_router
from fairlx.apitokens.pages import router as apitokens_pages_router
from fairlx.auth.api import router as auth_router
from fairlx.auth.pages import router as auth_pages_router
from fairlx.core.infrastructure import Infrastructure, build_infrastructure
from fairlx.core.logging import configure_logging
from fairlx.core.outbox.dispatcher import Dispatcher
from fairlx.core.outbox.registry import load_job_modules
from fairlx.fields.api import router as fields_router
from fairlx.fields.pages import router as fields_pages_router
from fairlx.files.api import router as files_router
from fairlx.middleware.body_limit import BodyLimitMiddleware
from fairlx.middleware.csrf import CsrfMiddleware
from fairlx.middleware.problems import install_problem_handlers
from fairlx.middleware.rate_limit import RateLimitMiddleware
from fairlx.middleware.request_id import RequestIdMiddleware
from fairlx.middleware.security_headers import SecurityHeadersMiddleware
from fairlx.middleware.session_cookie import SessionCookieMiddleware
from fairlx.middleware.telemetry import TelemetryMiddleware
from fairlx.middleware.unhandled_errors import UnhandledErrorMiddleware
from fairlx.oauth.api import router as oauth_router
from fairlx.oauth.pages import router as oauth_pages_router
from fairlx.orgs.api import router as orgs_router
from fairlx.orgs.pages import router as orgs_pages_router
from fairlx.profiles.api import AVATAR_UPLOAD_PATH, UPLOAD_BODY_LIMIT
from fairlx.profiles.api import router as profiles_router
from fairlx.profiles.pages import AVATAR_PAGE_PATH
from fairlx.profiles.pages import router as profiles_pages_router
from fairlx.programs.api import router as programs_router
from fairlx.programs.pages import router as programs_pages_router
from fairlx.projects.api import PROJECT_IMAGE_PATHS
from fairlx.projects.api import router as projects_router
from fairlx.projects.pages import router as projects_pages_router
from fairlx.rbac.api import router as rbac_router
from fairlx.search.api import router as search_router
from fairlx.search.pages import router as search_pages_router
from fairlx.settings import Settings
from fairlx.spaces.api import router as spaces_router
from fairlx.spaces.pages import router as spaces_pages_router
from fairlx.system.api import router as system_router
from fairlx.tasks.api import router as tasks_router
from fairlx.tasks.mywork_api import router as mywork_router
from fairlx.tasks.mywork_pages import router as mywork_pages_router
from fairlx.tasks.pages import router as tasks_pages_router
from fairlx.twofactor.api import router as twofactor_router
from fairlx.twofactor.pages import router as twofactor_pages_router
from fairlx.views.api import router as views_router
from fairlx.web.assets import static_files
from fairlx.web.guards import install_sign_in_redirect
from fairlx.web.pages import router as web_router
from fairlx.workflows.api import router as workflows_router
from fairlx.workflows.pages import router as workflows_pages_router
from fairlx.workspaces.api import router as workspaces_router
from fairlx.workspaces.pages import router as workspaces_pages_router

log = structlog.get_logger(__name__)

# Upload routes (patterns their paths start with) and the body they may send.
UPLOAD_BODY_LIMITS: dict[str, int] = {
    re.escape(AVATAR_UPLOAD_PATH): UPLOAD_BODY_LIMIT,
    re.escape(AVATAR_PAGE_PATH): UPLOAD_BODY_LIMIT,
    PROJECT_IMAGE_PATHS: UPLOAD_BODY_LIMIT,
}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(settings)
    load_job_modules()
    infra = build_infrastructure(settings)
    app = FastAPI(
        title="Fairlx",
        version="0.1.0",
        lifespan=_lifespan,
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.infra = infra
    install_problem_handlers(app)
    install_sign_in_redirect(app)
    app.include_router(system_router)
    app.include_router(files_router)
    app.include_router(auth_router)
    app.include_router(auth_pages_router)
    app.include_router(apitokens_router)
    app.include_router(twofactor_router)
    app.include_router(twofactor_pages_router)
    app.include_router(apitokens_pages_router)
    app.include_router(profiles_router)
    app.include_router(profiles_pages_router)
    app.include_router(oauth_router)
    app.include_router(oauth_pages_router)
    app.include_router(rbac_router)
    app.include_router(programs_router)
    app.include_router(programs_pages_router)
    app.include_router(spaces_router)
    app.include_router(spaces_pages_router)
    app.include_router(tasks_router)
    app.include_router(tasks_pages_router)
    app.include_router(mywork_router)
    app.include_router(mywork_pages_router)
    app.include_router(projects_router)
    app.include_router(projects_pages_router)
    app.include_router(workflows_router)
    app.include_router(workflows_pages_router)
    app.include_router(fields_router)
    app.include_router(fields_pages_router)
    app.include_router(workspaces_router)
    app.include_router(workspaces_pages_router)
    app.include_router(orgs_router)
    app.include_router(orgs_pages_router)
    app.include_router(search_router)
    app.include_router(search_pages_router)
    app.include_router(views_router)
    app.include_router(web_router)
    app.mount("/static", static_files(), name="static")
    _install_middleware(app, settings)
    return app


def _install_middleware(app: FastAPI, settings: Settings) -> None:
    """Added innermost first: a request meets them in the reverse order."""
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    app.add_middleware(SessionCookieMiddleware, settings=settings)
    app.add_middleware(CsrfMiddleware, settings=settings)
    app.add_middleware(BodyLimitMiddleware, default_limit=settings.max_body_bytes, limits_by_pattern=UPLOAD_BODY_LIMITS)
    app.add_middleware(RateLimitMiddleware, limiter=app.state.infra.rate_limiter)
    app.add_middleware(UnhandledErrorMiddleware)
    app.add_middleware(SecurityHeadersMiddleware, https=settings.is_https)
    app.add_middleware(TelemetryMiddleware)
    app.add_middleware(RequestIdMiddleware)


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    infra: Infrastructure = app.state.infra
    await infra.start()
    log.info("started", **infra.backends())
    dispatcher_task = _start_embedded_dispatcher(infra)
    try:
        yield
    finally:
        if dispatcher_task is not None:
            dispatcher, task = dispatcher_task
            dispatcher.stop()
            await task
        await infra.close()


def _start_embedded_dispatcher(infra: Infrastructure) -> tuple[Dispatcher, asyncio.Task[None]] | None:
    if infra.settings.dispatcher != "embedded":
        return None
    dispatcher = Dispatcher(
        infra, concurrency=infra.settings.job_concurrency, poll_seconds=infra.settings.job_poll_seconds
    )
    return dispatcher, asyncio.create_task(dispatcher.run(), name="dispatcher")
