"""Device tokens at the speed of the scan: a token's user and roles kept in the process.

A tablet sends `Authorization: Token <key>` with every scan. Reading the token with
its user, then the user's roles, costs two queries a request, as much as the scan's
own work. So each process keeps them, for AUTH_CACHE_SECONDS at most, and drops them
as soon as any of them changes:

- in the process that made the change, through the model signals below;
- in every other process, through PostgreSQL: the change sends `NOTIFY
  comptoir_auth` within its transaction (delivered when it commits), each process
  LISTENs on its own connection and, before it trusts what it keeps, reads the
  notifications already arrived on that connection (a poll of its socket, no round
  trip). A token revoked or a role withdrawn is refused by the very next request.

A connection opened anew LISTENs first and starts from nothing (it may have missed a
change). On other databases (SQLite in development) nothing is kept: no other
process could tell this one.

A change made by hand in SQL, outside the app, is seen within AUTH_CACHE_SECONDS,
or at once after `NOTIFY comptoir_auth`.
"""

import copy
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from network.access import usable_memberships, user_memberships_preload
from network.models import Membership, Organisation, User

CHANNEL = "comptoir_auth"
# A bound on what one process keeps (a network has a few hundred devices).
MAX_ENTRIES = 5000


@dataclass(frozen=True)
class _Entry:
    token: Token
    user: User
    memberships: list[Membership]
    until: float  # time.monotonic()


_entries: dict[str, _Entry] = {}
# The raw connections that LISTEN (a thread of a threaded server has its own).
_listening: "weakref.WeakSet[Any]" = weakref.WeakSet()
_lock = threading.Lock()


def token_cache_clear() -> None:
    with _lock:
        _entries.clear()


def token_cache_reset() -> None:
    """Forget the entries and which connections listen (the tests roll back their
    transactions, and a LISTEN with them)."""
    token_cache_clear()
    _listening.clear()


def _changes_heard() -> bool:
    """True when what is kept may be stale: a change was announced, or this connection
    has just started to listen. Reads only what already arrived on the socket."""
    connection.ensure_connection()
    raw = connection.connection
    # DRF authenticates before any view opens a transaction: the LISTEN takes effect now.
    if raw not in _listening:
        with connection.cursor() as cursor:
            cursor.execute(f"LISTEN {CHANNEL}")
        _listening.add(raw)
        return True
    return bool(list(raw.notifies(timeout=0)))


def _cache_used() -> bool:
    return connection.vendor == "postgresql" and settings.AUTH_CACHE_SECONDS > 0


class CachedTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, its user and usable roles kept as the module says."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        if not _cache_used():
            return super().authenticate_credentials(key)
        if _changes_heard():
            token_cache_clear()
        now = time.monotonic()
        entry = _entries.get(key)
        if entry is None or entry.until <= now:
            # An unknown key or an inactive user raises here, as without the cache.
            user, token = super().authenticate_credentials(key)
            entry = _Entry(token, user, list(usable_memberships(user)), now + _seconds())
            with _lock:
                if len(_entries) >= MAX_ENTRIES:
                    _entries.clear()
                _entries[key] = entry
        # Each request gets its own user object: views may set attributes on it.
        user = copy.copy(entry.user)
        user_memberships_preload(user, entry.memberships)
        return user, entry.token


def _seconds() -> int:
    return int(settings.AUTH_CACHE_SECONDS)


def auth_changed(using: str = "default") -> None:
    """Forget every kept token, here and (on PostgreSQL, at commit) in every process."""
    token_cache_clear()
    database = connections[using]
    if database.vendor == "postgresql":
        with database.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [CHANNEL])
        # This process may have kept the old state again before the commit.
        transaction.on_commit(token_cache_clear, using=using)


@receiver([post_save, post_delete], sender=Token)
@receiver([post_save, post_delete], sender=Membership)
@receiver([post_save, post_delete], sender=Organisation)
def _auth_row_changed(sender: Any, using: str, **kwargs: Any) -> None:
    auth_changed(using)


@receiver([post_save, post_delete], sender=User)
def _user_changed(sender: Any, using: str, **kwargs: Any) -> None:
    # A login saves `last_login` alone: it changes nothing a token gives.
    if kwargs.get("update_fields") == frozenset({"last_login"}):
        return
    auth_changed(using)
