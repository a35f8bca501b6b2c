"""Shared fixtures: the real services when configured, personas, a clean slate.

With DATABASE_URL and REDIS_URL set (CI sets them), tests run against
PostgreSQL and Redis. With COMPTOIR_REQUIRE_SERVICES=1 (CI), a missing service
or browser is an error, never a skip.
"""

import os
import shutil
import socket
from datetime import datetime, time
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest

from passes.services.vouchers import referral_issue
from schedules.models import OpeningRule
from tests.factories import convention_make, membership, organisation, user

REQUIRE_SERVICES = os.environ.get("COMPTOIR_REQUIRE_SERVICES") == "1"
ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"


def reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 0), 2):
            return True
    except OSError:
        return False


def pytest_configure(config):
    if not REQUIRE_SERVICES:
        return
    problems = []
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres"):
        problems.append("DATABASE_URL must point at PostgreSQL")
    elif not reachable(database_url):
        problems.append(f"PostgreSQL is unreachable at {urlparse(database_url).netloc}")
    if not redis_url.startswith("redis"):
        problems.append("REDIS_URL must point at Redis")
    elif not reachable(redis_url):
        problems.append(f"Redis is unreachable at {urlparse(redis_url).netloc}")
    if not Path(CHROMIUM).exists():
        problems.append(f"Chromium is missing at {CHROMIUM}")
    if not shutil.which("docker-compose"):
        problems.append("docker-compose is missing")
    if problems:
        pytest.exit("CI requires its services: " + "; ".join(problems), returncode=3)


def unavailable(reason: str):
    """Skip with a visible reason; in CI, where everything must be there, fail instead."""
    if REQUIRE_SERVICES:
        pytest.fail(f"CI requires it: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _clean_slate(settings, tmp_path):
    """Each test starts with no lock-outs, no cached throttles, no queued tasks."""
    from django.core.cache import cache

    from network.token_cache import token_cache_reset
    from schedules.selectors import counter_schedules_forget
    from worker.app import app

    cache.clear()
    counter_schedules_forget()
    token_cache_reset()
    # Hashing strength is tested by Django; here it would only slow every login down.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def postgres(db):
    """Skip unless the tests run on PostgreSQL (CI always does)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        unavailable(
            "needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/comptoir"
        )
    return connection


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL", "")
    if not url or not reachable(url):
        unavailable("needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0")
    return url


# Personas: two partners, one collective service, the network, a person per role.


@pytest.fixture
def network_org(db):
    return organisation(kind="network", name="Réseau test", slug="reseau-test")


@pytest.fixture
def partner_a(db):
    return organisation(kind="partner", name="CPAS A", slug="cpas-a", partner_kind="cpas")


@pytest.fixture
def partner_b(db):
    return organisation(kind="partner", name="Mutualité B", slug="mut-b", partner_kind="mutuality")


@pytest.fixture
def service_s(db):
    return organisation(kind="service", name="Épicerie S", slug="epicerie-s", service_kind="shop")


@pytest.fixture
def social_worker_a(partner_a):
    return membership(user("sw.a"), partner_a, "social_worker").user


@pytest.fixture
def social_worker_b(partner_b):
    return membership(user("sw.b"), partner_b, "social_worker").user


@pytest.fixture
def partner_head_a(partner_a):
    return membership(user("head.a"), partner_a, "partner_head").user


@pytest.fixture
def volunteer_s(service_s):
    return membership(user("vol.s"), service_s, "volunteer").user


@pytest.fixture
def manager_s(service_s):
    return membership(user("man.s"), service_s, "manager").user


@pytest.fixture
def coordinator(network_org):
    return membership(user("coord"), network_org, "coordinator").user


@pytest.fixture
def user_without_role(db):
    return user("nobody")


# --- a vestiaire and a social restaurant with partner A's convention, a referral ---------


def open_daily(service):
    OpeningRule.objects.create(
        service=service, recurrence="FREQ=DAILY", starts_at=time(8), ends_at=time(20)
    )
    return service


@pytest.fixture
def vestiaire(db):
    return open_daily(
        organisation(
            kind="service", name="Vestiaire V", slug="vestiaire-v", service_kind="vestiaire"
        )
    )


@pytest.fixture
def restaurant(db):
    return open_daily(
        organisation(kind="service", name="Resto R", slug="resto-r", service_kind="restaurant")
    )


@pytest.fixture
def conventions(partner_a, vestiaire, restaurant):
    return convention_make(partner_a, [vestiaire, restaurant])


@pytest.fixture
def dresser(vestiaire):
    return membership(user("vol.vest"), vestiaire, "volunteer").user


@pytest.fixture
def referral(frozen_day, pass_keys, conventions, social_worker_a, household_a, vestiaire):
    return referral_issue(
        actor=social_worker_a,
        household=household_a,
        service=vestiaire,
        covers="Vêtements d'hiver pour 3 personnes",
        valid_days=14,
        moment=datetime(2026, 3, 2, 10, tzinfo=ZoneInfo("Europe/Brussels")),
    )
