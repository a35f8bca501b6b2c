"""Thin Celery tasks: take ids, call one service, return something small.

Every job but the heartbeat is recorded by `reports.jobs.job_run` (the jobs page)
and guarded there against overlapping runs. Tasks are acknowledged late (settings:
a worker that dies mid-run leaves the message for another) and retried with a
growing delay when the database or the network fails; a refusal of the domain is
not retried.
"""

from typing import Any

from django.db import DatabaseError

from worker.app import app

RETRIED: dict[str, Any] = {
    "autoretry_for": (DatabaseError, OSError),
    "retry_backoff": 30,
    "retry_backoff_max": 900,
    "retry_jitter": True,
    "max_retries": 6,
}


@app.task(name="worker.tasks.worker_heartbeat")  # type: ignore[untyped-decorator]  # celery: no hints
def worker_heartbeat() -> str:
    from network.services import worker_heartbeat_record

    return worker_heartbeat_record().seen_at.isoformat()


@app.task(name="worker.tasks.passes_expire", **RETRIED)  # type: ignore[untyped-decorator]
def passes_expire() -> str:
    """Mark the passes whose validity has ended as expired (safe to run twice)."""
    from passes.services import passes_expire_due
    from reports.jobs import job_run

    return job_run("passes_expire", lambda: f"{passes_expire_due()} passes expired").summary


@app.task(name="worker.tasks.statistics_last_month", **RETRIED)  # type: ignore[untyped-decorator]
def statistics_last_month() -> str:
    """Compile last month's statistics unless done since it ended (catches up a missed night)."""
    from reports.jobs import job_run
    from reports.services import last_month_compile_if_missing

    return job_run("statistics_last_month", last_month_compile_if_missing).summary


@app.task(name="worker.tasks.statistics_compile", **RETRIED)  # type: ignore[untyped-decorator]
def statistics_compile(month: str, actor_id: int | None = None, reason: str = "") -> str:
    """Compile one month on a coordinator's demand."""
    from network.models import User
    from reports.jobs import job_run
    from reports.services import month_compile, month_parse

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None

    def work() -> str:
        compiled = month_compile(month=month_parse(month), actor=actor, reason=reason)
        return f"{month} compiled (v{compiled.report.version}): {compiled.figures} figures"

    return job_run("statistics_compile", work).summary


@app.task(name="worker.tasks.stock_alerts", **RETRIED)  # type: ignore[untyped-decorator]
def stock_alerts() -> str:
    """E-mail each collective service's managers the day's stock alerts, once a day."""
    from reports.jobs import job_run
    from stock.services import stock_alerts_email

    return job_run("stock_alerts", lambda: stock_alerts_email().summary).summary


@app.task(name="worker.tasks.renewal_reminders", **RETRIED)  # type: ignore[untyped-decorator]
def renewal_reminders() -> str:
    """E-mail each social worker their passes ending soon, each pass once (safe to rerun)."""
    from passes.services import renewal_reminders_send
    from reports.jobs import job_run

    return job_run("renewal_reminders", lambda: renewal_reminders_send().summary()).summary


@app.task(name="worker.tasks.households_retention", **RETRIED)  # type: ignore[untyped-decorator]
def households_retention() -> str:
    """Anonymise the households without a valid pass for the retention period (safe to rerun)."""
    from passes.services import households_anonymise_due
    from reports.jobs import job_run

    return job_run(
        "households_retention", lambda: f"{households_anonymise_due()} households anonymised"
    ).summary


@app.task(name="worker.tasks.export_build", **RETRIED)  # type: ignore[untyped-decorator]
def export_build(export_id: str) -> str:
    """Build a statistics export a reader asked for; the page shows its progress.

    Not one of the recorded jobs: exports of several readers run side by side, and each
    export's row already says its state, progress and error (taken once, by a
    conditional update)."""
    from reports.exports import export_build as build

    return build(export_id)
