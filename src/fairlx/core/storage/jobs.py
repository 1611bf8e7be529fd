"""Deletes stored files whose owner is gone, after the transaction that dropped the reference has
committed (deleting first could lose a file that a rolled-back change still points to)."""

from __future__ import annotations

from fairlx.core.outbox.registry import JobContext, registry

DELETE_STORED_FILE = "storage.delete"


@registry.handler(DELETE_STORED_FILE, retry_base_seconds=60.0, timeout_seconds=60.0)
async def delete_stored_file(job: JobContext) -> None:
    await job.infra.storage.delete(job.payload["key"])
