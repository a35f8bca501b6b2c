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
    # Every night at 03:00: last month's statistics, compiled on the 1st; on later nights
    # only if the 1st was missed (the worker or its broker down), never over a lock.
    "statistics-last-month": {
        "task": "worker.tasks.statistics_last_month",
        "schedule": crontab(hour=3, minute=0),
    },
    # Every morning at 07:00 Brussels time: each service's managers get one e-mail with the
    # day's stock alerts (products under their minimum, lots at or past their date), if any.
    "stock-alerts": {
        "task": "worker.tasks.stock_alerts",
        "schedule": crontab(hour=7, minute=0),
    },
    # Every morning at 07:30 Brussels time: each social worker gets one e-mail listing
    # their passes that end within the network's reminder period, each pass once.
    "renewal-reminders": {
        "task": "worker.tasks.renewal_reminders",
        "schedule": crontab(hour=7, minute=30),
    },
    # Every night at 02:30 Brussels time: households without a valid pass for the
    # network's retention period are anonymised.
    "households-retention": {
        "task": "worker.tasks.households_retention",
        "schedule": crontab(hour=2, minute=30),
    },
}
