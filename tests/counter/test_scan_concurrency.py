"""Two (or twenty) tablets scanning one card at the same instant, on PostgreSQL.

Real threads, each with its own database connection, released together by a
barrier: the pass row lock must let exactly one scan through.
"""

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from counter.models import Visit
from counter.services import visit_record, visit_undo
from passes.selectors import pass_token
from passes.services import pass_issue
from schedules.models import OpeningRule
from tests.factories import assess, convention_make, household_make
from tests.passes.test_concurrency import run_together

MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Brussels"))
THREADS = 20
ROUNDS = 50


@pytest.fixture
def card(postgres, pass_keys, social_worker_a, partner_a, service_s):
    OpeningRule.objects.create(
        service=service_s, recurrence="FREQ=DAILY", starts_at=time(8), ends_at=time(20)
    )
    household = household_make(social_worker_a, partner_a)
    assess(social_worker_a, household)
    convention = convention_make(partner_a, [service_s])
    access_pass = pass_issue(
        actor=social_worker_a, household=household, convention=convention, today=date(2026, 3, 1)
    )
    return pass_token(access_pass=access_pass)


@pytest.mark.django_db(transaction=True)
def test_twenty_tablets_on_one_card_never_accept_it_twice(card, service_s, volunteer_s):
    for round_number in range(ROUNDS):
        moment = MONDAY + timedelta(minutes=2 * round_number)

        def scan(index: int, moment=moment) -> str:
            verdict = visit_record(
                text=card,
                service=service_s,
                user=volunteer_s,
                idempotency_key=uuid.uuid4().hex,
                moment=moment + timedelta(microseconds=index),
            )
            return verdict.reason or "accepted"

        results = run_together(THREADS, scan)

        assert sorted(results) == ["accepted"] + ["already_served"] * (THREADS - 1), results
        accepted = Visit.objects.get(accepted=True, undone_at__isnull=True)
        # The volunteer undoes it (a mistake), so the next round may accept the card again.
        visit_undo(
            visit_id=accepted.pk,
            service=service_s,
            user=volunteer_s,
            reason="round over",
            moment=moment + timedelta(minutes=1),
        )
    assert Visit.objects.count() == THREADS * ROUNDS
    assert Visit.objects.filter(accepted=True).count() == ROUNDS


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("text", ["card", "forged"])
def test_one_request_retried_by_twenty_threads_is_recorded_once(card, service_s, volunteer_s, text):
    key = uuid.uuid4().hex

    def scan(index: int) -> tuple:
        verdict = visit_record(
            text=card if text == "card" else "not a card at all",
            service=service_s,
            user=volunteer_s,
            idempotency_key=key,
            moment=MONDAY,
        )
        return verdict.visit.pk, verdict.accepted, verdict.reason

    results = run_together(THREADS, scan)

    assert len(set(results)) == 1, results
    assert Visit.objects.count() == 1
