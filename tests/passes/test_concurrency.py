"""Passes under concurrent requests, on PostgreSQL with real threads released together."""

import threading
import time
from datetime import date

import pytest
from django.db import connection, transaction

from passes.models import AccessPass, PassCard, PassEvent
from passes.services import PassRefused, pass_issue, pass_replace, passes_expire_due
from tests.concurrency import run_together
from tests.factories import assess, convention_make, household_make

TODAY = date(2026, 3, 2)


@pytest.mark.django_db(transaction=True)
def test_the_last_place_of_a_quota_goes_to_exactly_one_request(
    postgres, social_worker_a, partner_a, service_s
):
    households = [household_make(social_worker_a, partner_a) for _ in range(2)]
    for household in households:
        assess(social_worker_a, household)

    for round_number in range(20):
        convention = convention_make(partner_a, [service_s], max_active_passes=1)

        def issue(index: int, convention=convention) -> str:
            try:
                pass_issue(
                    actor=social_worker_a,
                    household=households[index % 2],
                    convention=convention,
                    today=TODAY,
                )
            except PassRefused as refusal:
                return refusal.code
            return "issued"

        outcomes = run_together(8, issue)
        assert outcomes.count("issued") == 1, (round_number, outcomes)
        assert set(outcomes) <= {"issued", "quota_reached", "already_has_pass"}, outcomes
        assert AccessPass.objects.filter(convention=convention).count() == 1
        assert PassCard.objects.filter(access_pass__convention=convention).count() == 1


@pytest.mark.django_db(transaction=True)
def test_simultaneous_replacements_give_consecutive_card_versions(
    postgres, social_worker_a, partner_a, service_s
):
    household = household_make(social_worker_a, partner_a)
    assess(social_worker_a, household)
    access_pass = pass_issue(
        actor=social_worker_a,
        household=household,
        convention=convention_make(partner_a, [service_s]),
        today=TODAY,
    )

    def replace(index: int) -> int:
        return pass_replace(
            actor=social_worker_a, access_pass=access_pass, reason=f"lost card {index}"
        ).card_version

    versions = run_together(10, replace)
    assert sorted(versions) == list(range(2, 12)), versions

    access_pass.refresh_from_db()
    assert access_pass.card_version == 11
    cards = PassCard.objects.filter(access_pass=access_pass)
    assert sorted(cards.values_list("version", flat=True)) == list(range(1, 12))
    assert list(cards.filter(retired_at__isnull=True).values_list("version", flat=True)) == [11]
    assert len(set(cards.values_list("human_code", flat=True))) == 11


def wait_for_a_blocked_query(timeout: float = 10) -> None:
    """Return once another connection waits for a row lock this transaction holds."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the other run never waited for the lock")


@pytest.mark.django_db(transaction=True)
def test_an_expiry_run_that_loses_the_race_writes_no_expire_event(
    postgres, social_worker_a, partner_a, service_s
):
    convention = convention_make(partner_a, [service_s], max_pass_days=10)
    for _ in range(3):
        household = household_make(social_worker_a, partner_a)
        assess(social_worker_a, household)
        pass_issue(actor=social_worker_a, household=household, convention=convention, today=TODAY)
    later = date(2026, 4, 1)

    # Another run (the nightly task, or pass_issue tidying a household) has
    # expired the passes and not committed yet when this run reads them.
    with transaction.atomic():
        AccessPass.objects.update(status=AccessPass.Status.EXPIRED)
        results: list = []
        loser = threading.Thread(target=lambda: results.append(expire(later)))
        loser.start()
        wait_for_a_blocked_query()
    loser.join(timeout=30)

    assert results == [0]
    assert PassEvent.objects.filter(action=PassEvent.Action.EXPIRE).count() == 0


def expire(today: date) -> int:
    try:
        return passes_expire_due(today=today)
    finally:
        connection.close()
