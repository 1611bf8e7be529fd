from fairlx.core.outbox.emit import emit
from fairlx.core.outbox.models import Job, JobSchedule, JobStatus
from fairlx.core.outbox.registry import JobContext, registry

__all__ = ["Job", "JobContext", "JobSchedule", "JobStatus", "emit", "registry"]
