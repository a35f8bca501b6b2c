"""A vestiaire's manager follows the vouchers partners gave for it, without household names."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from passes.selectors import voucher_token
from passes.services.vouchers import referral_issue, voucher_revoke
from tests.counter.test_vouchers import scan
from tests.factories import membership, user

BRUSSELS = ZoneInfo("Europe/Brussels")
MONDAY = datetime(2026, 3, 2, 10, tzinfo=BRUSSELS)


@pytest.fixture
def boss(vestiaire):
    return membership(user("man.vest"), vestiaire, "manager").user


def test_the_manager_sees_vouchers_by_state_and_no_household_name(
    client,
    referral,
    dresser,
    vestiaire,
    boss,
    social_worker_a,
    household_a,
):
    scan(voucher_token(voucher=referral), vestiaire, dresser)
    waiting = referral_issue(
        actor=social_worker_a,
        household=household_a,
        service=vestiaire,
        covers="chaussures d'enfant",
        moment=MONDAY,
    )
    cancelled = referral_issue(
        actor=social_worker_a,
        household=household_a,
        service=vestiaire,
        covers="manteau",
        moment=MONDAY,
    )
    voucher_revoke(actor=social_worker_a, voucher_id=cancelled.pk, reason="donné deux fois")
    referral_issue(
        actor=social_worker_a,
        household=household_a,
        service=vestiaire,
        covers="pulls",
        valid_days=1,
        moment=MONDAY - timedelta(days=3),
    )
    client.force_login(boss)
    home = client.get("/manage/").content.decode()
    assert "Bons et tickets-repas" in home
    page = client.get("/manage/vouchers/").content.decode()
    counts = {
        state: f'data-count="{state}">{n}<'
        for state, n in [("valid", 1), ("used", 1), ("expired", 1), ("revoked", 1)]
    }
    for expected in counts.values():
        assert expected in page
    assert "chaussures d&#x27;enfant" in page and "CPAS A" in page
    assert household_a.first_name not in page and household_a.last_name not in page
    assert waiting.human_code not in page


def test_a_volunteer_cannot_open_the_vouchers_page(client, dresser):
    client.force_login(dresser)
    assert client.get("/manage/vouchers/").status_code == 403


def test_a_manager_reads_the_vouchers_through_the_api(referral, boss, dresser, vestiaire):
    from rest_framework.test import APIClient

    scan(voucher_token(voucher=referral), vestiaire, dresser)
    device = APIClient()
    device.force_authenticate(boss)
    body = device.get("/api/counter/vouchers/").json()
    assert (body["used"], body["valid"]) == (1, 0)
    assert body["recent"][0]["state"] == "used" and body["recent"][0]["partner"] == "CPAS A"
    assert "Marie" not in str(body)
    device.force_authenticate(dresser)
    assert device.get("/api/counter/vouchers/").status_code == 403
