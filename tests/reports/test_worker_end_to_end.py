"""A real Celery worker, through Redis, compiles a month end to end on PostgreSQL."""

import uuid

import pytest

from reports.models import JobRun, MonthReport
from tests.reports.seed import figures_of
from tests.reports.worker_process import (
    database_url,
    small_month_figures,
    small_month_seed,
    subset,
    worker_start,
    worker_stop,
)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_compiles_a_month_through_redis(
    postgres, redis_url, pass_keys, service_s, partner_a, social_worker_a, volunteer_s
):
    """The month is queued on a private queue of the real Redis; a worker subprocess
    (solo pool, the test database) compiles it; the answer comes back through Redis."""
    from worker.app import app
    from worker.tasks import statistics_compile, statistics_last_month

    seeded = small_month_seed(
        service=service_s, partner=partner_a, social_worker=social_worker_a, volunteer=volunteer_s
    )
    month = f"{seeded.month:%Y-%m}"
    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker = worker_start(database=database_url(postgres), redis=redis_url, queue=queue)
    app.conf.task_always_eager = False  # the conftest's eager mode comes back after the test
    try:
        compiled = statistics_compile.apply_async(args=[month, None, ""], queue=queue)
        said = compiled.get(timeout=120)
        nightly = statistics_last_month.apply_async(queue=queue).get(timeout=60)
    finally:
        worker_stop(worker)

    report = MonthReport.objects.get()
    assert (report.month, report.version, report.status) == (seeded.month, 1, "draft")
    assert said == f"{month} compiled (v1): {report.figures.count()} figures"
    expected = small_month_figures()
    assert subset(figures_of(report), expected) == expected
    # The nightly job, run after, finds the month compiled since it ended.
    assert nightly == f"{month} already compiled (v1)"
    runs = list(JobRun.objects.order_by("started_at").values_list("job", "outcome", "summary"))
    assert runs == [
        ("statistics_compile", "done", said),
        ("statistics_last_month", "done", nightly),
    ]
    assert all(run.hostname and run.finished_at for run in JobRun.objects.all())
