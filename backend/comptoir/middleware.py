"""A connection the database dropped costs no request.

Django can test a kept connection with `SELECT 1` before every request
(CONN_HEALTH_CHECKS): a round trip each time, a sixth of a scan's work. Comptoir
does without it and looks only after a failure: when a request ends in a server
error and the connection it started with has been lost meanwhile (the database
restarted, a failover, an idle timeout on the way), the request runs once more on
a new connection, if running it twice is safe: a read, or a view marked
`replay_safe` (one that carries its own idempotency key, like the scan).
"""

from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

View = TypeVar("View", bound=Callable[..., Any])


def replay_safe(view: View) -> View:
    """Mark a view that may run twice for one request (it records once per key)."""
    view.replay_safe = True  # type: ignore[attr-defined]
    return view


def _replayable(request: HttpRequest) -> bool:
    return request.method in SAFE_METHODS or _replay_safe_path(request.path_info)


@lru_cache(maxsize=1024)
def _replay_safe_path(path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return bool(getattr(match.func, "replay_safe", False))


def _connection_lost(started_on: Any) -> bool:
    """After a failure: Django closed the connection it started with (a rollback
    failed), or the connection fails a test (only now, instead of before each request)."""
    if connection.connection is not started_on:
        return True
    return bool(connection.errors_occurred) and not connection.is_usable()


class ReconnectMiddleware:
    """Runs a replayable request again, once, when it failed on a lost connection."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started_on = connection.connection
        replayable = started_on is not None and _replayable(request)
        if replayable and request.method not in SAFE_METHODS:
            # Read now, so that a second run finds the body again.
            request.body  # noqa: B018
        response = self.get_response(request)
        if replayable and response.status_code >= 500 and _connection_lost(started_on):
            connection.close()
            response = self.get_response(request)
        return response
