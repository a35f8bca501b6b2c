"""The whole beat schedule, in Brussels time (settings.CELERY_TIMEZONE)."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Every minute: the worker notes it is alive; /healthz shows how long ago.
    "worker-heartbeat": {
        "task": "worker.tasks.worker_heartbeat",
        "schedule": crontab(),
    },
    # Every night at 00:05 Brussels time: passes whose last valid day was yesterday expire.
    "passes-expire": {
        "task": "worker.tasks.passes_expire",
        "schedule": crontab(hour=0, minute=5),
    },
}
