"""A real Celery worker in a subprocess, on the test database, and a small month for it.

The worker cannot share the tests' frozen clock: it compiles at the real time. So the
month seeded here is the real last month, built with the test process's clock set to
moments of it; the worker then compiles it as "last month" whatever today is.
"""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from counter.models import Visit
from counter.services import visit_record
from demo import world
from network.models import Convention, Organisation, User
from passes.models import AccessPass
from passes.selectors import pass_token
from passes.services import MemberData, pass_issue
from reports.services import previous_month
from tests.factories import assess, convention_make, household_make
from tests.reports.seed import BRUSSELS, clock

ROOT = Path(__file__).resolve().parents[2]


def database_url(connection) -> str:
    """The URL of the test database (not the one the settings name) for a subprocess."""
    settings_dict = connection.settings_dict
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    return (
        f"postgres://{settings_dict['USER']}{password}@{settings_dict['HOST']}:"
        f"{settings_dict['PORT']}/{settings_dict['NAME']}"
    )


def worker_start(*, database: str, redis: str, queue: str = "celery") -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database, "REDIS_URL": redis}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "worker.app",
            "worker",
            "--pool=solo",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=WARNING",
            "-Q",
            queue,
        ],
        cwd=ROOT,
        env=env,
    )


def worker_stop(worker: subprocess.Popen) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(timeout=10)


def wait_for(check: Callable[[], Any], timeout: float = 90, what: str = "") -> Any:
    """Poll `check` until it returns something true (the worker works in its own time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"still waiting after {timeout} s: {what}")


@dataclass
class SmallMonth:
    month: date
    convention: Convention
    access_pass: AccessPass
    accepted: Visit


def last_month() -> date:
    return previous_month(timezone.localdate())


def small_month_seed(
    *,
    service: Organisation,
    partner: Organisation,
    social_worker: User,
    volunteer: User,
) -> SmallMonth:
    """Last month at the shop: a household of 3 whose pass is issued on the 10th at 09:00,
    accepted at 10:00, refused at 11:00 (one visit a week)."""
    month = last_month()
    day = month.replace(day=10)

    def moment(hour: int) -> datetime:
        return datetime(day.year, day.month, day.day, hour, tzinfo=BRUSSELS)

    with clock(moment(9)):
        world.counter_open_all_day(service)
        convention = convention_make(
            partner,
            [service],
            starts_on=month,
            ends_on=month + timedelta(days=400),
            reference="CONV-E2E",
        )
        household = household_make(
            social_worker,
            partner,
            members=[MemberData("3-15", "f"), MemberData("25-64", "m")],
        )
        assess(social_worker, household, on=day)
        access_pass = pass_issue(actor=social_worker, household=household, convention=convention)
    verdicts = []
    for hour in (10, 11):
        with clock(moment(hour)):
            verdicts.append(
                visit_record(
                    text=pass_token(access_pass=access_pass),
                    service=service,
                    user=volunteer,
                    idempotency_key=uuid.uuid4().hex,
                )
            )
    assert verdicts[0].accepted and verdicts[1].reason == "already_served"
    return SmallMonth(month, convention, access_pass, verdicts[0].visit)


def small_month_figures(service_slug: str = "epicerie-s") -> dict:
    """The small month's figures, worked out by hand (zeros left out, as `figures_of`)."""
    conv, shop = "CONV-E2E", service_slug
    return {
        (conv, shop, "visits_accepted", ""): 1,
        (conv, shop, "visits_refused", ""): 1,
        (conv, shop, "visits_refused", "already_served"): 1,
        (conv, shop, "households", ""): 1,
        (conv, shop, "persons", ""): 3,
        (conv, None, "households", ""): 1,
        (conv, None, "persons", ""): 3,
        (conv, None, "passes_issued", ""): 1,
        (conv, None, "passes_active", ""): 1,
        (conv, None, "quota", ""): 10,
        (conv, shop, "covered", ""): 1,
    }


def subset(figures: dict, keys: dict) -> dict:
    return {key: figures.get(key, 0) for key in keys}
