"""The EU food-aid categories of a household never reach a counter: not in the scan's
answer, not in the counter page, not in the day's visits the counter lists."""

import html
import uuid
from datetime import time

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from passes.selectors import pass_token
from passes.services import household_update
from schedules.models import OpeningRule

pytestmark = pytest.mark.django_db

# What would give a category away: its field names and the words of its labels.
GIVEAWAYS = (
    "holder_sex",
    "persons_with_disability",
    "persons_of_foreign_background",
    "persons_homeless",
    "with_disability",
    "foreign_background",
    "homeless",
    "handicap",
    "étrangère",
    "minorité",
    "sans abri",
)


@pytest.fixture
def token_a(frozen_day, pass_keys, service_s, social_worker_a, household_a, pass_a):
    OpeningRule.objects.create(
        service=service_s, recurrence="FREQ=DAILY", starts_at=time(8), ends_at=time(20)
    )
    household_update(
        actor=social_worker_a,
        household=household_a,
        fields={
            "holder_sex": "f",
            "persons_with_disability": 1,
            "persons_of_foreign_background": 2,
            "persons_homeless": 3,
        },
    )
    return pass_token(access_pass=pass_a)


def assert_no_category(content: bytes) -> None:
    text = html.unescape(content.decode()).lower()
    for word in GIVEAWAYS:
        assert word not in text, word


def test_a_devices_scan_answers_without_the_categories(token_a, volunteer_s):
    device = APIClient()
    device.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=volunteer_s).key}")
    response = device.post(
        "/api/counter/scans/", {"code": token_a, "idempotency_key": uuid.uuid4().hex}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["accepted"] is True
    assert_no_category(response.content)
    today = device.get("/api/counter/today/")
    assert today.status_code == 200
    assert_no_category(today.content)


def test_the_counter_page_and_its_verdict_show_none_of_the_categories(client, token_a, volunteer_s):
    client.force_login(volunteer_s)
    assert_no_category(client.get("/counter/").content)
    response = client.post(
        "/counter/scan/",
        {"code": token_a, "idempotency_key": uuid.uuid4().hex},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert "Marie · 3 personnes" in response.content.decode()
    assert_no_category(response.content)
    assert_no_category(client.get("/counter/").content)
