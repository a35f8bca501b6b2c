"""Conventions outside food (Article 27, a pharmacy, fuel): each use recorded with an
amount covered and a reference, against a yearly cap; the counter shows what is left."""

import uuid
from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from counter.services import ScanRefused, UseRecorded, visit_record
from network.models import UsageRule
from passes.selectors import pass_token
from passes.services import pass_issue
from schedules.models import OpeningRule
from tests.factories import convention_make, membership, organisation, user

BRUSSELS = ZoneInfo("Europe/Brussels")


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 11, tzinfo=BRUSSELS)


@pytest.fixture
def culture(db):
    place = organisation(
        kind="service", name="Article 27 Namur", slug="article-27-namur", service_kind="other"
    )
    OpeningRule.objects.create(
        service=place, recurrence="FREQ=DAILY", starts_at=time(9), ends_at=time(17)
    )
    return place


@pytest.fixture
def desk(culture):
    return membership(user("vol.a27"), culture, "volunteer").user


@pytest.fixture
def culture_pass(frozen_day, pass_keys, culture, partner_a, social_worker_a, household_a):
    """Six uses a year, and 150 € a year covered, whatever the household's size."""
    convention = convention_make(partner_a, [culture], visits_per_week=None)
    UsageRule.objects.create(
        convention=convention, service=culture, kind="uses", period="year", quantity=6
    )
    UsageRule.objects.create(
        convention=convention,
        service=culture,
        kind="budget",
        period="year",
        budget_base_cents=15000,
        budget_per_extra_member_cents=0,
    )
    return pass_issue(actor=social_worker_a, household=household_a, convention=convention)


def use(service, volunteer, access_pass, moment, amount_cents=None, reference=""):
    return visit_record(
        text=pass_token(access_pass=access_pass),
        service=service,
        user=volunteer,
        idempotency_key=uuid.uuid4().hex,
        moment=moment,
        use=UseRecorded(amount_cents, reference),
    )


def test_each_use_draws_the_yearly_cap_and_the_counter_says_what_is_left(
    culture, desk, culture_pass
):
    first = use(culture, desk, culture_pass, at(3, 2), 4000, "A27-0001")
    assert first.accepted
    assert [a.describe() for a in first.allowances] == [
        "110,00\xa0€ restants cette année (plafond 150,00\xa0€)",
        "5 utilisations restantes cette année",
    ]
    assert (first.visit.amount_cents, first.visit.reference) == (4000, "A27-0001")

    over = use(culture, desk, culture_pass, at(3, 3), 12000)
    assert over.reason == "amount_above_cap"
    assert (
        over.message == "Il ne reste que 110,00\xa0€ cette année : ce montant dépasse le plafond."
    )

    assert use(culture, desk, culture_pass, at(3, 4), 11000, "pharmacie 77").accepted
    capped = use(culture, desk, culture_pass, at(3, 5), 100)
    assert capped.reason == "cap_reached"
    assert capped.message == "Plafond atteint cette année : à nouveau le vendredi 1 janvier."
    # Once the cap is used up, a use without an amount is refused too: nothing more is
    # covered this year.
    assert use(culture, desk, culture_pass, at(3, 6)).reason == "cap_reached"


@pytest.mark.parametrize(
    ("amount", "reference", "code"),
    [
        (-1, "", "amount_invalid"),
        (1_000_001, "", "amount_invalid"),
        (100, "x" * 41, "reference_too_long"),
    ],
)
def test_a_negative_or_absurd_amount_or_a_long_reference_is_refused_and_records_nothing(
    culture, desk, culture_pass, amount, reference, code
):
    with pytest.raises(ScanRefused) as refused:
        use(culture, desk, culture_pass, at(3, 2), amount, reference)
    assert refused.value.code == code
    assert not culture_pass.visits.exists()


def test_an_amount_is_refused_at_a_food_counter(
    frozen_day, pass_keys, pass_a, volunteer_s, service_s
):
    OpeningRule.objects.create(
        service=service_s, recurrence="FREQ=DAILY", starts_at=time(8), ends_at=time(20)
    )
    with pytest.raises(ScanRefused) as refused:
        use(service_s, volunteer_s, pass_a, at(3, 2), 500)
    assert refused.value.code == "amount_not_here"


def test_the_desk_page_and_a_device_record_the_amount_and_reference(
    client, culture, desk, culture_pass
):
    client.force_login(desk)
    device = APIClient()
    device.force_authenticate(desk)
    token = pass_token(access_pass=culture_pass)
    with time_machine.travel(at(3, 2), tick=False):
        page = client.get("/counter/").content.decode()
        assert "Montant couvert" in page and 'name="reference"' in page
        html = client.post(
            "/counter/scan/",
            {
                "code": token,
                "idempotency_key": "a27-page-01",
                "amount": "12,50",
                "reference": "T-88",
            },
        ).content.decode()
        assert "137,50" in html
        bad = client.post(
            "/counter/scan/", {"code": token, "idempotency_key": "a27-page-02", "amount": "douze"}
        )
        assert bad.status_code == 422 and "montant" in bad.content.decode()
    with time_machine.travel(at(3, 3), tick=False):
        sent = device.post(
            "/api/counter/scans/",
            {"code": token, "idempotency_key": "a27-api-001", "amount": "7.50", "reference": "P-1"},
            format="json",
        )
    assert sent.status_code == 201
    visits = sorted(culture_pass.visits.values_list("amount_cents", "reference"))
    assert visits == [(750, "P-1"), (1250, "T-88")]
    assert Decimal(sent.json()["allowances"][0]["budget_cents"]) == 15000
