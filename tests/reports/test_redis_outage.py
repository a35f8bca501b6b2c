"""Redis stops: the counter keeps scanning, a coordinator's compile request is done in the
request; Redis comes back: the nightly job and the queued requests run on the worker."""

import socket
import subprocess
import time
from datetime import datetime
from pathlib import Path

import pytest
import redis
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from comptoir.tasks import _sender, task_send
from counter.models import Visit
from passes.selectors import pass_token
from reports.models import JobRun, MonthReport
from reports.services import previous_month
from tests.conftest import unavailable
from tests.reports.seed import BRUSSELS, clock, figures_of
from tests.reports.worker_process import (
    database_url,
    small_month_figures,
    small_month_seed,
    subset,
    wait_for,
    worker_start,
    worker_stop,
)

REDIS_SERVER = Path("/usr/bin/redis-server")
SCAN = "/api/counter/scans/"


class PrivateRedis:
    """A redis-server of this test alone, on a free port: the machine's own Redis (6379)
    is never touched. Stopped and started again on the same port."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                str(REDIS_SERVER),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url())
        wait_for(lambda: self._answers(client), timeout=20, what="redis-server to start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None

    @staticmethod
    def _answers(client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except redis.exceptions.ConnectionError:
            return False


@pytest.fixture
def private_redis(settings):
    """Everything the web app sends to Redis (cache, broker, results) goes to a private
    redis-server, started for the test."""
    if not REDIS_SERVER.exists():
        unavailable(f"needs {REDIS_SERVER}")
    server = PrivateRedis()
    server.start()
    settings.REDIS_URL = server.url()
    settings.CELERY_BROKER_URL = server.url()
    settings.CELERY_RESULT_BACKEND = server.url()
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.url(1),
        }
    }
    _sender.cache_clear()
    yield server
    server.stop()
    _sender.cache_clear()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_counter_scans_while_redis_is_down_and_the_statistics_catch_up_after(
    postgres,
    private_redis,
    pass_keys,
    service_s,
    partner_a,
    social_worker_a,
    volunteer_s,
    coordinator,
):
    """What this proves, on PostgreSQL with a real redis-server stopped and started again:

    1. with Redis down (the process killed; the cache, which lives there, raises), a
       device's scan through the counter API is answered 201 and recorded, and its retry
       200: the scan path needs the database only;
    2. the nightly job cannot be queued then (`task_send` says so at once instead of
       hanging), and a coordinator's compile request is done in the request instead;
    3. with Redis back on the same port, a real worker started on it runs the nightly job
       (sent as beat would send it the next night): it compiles last month, missed so
       far, and the figures include the scan recorded during the outage;
    4. a compile request is then queued, not done in the request: the worker compiles,
       and the page's status poll sends the browser to the fresh figures.
    """
    seeded = small_month_seed(
        service=service_s, partner=partner_a, social_worker=social_worker_a, volunteer=volunteer_s
    )
    last_month = seeded.month
    before_last = previous_month(last_month)
    device = APIClient()
    device.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=volunteer_s).key}")
    coordination = Client()
    coordination.force_login(coordinator)
    compile_url = reverse("reports:month-compile")
    cache.set("probe", "up")
    assert cache.get("probe") == "up"

    private_redis.stop()

    with pytest.raises(redis.exceptions.ConnectionError):
        cache.get("probe")
    day = last_month.replace(day=17)
    scan = {"code": pass_token(access_pass=seeded.access_pass), "idempotency_key": "tablet-1-0042"}
    with clock(datetime(day.year, day.month, day.day, 10, tzinfo=BRUSSELS)):
        answered = device.post(SCAN, scan, format="json")
        retried = device.post(SCAN, scan, format="json")
    assert answered.status_code == 201, answered.content
    assert answered.json()["accepted"] is True
    assert (retried.status_code, retried.json()["replayed"]) == (200, True)
    assert Visit.objects.filter(idempotency_key="tablet-1-0042").count() == 1

    assert task_send("worker.tasks.statistics_last_month") is False
    fallback = coordination.post(compile_url, {"month": f"{before_last:%Y-%m}"}, follow=True)
    assert fallback.status_code == 200
    assert f"Les chiffres de {before_last:%m/%Y} sont calculés." in fallback.content.decode()
    assert MonthReport.objects.get(month=before_last).compiled_by == coordinator
    assert not MonthReport.objects.filter(month=last_month).exists()

    private_redis.start()
    worker = worker_start(database=database_url(postgres), redis=private_redis.url())
    try:
        assert task_send("worker.tasks.statistics_last_month") is True
        # The worker catches up when it starts, and runs the job sent: one of the two
        # compiles the missed month, the other finds it done.
        nightly = wait_for(
            lambda: JobRun.objects.filter(
                job="statistics_last_month", outcome="done", summary__contains=" compiled: "
            ).first(),
            what="the nightly job on the worker",
        )
        report = MonthReport.objects.get(month=last_month)
        assert nightly.summary == f"{last_month:%Y-%m} compiled: {report.figures.count()} figures"
        expected = small_month_figures() | {
            # The 10th's visit, and the 17th's, recorded while Redis was down.
            ("CONV-E2E", "epicerie-s", "visits_accepted", ""): 2,
        }
        assert subset(figures_of(report), expected) == expected

        since = int(time.time())
        queued = coordination.post(compile_url, {"month": f"{last_month:%Y-%m}"})
        location = queued["Location"]
        assert location.startswith(
            f"{reverse('reports:month')}?month={last_month:%Y-%m}&waiting="
        ), location
        waiting = location.rsplit("=", 1)[1]
        assert int(waiting) >= since
        wait_for(
            lambda: JobRun.objects.filter(job="statistics_compile", outcome="done").exists(),
            what="the queued compile request on the worker",
        )
    finally:
        worker_stop(worker)

    status = coordination.get(
        f"{reverse('reports:month-status')}?month={last_month:%Y-%m}&waiting={waiting}",
        headers={"HX-Request": "true"},
    )
    assert status.status_code == 204
    report.refresh_from_db()
    assert (report.version, report.compiled_by) == (1, coordinator)
