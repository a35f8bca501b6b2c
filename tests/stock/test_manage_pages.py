"""The manager's stock pages: alerts on the home, catalogue, receipt with an unknown barcode,
inventory count, losses; and who may see them."""

from datetime import timedelta
from decimal import Decimal

import pytest

from stock.models import InventoryCount, Lot, Product, StockMovement, StockReceipt
from tests.stock.conftest import OIL_EAN

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def desk(client, manager_s, catalogue):
    client.force_login(manager_s)
    return client


def test_the_manager_home_shows_the_stock_alerts(desk, catalogue, frozen_day):
    Lot.objects.filter(product=catalogue["oil"]).update(best_before=frozen_day + timedelta(days=1))
    catalogue["nappies"].minimum_stock = Decimal(50)
    catalogue["nappies"].save()
    page = desk.get("/manage/").content.decode()
    assert 'data-alert="reaching-date"' in page and "Huile de tournesol 1 l" in page
    assert 'data-alert="under-minimum"' in page and "Langes taille 4" in page
    assert "data-first-out" in page


def test_the_catalogue_searches_by_name_or_barcode(desk):
    page = desk.get("/manage/stock/", {"q": "huile"}, **HTMX).content.decode()
    assert "Huile de tournesol 1 l" in page and "Pâtes" not in page
    page = desk.get("/manage/stock/", {"q": OIL_EAN[:8]}, **HTMX).content.decode()
    assert "Huile de tournesol 1 l" in page
    full = desk.get("/manage/stock/").content.decode()
    assert "30 %" in full and "1,00" in full  # pasta at a share, oil at a fixed price


def test_a_receipt_meets_an_unknown_barcode_creates_the_product_and_goes_on(desk, frozen_day):
    start = desk.post("/manage/stock/receipts/", {"origin": "food_bank", "supplier": "BA Namur"})
    address = start["Location"]
    receipt = StockReceipt.objects.get()

    unknown = desk.post(
        f"{address}lines/", {"barcode": "5410000000064", "quantity": "6"}, **HTMX
    ).content.decode()
    assert "data-unknown-barcode" in unknown
    assert "barcode=5410000000064&amp;receipt=" in unknown

    created = desk.post(
        "/manage/stock/products/new/",
        {
            "name": "Lentilles 500 g",
            "category": "dry",
            "unit": "piece",
            "market_price": "1.89",
            "barcode": "5410000000064",
            "minimum_stock": "10",
            "percent": "25",
            "receipt": str(receipt.pk),
        },
    )
    assert created.status_code == 302, created.content.decode()
    product = Product.objects.get(name="Lentilles 500 g")
    assert created["Location"].endswith(f"?product={product.pk}")

    desk.post(f"{address}lines/", {"barcode": "5410000000064", "quantity": "6"}, **HTMX)
    desk.post(f"{address}post/")
    assert Lot.objects.get(product=product).on_hand == 6
    assert "Lots entrés" in desk.get(address).content.decode()


def test_a_price_outside_the_band_is_refused_in_words(desk, catalogue):
    desk.post("/manage/stock/price-band/", {"min_percent": "10", "max_percent": "30"})
    oil = catalogue["oil"]
    response = desk.post(f"/manage/stock/products/{oil.pk}/price/", {"price": "2.00"}, follow=True)
    assert "demande entre 10 % et 30 %" in response.content.decode().replace("\xa0", " ")
    assert oil.prices.get().price == Decimal("1.00")


def test_a_count_by_scans_then_closed_shows_its_differences(desk, catalogue):
    address = desk.post("/manage/stock/counts/")["Location"]
    for _ in range(2):
        desk.post(f"{address}record/", {"barcode": OIL_EAN}, **HTMX)
    desk.post(f"{address}close/")
    page = desk.get(address).content.decode()
    assert "data-count-result" in page and "<strong>-3</strong>" in page
    assert InventoryCount.objects.get().status == "closed"


def test_a_loss_with_its_reason_from_the_product_page(desk, catalogue):
    lot = Lot.objects.get(product=catalogue["oil"])
    desk.post(
        f"/manage/stock/lots/{lot.pk}/loss/",
        {"kind": "loss", "quantity": "1", "reason": "Bouteille cassée"},
    )
    assert StockMovement.objects.get(kind="loss").reason == "Bouteille cassée"
    page = desk.get(f"/manage/stock/products/{catalogue['oil'].pk}/").content.decode()
    assert "Bouteille cassée" in page


def test_a_volunteer_cannot_open_the_stock_pages(client, volunteer_s, catalogue):
    client.force_login(volunteer_s)
    assert client.get("/manage/stock/").status_code == 403
