"""The sale on the tablet's pages: from the verdict to the basket, checkout, receipt, correction."""

import re
import uuid
from decimal import Decimal

import pytest

from passes.selectors import pass_token
from shop.models import Basket, Sale
from tests.factories import membership, organisation, user
from tests.stock.conftest import NAPPIES_EAN, OIL_EAN, PASTA_EAN

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def tablet(client, volunteer_s, open_s, catalogue, pass_keys):
    client.force_login(volunteer_s)
    return client


def scanned(client, access_pass, htmx=True) -> str:
    response = client.post(
        "/counter/scan/",
        {"code": pass_token(access_pass=access_pass), "idempotency_key": uuid.uuid4().hex},
        **(HTMX if htmx else {}),
    )
    assert response.status_code == 200
    return response.content.decode()


def opened(client, page) -> str:
    """Follow the verdict's basket button: the basket page's address."""
    visit = re.search(r'name="visit" value="(\d+)"', page)
    assert visit, "no basket button under the verdict"
    response = client.post("/counter/baskets/", {"visit": visit.group(1)})
    assert response.status_code == 302
    return response["Location"]


def test_an_accepted_verdict_at_a_shop_leads_to_the_basket(tablet, pass_a):
    page = scanned(tablet, pass_a)
    assert "Panier et paiement" in page

    address = opened(tablet, page)
    response = tablet.get(address)
    basket_page = response.content.decode()
    assert response.status_code == 200
    assert "Marie" in basket_page and "Dupont" not in basket_page
    assert "'wasm-unsafe-eval'" in response["Content-Security-Policy"]
    # Tiles by category, with the service's price: pasta at 30 % of 1.29 €.
    assert "Épicerie sèche" in basket_page and "Pâtes 500 g" in basket_page
    assert "0,39" in basket_page
    # A reload finds the same basket.
    again = scanned(tablet, pass_a)  # a second scan now is refused: no basket button
    assert "Panier et paiement" not in again
    assert Basket.objects.count() == 1


def test_a_refused_verdict_or_another_kind_of_service_offers_no_basket(tablet, pass_a, service_s):
    service_s.service_kind = "food_aid"
    service_s.save()
    assert "Panier et paiement" not in scanned(tablet, pass_a)


def test_a_whole_sale_by_scanner_and_tiles_then_the_receipt(tablet, pass_a, catalogue):
    address = opened(tablet, scanned(tablet, pass_a))
    basket = address.rstrip("/").split("/")[-1]
    put = f"/counter/baskets/{basket}/put/"

    fragment = tablet.post(put, {"barcode": PASTA_EAN, "quantity": "1"}, **HTMX).content.decode()
    assert 'data-line="Pâtes 500 g"' in fragment and "<html" not in fragment
    tablet.post(put, {"barcode": PASTA_EAN, "quantity": "1"}, **HTMX)
    tablet.post(put, {"product": str(catalogue["nappies"].pk), "quantity": "1"}, **HTMX)
    fragment = tablet.post(
        put, {"product": str(catalogue["nappies"].pk), "quantity": "2", "mode": "set"}, **HTMX
    ).content.decode()
    assert re.search(r"data-amount-due>5,00", fragment.replace("\xa0", " ")), fragment

    refused = tablet.post(put, {"barcode": "5400000000003", "quantity": "1"}, **HTMX)
    assert refused.status_code == 200
    assert "Code-barres inconnu" in refused.content.decode()
    assert "data-basket-error" in refused.content.decode()

    response = tablet.post(
        f"/counter/baskets/{basket}/checkout/", {"payment": "cash", "tendered": "10"}
    )
    assert response.status_code == 302
    receipt = tablet.get(response["Location"]).content.decode().replace("\xa0", " ")
    sale = Sale.objects.get()
    assert (sale.amount_due, sale.amount_paid, sale.change) == (
        Decimal("5.00"),
        Decimal("5.00"),
        Decimal("5.00"),
    )
    assert "data-change>5,00 €" in receipt
    assert "Langes taille 4" in receipt and "Dupont" not in receipt
    # The basket's page now leads to the receipt; a second checkout changes nothing.
    assert tablet.get(address)["Location"] == response["Location"]
    tablet.post(f"/counter/baskets/{basket}/checkout/", {"payment": "cash"})
    assert Sale.objects.count() == 1


def test_checkout_refusals_show_on_the_basket_and_nothing_is_sold(tablet, pass_a):
    address = opened(tablet, scanned(tablet, pass_a))
    basket = address.rstrip("/").split("/")[-1]
    tablet.post(f"/counter/baskets/{basket}/put/", {"barcode": OIL_EAN, "quantity": "1"})
    for body, message in [
        ({"payment": "cash", "tendered": "0,50"}, "il manque"),
        ({"payment": "cash", "tendered": "beaucoup"}, "en chiffres"),
        ({"payment": ""}, "choisissez espèces, carte ou autre"),
    ]:
        response = tablet.post(f"/counter/baskets/{basket}/checkout/", body)
        assert response.status_code == 422
        assert message in response.content.decode()
    assert not Sale.objects.exists()


def test_the_receipt_speaks_the_households_language_and_prints_on_two_papers(
    tablet, pass_a, household_a
):
    household_a.language = "nl"
    household_a.save()
    address = opened(tablet, scanned(tablet, pass_a))
    basket = address.rstrip("/").split("/")[-1]
    tablet.post(f"/counter/baskets/{basket}/put/", {"barcode": NAPPIES_EAN, "quantity": "1"})
    location = tablet.post(f"/counter/baskets/{basket}/checkout/", {"payment": "card"})["Location"]

    roll = tablet.get(location).content.decode()
    assert "receipt-80mm.css" in roll and 'lang="nl"' in roll
    assert "Betaling" in roll or "Totaal" in roll
    sheet = tablet.get(location + "?paper=a4").content.decode()
    assert "receipt-80mm.css" not in sheet and "receipt-a4" in sheet


def test_a_same_day_correction_from_the_receipt(tablet, pass_a, catalogue):
    address = opened(tablet, scanned(tablet, pass_a))
    basket = address.rstrip("/").split("/")[-1]
    tablet.post(f"/counter/baskets/{basket}/put/", {"barcode": NAPPIES_EAN, "quantity": "2"})
    location = tablet.post(f"/counter/baskets/{basket}/checkout/", {"payment": "card"})["Location"]
    sale = Sale.objects.get()

    nappies = catalogue["nappies"].pk
    missing_reason = tablet.post(f"{location}correct/", {f"return-{nappies}": "1", "reason": ""})
    assert Sale.objects.count() == 1
    assert "pourquoi" in tablet.get(missing_reason["Location"]).content.decode()

    tablet.post(f"{location}correct/", {f"return-{nappies}": "1", "reason": "Taille erronée"})
    correction = Sale.objects.get(corrects=sale)
    assert correction.amount_due == Decimal("-2.50")
    assert "Taille erronée" in tablet.get(location).content.decode()


def test_another_counters_basket_or_sale_is_not_found(tablet, pass_a, client):
    address = opened(tablet, scanned(tablet, pass_a))
    other = organisation(kind="service", name="Autre", slug="autre", service_kind="shop")
    stranger = membership(user("benevole.autre"), other, "volunteer").user
    client.force_login(stranger)
    assert client.get(address).status_code == 404
    assert client.post(address + "put/", {"barcode": OIL_EAN}).status_code == 404


def test_a_product_sold_by_weight_takes_a_typed_weight(tablet, pass_a, manager_s, service_s):
    from stock.services import ReceiptLine, product_create, stock_receive

    apples = product_create(
        actor=manager_s,
        service=service_s,
        name="Pommes Jonagold",
        category="fruit_veg",
        unit="kg",
        market_price=Decimal("2.40"),
        price=Decimal("0.60"),
    )
    stock_receive(
        actor=manager_s,
        service=service_s,
        origin="recovery",
        lines=[ReceiptLine(apples, Decimal("12.5"))],
    )
    address = opened(tablet, scanned(tablet, pass_a))
    put = f"{address}put/"
    tablet.post(put, {"product": str(apples.pk), "quantity": "1"}, **HTMX)
    fragment = (
        tablet.post(put, {"product": str(apples.pk), "quantity": "1,75", "mode": "set"}, **HTMX)
        .content.decode()
        .replace("\xa0", " ")
    )
    assert 'value="1,75"' in fragment and "Pesé (kg)" in fragment
    assert "data-amount-due>1,05 €" in fragment  # 1.75 × 0.60


def test_todays_sales_list_the_takings_and_lead_to_each_receipt(tablet, pass_a, pass_b):
    page = scanned(tablet, pass_a)
    assert "data-sales-today" in page
    address = opened(tablet, page)
    tablet.post(f"{address}put/", {"barcode": NAPPIES_EAN, "quantity": "1"})
    receipt = tablet.post(f"{address}checkout/", {"payment": "cash", "tendered": "5"})["Location"]
    sale = Sale.objects.get()
    tablet.post(f"{receipt}correct/", {"whole": "1", "reason": "Erreur de carte"})

    listing = tablet.get("/counter/sales/").content.decode().replace("\xa0", " ")
    assert "data-sales-count>1<" in listing
    assert "data-cash-total>0,00 €" in listing  # paid 2.50, given back 2.50
    assert f"/counter/sales/{sale.pk}/" in listing and "Erreur de carte" in listing


def test_a_food_aid_point_shows_no_sales_link(tablet, pass_a, service_s):
    service_s.service_kind = "food_aid"
    service_s.save()
    assert "data-sales-today" not in tablet.get("/counter/").content.decode()
