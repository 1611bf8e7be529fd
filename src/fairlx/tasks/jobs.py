"""Work items housekeeping: what has been in a project's trash for 30 days is deleted for good, daily."""

from __future__ import annotations

from fairlx.core.outbox.registry import JobContext, registry
from fairlx.tasks.service import purge_trash

PURGE_TRASH = "tasks.purge_trash"


@registry.handler(PURGE_TRASH, max_attempts=3)
async def purge_old_trash(job: JobContext) -> None:
    async with job.infra.db.unit_of_work() as db:
        await purge_trash(db)


registry.schedule(PURGE_TRASH, "41 3 * * *", PURGE_TRASH)
