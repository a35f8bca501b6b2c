"""The worker: a real Celery worker runs a real task through Redis on PostgreSQL."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command

from network.models import Organisation, User, WorkerHeartbeat

ROOT = Path(__file__).resolve().parents[2]


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


def test_the_heartbeat_task_is_scheduled_every_minute():
    from worker.schedule import BEAT_SCHEDULE

    entry = BEAT_SCHEDULE["worker-heartbeat"]
    assert entry["task"] == "worker.tasks.worker_heartbeat"
    assert str(entry["schedule"]) == "<crontab: * * * * * (m/h/dM/MY/d)>"


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
