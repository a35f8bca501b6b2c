"""The shop's API for devices: a whole sale by token, refusals as codes, idempotent checkout."""

import uuid

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from passes.selectors import pass_token
from shop.models import Sale
from tests.stock.conftest import NAPPIES_EAN, OIL_EAN

pytestmark = pytest.mark.django_db


@pytest.fixture
def device(volunteer_s, open_s, catalogue, pass_keys):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=volunteer_s).key}")
    return client


def accepted_visit(device, access_pass) -> int:
    answer = device.post(
        "/api/counter/scans/",
        {"code": pass_token(access_pass=access_pass), "idempotency_key": uuid.uuid4().hex},
        format="json",
    ).json()
    assert answer["accepted"], answer
    return answer["visit"]


def test_a_whole_sale_through_the_api(device, pass_a, catalogue):
    opened = device.post("/api/shop/baskets/", {"visit": accepted_visit(device, pass_a)})
    assert opened.status_code == 201, opened.json()
    basket = opened.json()["id"]
    assert opened.json()["budget"] == {
        "period": "month",
        "total": "70.00",
        "used": "0.00",
        "left_after": "70.00",
    }

    lines = f"/api/shop/baskets/{basket}/lines/"
    assert device.post(lines, {"barcode": NAPPIES_EAN, "quantity": "2"}).status_code == 200
    body = device.post(lines, {"product": catalogue["oil"].pk}).json()
    assert [(line["name"], line["quantity"]) for line in body["lines"]] == [
        ("Langes taille 4", "2.000"),
        ("Huile de tournesol 1 l", "1.000"),
    ]
    assert (body["amount_due"], body["cash_amount"], body["market_total"]) == (
        "6.00",
        "6.00",
        "29.29",
    )

    paid = device.post(
        f"/api/shop/baskets/{basket}/checkout/", {"payment": "cash", "tendered": "10"}
    )
    assert paid.status_code == 201, paid.json()
    assert (paid.json()["change"], paid.json()["aid_given"]) == ("4.00", "23.29")
    again = device.post(f"/api/shop/baskets/{basket}/checkout/", {"payment": "cash"})
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["id"] == paid.json()["id"]

    sale = paid.json()["id"]
    assert device.get(f"/api/shop/sales/{sale}/").json()["amount_paid"] == "6.00"
    corrected = device.post(
        f"/api/shop/sales/{sale}/corrections/",
        {"reason": "Huile rendue", "returns": [{"product": catalogue["oil"].pk, "quantity": "1"}]},
        format="json",
    )
    assert corrected.status_code == 201, corrected.json()
    assert corrected.json()["amount_due"] == "-1.00" and corrected.json()["corrects"] == sale
    assert Sale.objects.count() == 2


def test_refusals_are_codes_with_a_sentence_in_the_devices_language(device, pass_a, volunteer_s):
    volunteer_s.language = "en"
    volunteer_s.save()
    basket = device.post("/api/shop/baskets/", {"visit": accepted_visit(device, pass_a)}).json()
    lines = f"/api/shop/baskets/{basket['id']}/lines/"

    unknown = device.post(lines, {"barcode": "5400000000003"})
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "unknown_barcode"
    assert unknown.json()["detail"].startswith("Unknown barcode")
    short = device.post(lines, {"barcode": OIL_EAN, "quantity": "9"})
    assert (short.status_code, short.json()["code"]) == (409, "out_of_stock")
    bad = device.post(lines, {"barcode": OIL_EAN, "quantity": "-1"})
    assert (bad.status_code, bad.json()["code"]) == (400, "quantity_invalid")
    nothing = device.post(lines, {})
    assert nothing.status_code == 400
    empty = device.post(f"/api/shop/baskets/{basket['id']}/checkout/", {"payment": "card"})
    assert (empty.status_code, empty.json()["code"]) == (409, "basket_empty")


def test_a_refused_visit_or_a_second_basket_for_a_sold_visit_is_refused(device, pass_a):
    visit = accepted_visit(device, pass_a)
    basket = device.post("/api/shop/baskets/", {"visit": visit}).json()["id"]
    device.post(f"/api/shop/baskets/{basket}/lines/", {"barcode": OIL_EAN})
    device.post(f"/api/shop/baskets/{basket}/checkout/", {"payment": "card"})
    again = device.post("/api/shop/baskets/", {"visit": visit})
    assert (again.status_code, again.json()["code"]) == (409, "visit_already_sold")
    missing = device.post("/api/shop/baskets/", {"visit": 999999})
    assert missing.status_code == 404


def test_a_barcode_look_up_gives_the_price_here_and_the_stock(device):
    found = device.get("/api/shop/products/", {"barcode": NAPPIES_EAN})
    assert found.status_code == 200
    assert (found.json()["price"], found.json()["available"]) == ("2.50", "10.000")
    assert device.get("/api/shop/products/", {"barcode": "5400000000003"}).status_code == 404
    bad = device.get("/api/shop/products/", {"barcode": "12"})
    assert (bad.status_code, bad.json()["code"]) == (400, "barcode_invalid")


def test_anonymous_callers_and_social_workers_are_kept_out(device, pass_a, social_worker_a):
    basket = device.post("/api/shop/baskets/", {"visit": accepted_visit(device, pass_a)}).json()
    assert APIClient().get(f"/api/shop/baskets/{basket['id']}/").status_code == 401
    worker = APIClient()
    worker.force_authenticate(social_worker_a)
    assert worker.get(f"/api/shop/baskets/{basket['id']}/").status_code in (400, 404)
