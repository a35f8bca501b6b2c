"""The shop's API for managers: catalogue, prices, receipts, counts, lots, alerts."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from stock.models import Lot
from tests.factories import membership, organisation
from tests.stock.conftest import OIL_EAN

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(manager_s, catalogue):
    client = APIClient()
    client.force_authenticate(manager_s)
    return client


def test_the_catalogue_lists_stock_and_prices_here_and_creates_a_product(api):
    rows = {row["name"]: row for row in api.get("/api/stock/catalogue/").json()}
    assert rows["Pâtes 500 g"]["stock"] == "22.000"
    assert rows["Pâtes 500 g"]["price"] == "0.39"
    created = api.post(
        "/api/stock/catalogue/",
        {
            "name": "Lentilles 500 g",
            "category": "dry",
            "market_price": "1.89",
            "barcodes": ["5410000000064"],
            "percent": "25",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert (created.json()["price"], created.json()["barcodes"]) == ("0.47", ["5410000000064"])
    taken = api.post(
        "/api/stock/catalogue/",
        {"name": "Autre", "category": "dry", "market_price": "1", "barcodes": [OIL_EAN]},
        format="json",
    )
    assert (taken.status_code, taken.json()["code"]) == (409, "barcode_taken")


def test_prices_obey_the_band_and_the_market(api, catalogue):
    oil = catalogue["oil"].pk
    assert api.post(f"/api/stock/catalogue/{oil}/price/", {"price": "9.00"}).json()["code"] == (
        "price_above_market"
    )
    assert (
        api.post(f"/api/stock/catalogue/{oil}/price/", {"percent": "20"}).json()["price"] == "0.70"
    )


def test_a_receipt_by_api_then_a_count_then_a_loss(api, catalogue):
    receipt = api.post("/api/stock/receipts/", {"origin": "food_bank", "supplier": "BA"}).json()
    lines = f"/api/stock/receipts/{receipt['id']}/lines/"
    assert api.post(lines, {"barcode": OIL_EAN, "quantity": "6"}).status_code == 200
    eu = api.post("/api/stock/receipts/", {"origin": "eu_food_aid"}).json()
    refused = api.post(
        f"/api/stock/receipts/{eu['id']}/lines/",
        {"barcode": OIL_EAN, "quantity": "1", "household_price": "0.50"},
    )
    assert (refused.status_code, refused.json()["code"]) == (400, "eu_aid_free_only")
    posted = api.post(f"/api/stock/receipts/{receipt['id']}/post/").json()
    assert posted["status"] == "posted" and len(posted["lots"]) == 1

    count = api.post("/api/stock/counts/").json()
    api.post(f"/api/stock/counts/{count['id']}/lines/", {"barcode": OIL_EAN, "counted": "10"})
    closed = api.post(f"/api/stock/counts/{count['id']}/close/").json()
    assert closed["lines"] == [
        {
            "product": catalogue["oil"].pk,
            "counted": "10.000",
            "expected": "11.000",
            "difference": "-1.000",
        }
    ]

    lot = Lot.objects.filter(product=catalogue["oil"], on_hand__gt=0).first()
    lost = api.post(f"/api/stock/lots/{lot.pk}/loss/", {"quantity": "1", "reason": "cassé"})
    assert lost.status_code == 200 and Decimal(lost.json()["on_hand"]) == lot.on_hand - 1


def test_alerts_and_a_volunteer_kept_out(api, volunteer_s, catalogue):
    catalogue["oil"].minimum_stock = Decimal(50)
    catalogue["oil"].save()
    alerts = api.get("/api/stock/alerts/").json()
    assert [a["name"] for a in alerts["under_minimum"]] == ["Huile de tournesol 1 l"]
    volunteer = APIClient()
    volunteer.force_authenticate(volunteer_s)
    assert volunteer.get("/api/stock/catalogue/").status_code == 403


def test_a_manager_of_two_services_names_one_and_another_is_404(api, manager_s):
    other = organisation(kind="service", name="Autre", slug="autre", service_kind="shop")
    membership(manager_s, other, "manager")
    client = APIClient()
    client.force_authenticate(type(manager_s).objects.get(pk=manager_s.pk))
    assert client.get("/api/stock/catalogue/").status_code == 400
    assert client.get("/api/stock/catalogue/", {"service": other.pk}).status_code == 200
    assert client.get("/api/stock/catalogue/", {"service": 999999}).status_code == 404
