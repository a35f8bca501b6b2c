"""Sending work to the worker from the web app, by task name, without importing it.

The web app must keep answering when the broker is down (DESIGN.md, "Runtime"):
`task_send` gives up at once instead of retrying, and says so, so that the caller
can do the work itself or tell the user.
"""

import logging
from functools import cache
from typing import Any

from celery import Celery

logger = logging.getLogger(__name__)


@cache
def _sender() -> Celery:
    app = Celery("comptoir-web")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    # kombu retried the connection for broker_connection_timeout (~6 s)
    # despite retry=False; no retry at all when the broker is down.
    app.conf.broker_transport_options = {
        **app.conf.broker_transport_options,
        "max_retries": 0,
    }
    return app


def task_send(name: str, *args: Any) -> bool:
    """Queue the task `name`; False when the broker cannot be reached."""
    try:
        # the web app never reads a result: without ignore_result the Redis
        # result backend subscribed first and retried 20 times (~19 s) with Redis down.
        _sender().send_task(name, args=args, retry=False, ignore_result=True)
    except Exception:  # kombu raises its own errors, OSError or a redis error by transport
        logger.warning("could not queue %s: the broker is unreachable", name, exc_info=True)
        return False
    return True
