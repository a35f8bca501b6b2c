"""Thin Celery tasks: take ids, call one service, return something small."""

from worker.app import app


@app.task(name="worker.tasks.worker_heartbeat")  # type: ignore[untyped-decorator]  # celery: no hints
def worker_heartbeat() -> str:
    from network.services import worker_heartbeat_record

    return worker_heartbeat_record().seen_at.isoformat()


@app.task(name="worker.tasks.passes_expire")  # type: ignore[untyped-decorator]  # celery: no hints
def passes_expire() -> int:
    """Mark the passes whose validity has ended as expired (safe to run twice)."""
    from passes.services import passes_expire_due

    return passes_expire_due()
