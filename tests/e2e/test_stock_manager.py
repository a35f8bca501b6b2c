"""In a real browser, a shop manager's stock work: a receipt from the food bank entered with a
hand scanner (an unknown barcode made into a product on the way), an inventory count, and the
alerts on their home page."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from stock.models import InventoryCount, Lot, Product, StockReceipt
from stock.services import ReceiptLine, product_create, stock_receive
from tests.e2e.helpers_counter import console_errors_watch
from tests.e2e.helpers_passes import assert_no_csp_errors, log_in, today

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
D = Decimal
RICE_EAN = "5410000000019"
NEW_EAN = "5410000000064"


@pytest.fixture
def shop(service_s, manager_s):
    rice = product_create(
        actor=manager_s,
        service=service_s,
        name="Riz 1 kg",
        category="dry",
        unit="piece",
        market_price=D("2.19"),
        barcodes=[RICE_EAN],
        minimum_stock=D(20),
        price=D("0.60"),
    )
    stock_receive(
        actor=manager_s,
        service=service_s,
        origin="food_bank",
        lines=[ReceiptLine(rice, D(8), today() + timedelta(days=2))],
    )
    return rice


def hand_scan(page, code: str) -> None:
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.keyboard.type(code)
        page.keyboard.press("Enter")


def test_a_receipt_with_a_hand_scanner_and_an_unknown_barcode(page, live_server, shop, screenshot):
    errors = console_errors_watch(page)
    log_in(page, live_server.url, "man.s", "manager")
    # The home page: rice is under its minimum and reaches its date in two days.
    expect(page.locator('[data-alert="under-minimum"]')).to_contain_text("Riz 1 kg")
    expect(page.locator('[data-alert="reaching-date"] [data-first-out]')).to_be_visible()
    screenshot(page, "stock-manager-home")

    page.click("text=Stock, produits et prix")
    page.select_option("#id_origin", "food_bank")
    page.fill("#id_supplier", "Banque alimentaire de Namur")
    page.click("text=Commencer la réception")
    expect(page.locator("#scan-code")).to_be_focused()

    page.fill("#id_quantity", "12")
    page.locator("#scan-code").focus()
    hand_scan(page, RICE_EAN)
    expect(page.locator('[data-line="Riz 1 kg"]')).to_be_visible()

    page.locator("#scan-code").focus()
    hand_scan(page, NEW_EAN)
    expect(page.locator("[data-unknown-barcode]")).to_contain_text(NEW_EAN)
    page.click("[data-unknown-barcode] a")
    expect(page.locator("#id_barcode")).to_have_value(NEW_EAN)
    page.fill("#id_name", "Lentilles vertes 500 g")
    page.fill("#id_market_price", "1.89")
    page.fill("#id_percent", "25")
    page.click("text=Créer le produit")
    page.fill("#id_quantity", "6")
    expect(page.locator("[data-chosen]")).to_have_text("Lentilles vertes 500 g")
    page.click("button.scan-submit")
    expect(page.locator('[data-line="Lentilles vertes 500 g"]')).to_be_visible()
    screenshot(page, "stock-receipt-draft")

    page.click("[data-post-receipt]")
    expect(page.locator("text=Lots entrés")).to_be_visible()
    assert StockReceipt.objects.get().status == "posted"
    lentils = Product.objects.get(name="Lentilles vertes 500 g")
    assert Lot.objects.get(product=lentils).on_hand == 6
    assert errors == []
    assert_no_csp_errors(page)


def test_an_inventory_count_by_scanning_the_shelf(page, live_server, shop, screenshot):
    log_in(page, live_server.url, "man.s", "manager")
    page.goto(live_server.url + "/manage/stock/")
    page.click("button:has-text('Inventaire')")
    expect(page.locator("#scan-code")).to_be_focused()
    for _ in range(5):
        page.locator("#scan-code").focus()
        hand_scan(page, RICE_EAN)
    expect(page.locator('[data-line="Riz 1 kg"] .num')).to_have_text("5")
    page.click("[data-close-count]")
    expect(page.locator("[data-count-result]")).to_contain_text("-3")
    screenshot(page, "stock-count-closed")
    assert InventoryCount.objects.get().status == "closed"
    assert Lot.objects.get(product=shop).on_hand == 5
