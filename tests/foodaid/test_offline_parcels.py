"""The parcel without the network: the templates in the day's list, the parcels a tablet
gave offline recorded at their moment, and what cannot be recorded kept for the manager."""

import uuid
from decimal import Decimal

import pytest

from foodaid.models import Distribution
from foodaid.services import parcel_template_set
from stock.models import Lot, OfflineHandout
from stock.services import ReceiptLine, stock_receive
from tests.offline_sync import SNAPSHOT, at, scanned_offline, tablet_client

pytestmark = pytest.mark.django_db
D = Decimal
PARCELS = "/api/foodaid/offline/parcels/"


@pytest.fixture
def device(volunteer_s, open_s, catalogue, pass_keys):
    return tablet_client(volunteer_s)


@pytest.fixture
def template(manager_s, service_s, catalogue):
    return parcel_template_set(
        actor=manager_s,
        service=service_s,
        min_persons=1,
        max_persons=None,
        lines={catalogue["oil"].pk: D(2), catalogue["nappies"].pk: D(1)},
    )


def parcel(visit_key, moment):
    return {"idempotency_key": uuid.uuid4().hex, "visit_key": visit_key, "at": moment.isoformat()}


def test_the_days_list_carries_the_parcel_templates(device, template):
    extras = device.get(SNAPSHOT).json()["extras"]
    assert "shop" not in extras
    assert extras["parcel"] == {
        "sync_url": PARCELS,
        "templates": [
            {
                "min": 1,
                "max": None,
                "band": "1 personne et plus",
                "lines": [
                    {"name": "Huile de tournesol 1 l", "quantity": "2", "unit": ""},
                    {"name": "Langes taille 4", "quantity": "1", "unit": ""},
                ],
            }
        ],
    }


def test_a_parcel_given_offline_is_recorded_at_its_moment_once(device, template, pass_a):
    sent = parcel(scanned_offline(device, pass_a, at(9, 30)), at(9, 31))

    first = device.post(PARCELS, {"handouts": [sent]}, format="json").json()
    again = device.post(PARCELS, {"handouts": [sent]}, format="json").json()

    assert first[0]["status"] == "recorded" and again[0]["status"] == "replayed"
    given = Distribution.objects.get()
    assert given.at == at(9, 31) and given.persons == 3
    assert OfflineHandout.objects.get().source == given


def test_a_parcel_with_nothing_left_waits_for_the_manager_then_is_recorded(
    device, client, template, pass_a, manager_s, service_s, catalogue
):
    # Another tablet gave the last of everything (pasta would stand in for the oil).
    Lot.objects.filter(service=service_s).update(on_hand=0)
    sent = parcel(scanned_offline(device, pass_a, at(9, 30)), at(9, 31))

    result = device.post(PARCELS, {"handouts": [sent]}, format="json").json()[0]

    assert result["status"] == "pending"
    assert "Plus rien en stock pour ce colis" in result["message"]
    client.force_login(manager_s)
    assert "1 remise hors ligne à régulariser" in client.get("/manage/").content.decode()
    stock_receive(
        actor=manager_s,
        service=service_s,
        origin="food_bank",
        supplier="Banque alimentaire de Namur",
        lines=[ReceiptLine(catalogue["oil"], D(2), None)],
    )
    handout = OfflineHandout.objects.get()
    # The sale's way does not record a parcel.
    client.post(f"/manage/offline/{handout.pk}/sale/")
    handout.refresh_from_db()
    assert handout.status == "pending"

    client.post(f"/manage/offline/{handout.pk}/parcel/")

    handout.refresh_from_db()
    assert handout.status == "differs"  # the nappies were not in the ledger
    assert "Langes taille 4" in handout.problem
    assert Distribution.objects.get().at == at(9, 31)


def test_the_counter_page_of_a_food_aid_point_carries_the_offline_parcel(
    client, volunteer_s, template
):
    client.force_login(volunteer_s)
    page = client.get("/counter/").content.decode()
    assert 'id="offline-parcel-words"' in page and "offline_basket" not in page
