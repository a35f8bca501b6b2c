"""Health of the parts a deployment depends on, for /healthz and operators."""

from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone
from kombu.connection import Connection

from network.models import WorkerHeartbeat


def database_status() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down", and is reported as such
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor}


def broker_status(timeout: float = 1.0) -> dict[str, Any]:
    transport = settings.CELERY_BROKER_URL.split("://", 1)[0]
    broker = Connection(
        settings.CELERY_BROKER_URL, transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS
    )
    try:
        with broker as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
    except Exception as exc:  # a down broker is reported, never raised
        return {"ok": False, "transport": transport, "error": exc.__class__.__name__}
    return {"ok": True, "transport": transport}


def worker_status() -> dict[str, Any]:
    try:
        heartbeat = WorkerHeartbeat.objects.filter(name="worker").first()
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    if heartbeat is None:
        return {"ok": False, "last_seen": None}
    age = (timezone.now() - heartbeat.seen_at).total_seconds()
    # The schedule beats every minute: three missed beats mean trouble.
    return {"ok": age < 180, "last_seen": heartbeat.seen_at.isoformat(), "age_seconds": int(age)}
