"""The worker's renewal reminders and retention: thin tasks recorded on the jobs page, sent
by beat at 07:30 and 02:30 Brussels time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from reports.models import JobRun
from tests.network.test_worker import beat_run, to_the_minute

BRUSSELS = ZoneInfo("Europe/Brussels")
REMINDERS = "worker.tasks.renewal_reminders"
RETENTION = "worker.tasks.households_retention"


@pytest.mark.parametrize("day", [date(2026, 1, 14), date(2026, 7, 14)], ids=["winter", "summer"])
def test_beat_sends_the_reminders_at_0730_and_the_retention_at_0230_brussels_time(day):
    start = datetime.combine(day, time(12, 0, 30), tzinfo=BRUSSELS)

    sent = beat_run(start, hours=24)

    next_day = day + timedelta(days=1)
    assert to_the_minute(sent[REMINDERS]) == [datetime.combine(next_day, time(7, 30), BRUSSELS)]
    assert to_the_minute(sent[RETENTION]) == [datetime.combine(next_day, time(2, 30), BRUSSELS)]


def test_the_worker_knows_both_tasks():
    from worker.app import app

    app.loader.import_default_modules()

    assert {REMINDERS, RETENTION} <= app.tasks.keys()


@pytest.mark.django_db
def test_the_reminder_task_runs_the_service_and_is_recorded(
    frozen_day, pass_keys, social_worker_a, partner_a, convention_a, household_a
):
    from passes.services import pass_issue
    from worker.tasks import renewal_reminders

    social_worker_a.email = "sw.a@example.org"
    social_worker_a.save(update_fields=["email"])
    pass_issue(
        actor=social_worker_a,
        household=household_a,
        convention=convention_a,
        valid_until=frozen_day + timedelta(days=10),
    )

    first, second = renewal_reminders(), renewal_reminders()

    assert first == "1 e-mails, 1 passes reminded"
    assert second == "0 e-mails, 0 passes reminded"
    assert len(mail.outbox) == 1
    runs = JobRun.objects.filter(job="renewal_reminders").order_by("id")
    assert [(r.outcome, r.summary) for r in runs] == [("done", first), ("done", second)]


@pytest.mark.django_db
def test_the_retention_task_runs_the_service_and_is_recorded(social_worker_a, partner_a):
    from tests.factories import household_make
    from worker.tasks import households_retention

    with time_machine.travel(datetime(2023, 6, 1, 10, tzinfo=BRUSSELS), tick=False):
        household_make(social_worker_a, partner_a, recorded_on=date(2023, 6, 1))

    with time_machine.travel(datetime(2026, 3, 2, 10, tzinfo=BRUSSELS), tick=False):
        first, second = households_retention(), households_retention()

    assert (first, second) == ("1 households anonymised", "0 households anonymised")
    runs = JobRun.objects.filter(job="households_retention").order_by("id")
    assert [r.outcome for r in runs] == ["done", "done"]
