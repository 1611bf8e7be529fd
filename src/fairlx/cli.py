"""`fairlx serve | worker | migrate | check | jobs ...`"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from fairlx.settings import Settings

if TYPE_CHECKING:  # imported lazily: the metrics folder must be set before metrics modules load
    from fairlx.core.infrastructure import Infrastructure

T = TypeVar("T")

# A server process imports the whole app before it answers health checks; on a busy small machine that
# takes longer than uvicorn's 5 s default, which would restart workers in a loop.
WORKER_HEALTHCHECK_SECONDS = 60

cli = typer.Typer(
    help="Fairlx: self-hostable agile project management.", no_args_is_help=True, pretty_exceptions_show_locals=False
)
jobs_cli = typer.Typer(help="Inspect and repair background jobs.", no_args_is_help=True)
cli.add_typer(jobs_cli, name="jobs")


def main() -> None:
    cli()


def _prepare_metrics_dir(settings: Settings) -> None:
    """Several processes share Prometheus samples through files in one folder. This must happen before
    any metric is created. Files of processes that are gone are removed (counters restart from zero,
    which Prometheus reads as a reset)."""
    if "fairlx.core.metrics" in sys.modules:
        return
    directory = settings.effective_metrics_dir.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    for sample_file in directory.glob("*_*.db"):
        pid = sample_file.stem.rsplit("_", 1)[-1]
        if pid.isdigit() and not _process_alive(int(pid)):
            sample_file.unlink(missing_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _with_infrastructure(settings: Settings, work: Callable[[Infrastructure], Awaitable[T]]) -> T:
    """Run `work` with this process's infrastructure, closing it afterwards."""
    return asyncio.run(_within(settings, work))


async def _within(settings: Settings, work: Callable[[Infrastructure], Awaitable[T]]) -> T:
    from fairlx.core.infrastructure import build_infrastructure

    infra = build_infrastructure(settings)
    try:
        return await work(infra)
    finally:
        await infra.close()


def _refuse_pending_migrations(settings: Settings) -> None:
    from fairlx.core.db.migrations import pending_migrations

    async def pending(infra: Infrastructure) -> bool:
        return await pending_migrations(infra.db)

    if _with_infrastructure(settings, pending):
        typer.echo("The database schema is not up to date: run `fairlx migrate` first.", err=True)
        raise typer.Exit(code=1)


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Server processes.")] = 1,
) -> None:
    """Serve the web app and API (and run background jobs unless FAIRLX_DISPATCHER=off)."""
    import uvicorn

    settings = Settings()
    _prepare_metrics_dir(settings)
    _refuse_pending_migrations(settings)
    uvicorn.run(
        "fairlx.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        log_config=None,
        access_log=False,
        server_header=False,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )


@cli.command()
def worker(
    concurrency: Annotated[int | None, typer.Option(min=1, help="Jobs run at once (default: setting).")] = None,
) -> None:
    """Run background jobs, for production deployments with FAIRLX_DISPATCHER=off on the servers."""
    settings = Settings()
    _prepare_metrics_dir(settings)
    _refuse_pending_migrations(settings)
    from fairlx.core.logging import configure_logging
    from fairlx.core.outbox.dispatcher import Dispatcher
    from fairlx.core.outbox.registry import load_job_modules

    configure_logging(settings)
    load_job_modules()

    async def run(infra: Infrastructure) -> None:
        await infra.start()
        dispatcher = Dispatcher(
            infra,
            concurrency=concurrency or settings.job_concurrency,
            poll_seconds=settings.job_poll_seconds,
        )
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, dispatcher.stop)
        await dispatcher.run()

    _with_infrastructure(settings, run)


@cli.command()
def migrate(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Bring the database schema up to date."""
    from fairlx.core.db.migrations import upgrade

    settings = Settings()
    upgrade(settings.effective_database_url, revision)
    typer.echo(f"Database is at {revision}.")


@cli.command()
def check() -> None:
    """Show which backend each part uses and test every connection."""
    from fairlx.system.service import check_backends

    settings = Settings()

    async def run(infra: Infrastructure) -> bool:
        results = await check_backends(infra, every_connection=True)
        for name, backend in infra.backends().items():
            result = next((r for r in results if r.name == name), None)
            state = "" if result is None else ("ok" if result.ok else f"FAILED ({result.error})")
            typer.echo(f"{name:<14} {backend:<60} {state}")
        return all(result.ok for result in results)

    if not _with_infrastructure(settings, run):
        raise typer.Exit(code=1)


@jobs_cli.command("list")
def jobs_list(
    status: Annotated[str | None, typer.Option(help="queued, running, done or dead.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only this job kind.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
) -> None:
    """List recent jobs, newest first."""
    from fairlx.core.outbox.admin import list_jobs
    from fairlx.core.outbox.models import JobStatus

    wanted = JobStatus(status) if status else None

    async def run(infra: Infrastructure) -> None:
        async with infra.db.unit_of_work(read_only=True) as session:
            for job in await list_jobs(session, status=wanted, kind=kind, limit=limit):
                error = (job.last_error or "").splitlines()[-1:] or [""]
                typer.echo(
                    f"{job.id}  {job.status.value:<8} {job.kind:<28} attempts {job.attempts}/{job.max_attempts}"
                    f"  run_at {job.run_at:%Y-%m-%d %H:%M:%S}  {error[0][:80]}"
                )

    _with_infrastructure(Settings(), run)


@jobs_cli.command("retry")
def jobs_retry(
    job_ids: Annotated[list[uuid.UUID] | None, typer.Argument(help="Dead jobs to retry.")] = None,
    all_dead: Annotated[bool, typer.Option("--all-dead", help="Retry every dead job.")] = False,
) -> None:
    """Queue dead jobs again with a fresh set of attempts."""
    from fairlx.core.outbox.admin import retry_dead

    if not job_ids and not all_dead:
        typer.echo("Name the jobs to retry, or pass --all-dead.", err=True)
        raise typer.Exit(code=2)

    async def run(infra: Infrastructure) -> int:
        async with infra.db.unit_of_work() as session:
            return await retry_dead(session, None if all_dead else job_ids)

    typer.echo(f"{_with_infrastructure(Settings(), run)} job(s) queued again.")


@jobs_cli.command("purge")
def jobs_purge(
    done_days: Annotated[int, typer.Option(min=0, help="Delete done jobs finished this many days ago.")] = 7,
    dead_days: Annotated[int, typer.Option(min=0, help="Delete dead jobs finished this many days ago.")] = 30,
) -> None:
    """Delete finished jobs past their retention."""
    from fairlx.core.outbox.admin import purge_finished

    async def run(infra: Infrastructure) -> int:
        async with infra.db.unit_of_work() as session:
            return await purge_finished(
                session, done_older_than=timedelta(days=done_days), dead_older_than=timedelta(days=dead_days)
            )

    typer.echo(f"{_with_infrastructure(Settings(), run)} job(s) deleted.")
