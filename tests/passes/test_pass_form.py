"""The pass form's live check: the rules of the issue, read-only, and honest words."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from passes.models import AccessPass

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _day_and_keys(frozen_day, pass_keys):
    return frozen_day


def check(client, household, data):
    url = f"/households/{household.pk}/passes/new/"
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, {**data, "check": "1"}, headers={"HX-Request": "true"})
    return response, [q["sql"].upper() for q in captured.captured_queries]


def test_the_live_check_writes_and_locks_nothing(
    client, social_worker_a, household_a, convention_a
):
    client.force_login(social_worker_a)
    response, sql = check(client, household_a, {"convention": convention_a.pk})

    assert response.status_code == 200
    assert "Tout est en ordre" in response.content.decode()
    assert not [q for q in sql if "FOR UPDATE" in q]
    assert not [q for q in sql if q.startswith(("INSERT", "UPDATE", "DELETE"))]
    assert not AccessPass.objects.exists()


def test_the_live_check_refuses_what_the_issue_refuses_without_saying_nothing_was_saved(
    client, social_worker_a, household_a, convention_a
):
    client.force_login(social_worker_a)
    data = {
        "convention": convention_a.pk,
        "valid_from": "2026-03-10",
        "valid_until": "2026-03-05",
    }
    response, sql = check(client, household_a, data)

    page = response.content.decode()
    assert response.status_code == 422
    assert "inversez-les" in page
    assert "rien n&#x27;a été enregistré" not in page and "rien n'a été enregistré" not in page
    assert not [q for q in sql if "FOR UPDATE" in q]

    submitted = client.post(f"/households/{household_a.pk}/passes/new/", data)
    assert submitted.status_code == 422
    assert "rien n'a été enregistré" in submitted.content.decode()


def test_the_live_check_sees_a_pass_that_ended_but_was_not_yet_expired_as_no_obstacle(
    client, social_worker_a, household_a, convention_a, pass_a, time_machine
):
    """The nightly job has not run yet: the ended pass does not block a new one."""
    pass_a.valid_until = pass_a.valid_from
    pass_a.save()
    time_machine.move_to("2026-03-05 10:00 +01:00")
    client.force_login(social_worker_a)

    response, _sql = check(client, household_a, {"convention": convention_a.pk})

    assert "Tout est en ordre" in response.content.decode()
    pass_a.refresh_from_db()
    assert pass_a.status == AccessPass.Status.ACTIVE  # the check changed nothing
