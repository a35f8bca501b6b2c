"""The whole beat schedule, in Brussels time (settings.CELERY_TIMEZONE)."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Every minute: the worker notes it is alive; /healthz shows how long ago.
    "worker-heartbeat": {
        "task": "worker.tasks.worker_heartbeat",
        "schedule": crontab(),
    },
}
