"""The worker: a real Celery worker runs a real task through Redis on PostgreSQL, and
beat's own scheduler sends the tasks of the schedule when its comments say."""

import os
import subprocess
import sys
import uuid
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery import beat
from django.core.management import call_command
from django.utils import timezone

from network.models import Organisation, User, WorkerHeartbeat

ROOT = Path(__file__).resolve().parents[2]
BRUSSELS = ZoneInfo("Europe/Brussels")
HEARTBEAT, PASSES_EXPIRE = "worker.tasks.worker_heartbeat", "worker.tasks.passes_expire"


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_heartbeat_task_through_redis(postgres, redis_url):
    from worker.app import app
    from worker.tasks import worker_heartbeat

    queue = f"test-{uuid.uuid4().hex[:8]}"
    settings_dict = postgres.settings_dict
    database_url = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}"
        f"/{settings_dict['NAME']}"
    )
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "worker.app",
            "worker",
            "--pool=solo",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=WARNING",
            "-Q",
            queue,
        ],
        cwd=ROOT,
        env=env,
    )
    app.conf.task_always_eager = False
    try:
        result = worker_heartbeat.apply_async(queue=queue)
        seen_at = result.get(timeout=60)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    heartbeat = WorkerHeartbeat.objects.get(name="worker")
    assert heartbeat.seen_at.isoformat() == seen_at
    assert heartbeat.hostname


class RecordingScheduler(beat.Scheduler):
    """Beat's own scheduler; what it would hand to the broker is written down instead."""

    producer = None  # no broker: nothing is sent

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.sent: list[tuple[str, datetime]] = []
        super().__init__(*args, **kwargs)

    def apply_async(self, entry: beat.ScheduleEntry, *args: Any, **kwargs: Any) -> None:
        self.sent.append((entry.task, timezone.localtime()))


def beat_run(start: datetime, hours: int) -> dict[str, list[datetime]]:
    """When beat, started at `start` with the app's schedule, sends each task, by task.

    Beat's loop with a frozen clock: tick, then move the clock on by the sleep beat
    asks for, and by at least 10 ms, as a real clock would have moved meanwhile.
    """
    from worker.app import app

    with time_machine.travel(start, tick=False) as clock:
        scheduler = RecordingScheduler(app)
        while timezone.now() < start + timedelta(hours=hours):
            clock.shift(max(scheduler.tick(), 0.01))
    sent = defaultdict(list)
    for task, moment in scheduler.sent:
        sent[task].append(moment)
    return sent


def to_the_minute(moments: list[datetime]) -> list[datetime]:
    assert all(moment.second == 0 for moment in moments), moments
    return [moment.replace(second=0, microsecond=0) for moment in moments]


# A winter and a summer day: Brussels is UTC+1, then UTC+2.
@pytest.mark.parametrize("day", [date(2026, 1, 14), date(2026, 7, 14)], ids=["winter", "summer"])
def test_beat_sends_the_heartbeat_every_minute_and_expires_passes_at_0005_brussels_time(day):
    start = datetime.combine(day, time(12, 0, 30), tzinfo=BRUSSELS)

    sent = beat_run(start, hours=24)

    noon = start.replace(second=0)
    every_minute = [noon + timedelta(minutes=n) for n in range(1, 24 * 60 + 1)]
    assert to_the_minute(sent[HEARTBEAT]) == every_minute
    five_past_midnight = datetime.combine(day + timedelta(days=1), time(0, 5), tzinfo=BRUSSELS)
    assert to_the_minute(sent[PASSES_EXPIRE]) == [five_past_midnight]


def test_every_task_beat_sends_is_one_the_worker_runs():
    from worker.app import app

    app.loader.import_default_modules()  # what a worker imports when it starts

    sent = beat_run(datetime(2026, 3, 2, 12, 0, tzinfo=BRUSSELS), hours=24)

    assert {HEARTBEAT, PASSES_EXPIRE} <= sent.keys()
    assert sent.keys() <= app.tasks.keys()


def test_the_demo_network_loads_once_whatever_the_number_of_runs(db, capsys):
    call_command("demo_load")
    first = capsys.readouterr().out
    counts = (Organisation.objects.count(), User.objects.count())
    call_command("demo_load")
    second = capsys.readouterr().out
    assert (Organisation.objects.count(), User.objects.count()) == counts
    assert "Demo data loaded" in first and "Demo data already present." in second
    for username in (
        "assistante.cpas",
        "responsable.cpas",
        "benevole.cigogne",
        "gerant.cigogne",
        "coordination",
        "admin",
    ):
        assert username in second
    cigogne = Organisation.objects.get(slug="la-cigogne")
    rules = [
        (r.recurrence, f"{r.starts_at:%H:%M}", f"{r.ends_at:%H:%M}", r.by_appointment)
        for r in cigogne.opening_rules.order_by("recurrence")
    ]
    assert rules == [
        ("FREQ=WEEKLY;BYDAY=MO", "09:00", "12:00", True),
        ("FREQ=WEEKLY;BYDAY=TH", "14:00", "16:00", False),
    ]
    # La Fourmi's three real sessions, and the demo's own: every day, all day.
    fourmi = Organisation.objects.get(slug="la-fourmi").opening_rules
    assert fourmi.count() == 4
    assert fourmi.filter(recurrence="FREQ=DAILY", closes_on_public_holidays=False).exists()
    assert Organisation.objects.filter(kind="partner").count() == 3
