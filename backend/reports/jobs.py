"""The worker's runs, written down so that coordinators can see the worker is alive.

`job_run` wraps a job: it records the start, the end, what the job said it did
and the error if it failed. It is also the guard against overlapping runs: the
database lets only one run of a job be "running" at a time (a partial unique
index), so a second worker, or a retry arriving while the first run goes on,
records a skipped run and does nothing.
"""

import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from reports.models import JobRun

# A run still "running" after this long was cut short (the worker was killed):
# it no longer stands in the way of the next run.
STALE_AFTER = timedelta(hours=2)


@dataclass(frozen=True)
class JobResult:
    run: JobRun
    summary: str

    @property
    def ran(self) -> bool:
        return self.run.outcome == JobRun.Outcome.DONE


def _start(job: str) -> JobRun | None:
    now = timezone.now()
    JobRun.objects.filter(
        job=job, outcome=JobRun.Outcome.RUNNING, started_at__lt=now - STALE_AFTER
    ).update(outcome=JobRun.Outcome.FAILED, finished_at=now, error="interrupted")
    try:
        with transaction.atomic():
            return JobRun.objects.create(job=job, started_at=now, hostname=socket.gethostname())
    except IntegrityError:
        return None


def job_run(job: str, work: Callable[[], str]) -> JobResult:
    """Run `work` (which returns a short summary) as one recorded run of `job`.

    An exception is recorded and raised again, so that the task's retry sees it.
    """
    run = _start(job)
    if run is None:
        skipped = JobRun.objects.create(
            job=job,
            started_at=timezone.now(),
            finished_at=timezone.now(),
            outcome=JobRun.Outcome.SKIPPED,
            summary="another run is under way",
            hostname=socket.gethostname(),
        )
        return JobResult(run=skipped, summary=skipped.summary)
    try:
        summary = work()
    except Exception as error:
        run.outcome = JobRun.Outcome.FAILED
        run.error = f"{type(error).__name__}: {error}"[:2000]
        run.finished_at = timezone.now()
        run.save(update_fields=["outcome", "error", "finished_at"])
        raise
    run.outcome = JobRun.Outcome.DONE
    run.summary = summary[:200]
    run.finished_at = timezone.now()
    run.save(update_fields=["outcome", "summary", "finished_at"])
    return JobResult(run=run, summary=run.summary)
