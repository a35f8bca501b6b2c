"""The Celery application: Django settings, the beat schedule, the tasks."""

import os
import sys
from pathlib import Path
from typing import Any

from celery import Celery
from celery.signals import worker_ready

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "backend"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comptoir.settings")

app = Celery("comptoir")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.include = ["worker.tasks"]
app.conf.beat_schedule = __import__("worker.schedule", fromlist=["BEAT_SCHEDULE"]).BEAT_SCHEDULE


def ensure_broker_folders() -> None:
    """The file-based development broker needs its folders before anyone connects."""
    for key in ("data_folder_in", "data_folder_out", "control_folder", "processed_folder"):
        folder = app.conf.broker_transport_options.get(key)
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)


ensure_broker_folders()


# Sent when a worker starts: jobs that catch up by state (each does nothing when there
# is nothing to do), so a night missed while the worker was down is made up at once.
CATCH_UP_AT_START = ("worker.tasks.passes_expire", "worker.tasks.statistics_last_month")


@worker_ready.connect  # type: ignore[untyped-decorator]  # celery ships no type hints
def beat_once_at_start(sender: Any, **kwargs: Any) -> None:
    """Report the worker alive at once rather than at the next minute of the schedule,
    and catch up the nightly jobs."""
    sender.app.send_task("worker.tasks.worker_heartbeat")
    for task in CATCH_UP_AT_START:
        sender.app.send_task(task)
