"""The outbox's own housekeeping: finished jobs are purged daily."""

from __future__ import annotations

from datetime import timedelta

from fairlx.core.outbox.admin import purge_finished
from fairlx.core.outbox.registry import JobContext, registry

DONE_RETENTION = timedelta(days=7)
DEAD_RETENTION = timedelta(days=30)


@registry.handler("outbox.purge", max_attempts=3)
async def purge_old_jobs(job: JobContext) -> None:
    async with job.infra.db.unit_of_work() as session:
        await purge_finished(session, done_older_than=DONE_RETENTION, dead_older_than=DEAD_RETENTION)


registry.schedule("outbox.purge", "17 3 * * *", "outbox.purge")
