"""Meals at a social restaurant: N meals per person per period, served several at a time."""

import uuid
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from counter.services import ScanRefused, visit_record
from network.models import UsageRule
from passes.models import HouseholdMember
from passes.selectors import pass_token
from passes.services import pass_issue
from schedules.models import OpeningRule
from tests.factories import convention_make, membership, organisation, user

BRUSSELS = ZoneInfo("Europe/Brussels")


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=BRUSSELS)


@pytest.fixture
def restaurant(db):
    place = organisation(kind="service", name="Resto S", slug="resto-s", service_kind="restaurant")
    OpeningRule.objects.create(
        service=place, recurrence="FREQ=DAILY", starts_at=time(11), ends_at=time(14)
    )
    return place


@pytest.fixture
def waiter(restaurant):
    return membership(user("vol.resto"), restaurant, "volunteer").user


@pytest.fixture
def meal_pass(pass_keys, restaurant, partner_a, social_worker_a, household_a):
    """Household A (3 persons) may have 2 meals per person per week at the restaurant."""
    convention = convention_make(partner_a, [restaurant], visits_per_week=None)
    UsageRule.objects.create(
        convention=convention, service=restaurant, kind="meal_tickets", period="week", quantity=2
    )
    return pass_issue(actor=social_worker_a, household=household_a, convention=convention)


def serve(restaurant, waiter, access_pass, meals, moment):
    return visit_record(
        text=pass_token(access_pass=access_pass),
        service=restaurant,
        user=waiter,
        idempotency_key=uuid.uuid4().hex,
        moment=moment,
        units=meals,
    )


def test_meals_are_granted_per_person_and_counted_as_served(
    frozen_day, restaurant, waiter, meal_pass
):
    assert HouseholdMember.objects.filter(household=meal_pass.household).count() == 2
    first = serve(restaurant, waiter, meal_pass, 3, at(2))
    assert first.accepted
    meals = first.allowances[0]
    assert (meals.quantity, meals.used, meals.remaining) == (6, 3, 3)
    assert meals.describe() == "3 repas restants cette semaine"
    assert first.visit.units == 3

    too_many = serve(restaurant, waiter, meal_pass, 4, at(3))
    assert too_many.reason == "not_enough_meals"
    assert too_many.message == "Il ne reste que 3 repas cette semaine : servez-en 3 au plus."

    assert serve(restaurant, waiter, meal_pass, 3, at(4)).accepted
    none_left = serve(restaurant, waiter, meal_pass, 1, at(5))
    assert none_left.reason == "no_meals_left"
    assert none_left.message == "Plus aucun repas cette semaine : à nouveau le lundi 9 mars."
    # A new week, new meals.
    assert serve(restaurant, waiter, meal_pass, 2, at(9)).accepted


@pytest.mark.parametrize(
    ("meals", "code"), [(0, "units_invalid"), (-1, "units_invalid"), (21, "units_invalid")]
)
def test_a_meal_count_of_zero_or_too_many_is_refused_and_records_nothing(
    frozen_day, restaurant, waiter, meal_pass, meals, code
):
    with pytest.raises(ScanRefused) as refused:
        serve(restaurant, waiter, meal_pass, meals, at(2))
    assert refused.value.code == code
    assert "repas" in refused.value.message
    assert not meal_pass.visits.exists()


def test_several_meals_at_once_only_at_a_restaurant(
    frozen_day, pass_keys, pass_a, volunteer_s, open_s, service_s
):
    with pytest.raises(ScanRefused) as refused:
        visit_record(
            text=pass_token(access_pass=pass_a),
            service=service_s,
            user=volunteer_s,
            idempotency_key=uuid.uuid4().hex,
            units=2,
        )
    assert refused.value.code == "units_not_here"


def test_the_restaurants_tablet_sends_the_meals_served(
    client, frozen_day, restaurant, waiter, meal_pass
):
    client.force_login(waiter)
    with time_machine.travel(at(2), tick=False):
        page = client.get("/counter/").content.decode()
        assert "Repas servis maintenant" in page and 'name="units"' in page
        html = client.post(
            "/counter/scan/",
            {
                "code": pass_token(access_pass=meal_pass),
                "idempotency_key": "meal-0001",
                "units": "4",
            },
        ).content.decode()
    assert "2 repas restants cette semaine" in html
    assert meal_pass.visits.get().units == 4


def test_a_device_sends_the_meals_served_and_a_bad_count_is_a_clear_400(
    frozen_day, restaurant, waiter, meal_pass
):
    from rest_framework.test import APIClient

    device = APIClient()
    device.force_authenticate(waiter)
    body = {"code": pass_token(access_pass=meal_pass), "idempotency_key": "meal-0002"}
    with time_machine.travel(at(2), tick=False):
        refused = device.post("/api/counter/scans/", {**body, "units": 0}, format="json")
        served = device.post("/api/counter/scans/", {**body, "units": 2}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "units_invalid"
    assert served.status_code == 201 and served.json()["units"] == 2
    assert served.json()["allowances"][0]["remaining"] == 4


@pytest.mark.django_db(transaction=True)
def test_two_tablets_serving_one_households_last_meals_at_once_serve_them_once(
    postgres, frozen_day, restaurant, waiter, meal_pass
):
    from tests.concurrency import run_together

    assert serve(restaurant, waiter, meal_pass, 2, at(2)).accepted
    # Four meals left this week; two tablets each try to serve four at once: the pass row
    # lock queues them, the second sees the first's meals (a repeat within minutes).
    verdicts = run_together(2, lambda i: serve(restaurant, waiter, meal_pass, 4, at(3)))
    assert sorted(v.reason for v in verdicts) == ["", "already_served"]
    assert sum(meal_pass.visits.filter(accepted=True).values_list("units", flat=True)) == 6
