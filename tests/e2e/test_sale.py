"""In a real browser, a whole sale at a social shop on a 10-inch tablet.

The card is scanned and accepted, the verdict leads to the basket; products
come in by a hand scanner typing EAN codes and Enter, by tapping tiles, and by
the camera reading a barcode; the volunteer is paid in cash and the receipt
shows the change. Refusals (an unknown barcode, more than the stock) show in
words and change nothing.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from passes.selectors import pass_token
from shop.models import Sale
from stock.services import ReceiptLine, product_create, service_price_set, stock_receive
from tests import factories
from tests.e2e.fake_camera import y4m_write
from tests.e2e.helpers_counter import (
    camera_args,
    console_errors_watch,
    counter_open_all_day,
    csp_errors_watch,
    pass_for,
    scan_by_hand,
)
from tests.e2e.helpers_passes import (
    ARTIFACTS,
    assert_no_csp_errors,
    assessment_reasons,  # noqa: F401  (fixture)
    log_in,
    pass_keys,  # noqa: F401  (fixture)
    today,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("pass_keys", "assessment_reasons"),
]
D = Decimal
TABLET_LANDSCAPE = {"width": 1280, "height": 800}
RICE_EAN = "5410000000019"
MILK_EAN = "5410000000026"
SOAP_EAN = "5410000000033"


@pytest.fixture
def shop(service_s, manager_s, volunteer_s, partner_a, social_worker_a):
    """The shop open all day, three products in stock, and a household with a 70 € budget."""
    counter_open_all_day(service_s)
    made = {}
    for name, market, ean, price, quantity in [
        ("Riz 1 kg", "2.19", RICE_EAN, "0.60", 10),
        ("Lait demi-écrémé 1 l", "1.05", MILK_EAN, "0.30", 3),
        ("Savon de Marseille", "2.49", SOAP_EAN, "0.75", 8),
    ]:
        product = product_create(
            actor=manager_s,
            service=service_s,
            name=name,
            category="dry",
            unit="piece",
            market_price=D(market),
            barcodes=[ean],
        )
        service_price_set(actor=manager_s, service=service_s, product=product, price=D(price))
        stock_receive(
            actor=manager_s,
            service=service_s,
            origin="food_bank",
            lines=[ReceiptLine(product, D(quantity), today() + timedelta(days=60))],
        )
        made[name] = product
    convention = factories.convention_make(
        partner_a,
        [service_s],
        reference="CONV-SALE",
        starts_on=today() - timedelta(days=30),
        ends_on=today() + timedelta(days=120),
        visits_per_week=None,
        budget=(4000, 1500),
    )
    made["pass"] = pass_for(social_worker_a, partner_a, convention, "Aïcha")
    return made


def open_basket(page, live_server, access_pass) -> None:
    log_in(page, live_server.url, "vol.s", "volunteer")
    page.goto(live_server.url + "/counter/")
    scan_by_hand(page, pass_token(access_pass=access_pass))
    expect(page.locator("[data-verdict=accepted]")).to_be_visible()
    with page.expect_navigation():  # after the tablet's check that the server answers
        page.click("[data-open-basket]")
    page.wait_for_selector("#basket-live")


def hand_scan(page, code: str) -> None:
    """A hand scanner: the code typed into the focused field, then Enter."""
    with page.expect_response(lambda r: r.url.endswith("/put/")):
        page.keyboard.type(code)
        page.keyboard.press("Enter")


def test_a_whole_sale_with_a_hand_scanner_tiles_and_cash(page, live_server, shop, screenshot):
    page.set_viewport_size(TABLET_LANDSCAPE)
    errors = console_errors_watch(page)
    open_basket(page, live_server, shop["pass"])
    expect(page.locator("#scan-code")).to_be_focused()

    hand_scan(page, RICE_EAN)
    hand_scan(page, RICE_EAN)  # the same product twice is two items, not a repeat
    expect(page.locator('[data-line="Riz 1 kg"] [data-qty]')).to_have_text("2")
    with page.expect_response(lambda r: r.url.endswith("/put/")):
        page.click('.tile[data-product="Savon de Marseille"]')
    expect(page.locator("#scan-code")).to_be_focused()  # ready for the scanner again

    hand_scan(page, "5400000000003")
    expect(page.locator("[data-basket-error]")).to_contain_text("Code-barres inconnu")
    for _ in range(4):
        hand_scan(page, MILK_EAN)
    expect(page.locator("[data-basket-error]")).to_contain_text("plus assez en stock")
    expect(page.locator('[data-line="Lait demi-écrémé 1 l"] [data-qty]')).to_have_text("3")
    with page.expect_response(lambda r: r.url.endswith("/put/")):
        page.click('[data-line="Lait demi-écrémé 1 l"] [aria-label="Un de moins"]')

    # 2 × 0.60 + 0.75 + 2 × 0.30 = 2.55 €; budget 40 € + 15 € per other member.
    due = page.locator("[data-amount-due]")
    expect(due).to_have_text("2,55\xa0€")
    expect(page.locator("[data-budget-left]")).to_contain_text("37,45")
    screenshot(page, "sale-basket-landscape")

    page.fill("input[name=tendered]", "5")
    page.click("[data-pay=cash]")
    page.wait_for_selector("[data-receipt]")
    expect(page.locator("[data-change]")).to_have_text("2,45\xa0€")
    screenshot(page, "sale-receipt-80mm")
    sale = Sale.objects.get()
    assert (sale.amount_due, sale.amount_paid, sale.tendered) == (D("2.55"), D("2.55"), D(5))
    assert errors == []
    assert_no_csp_errors(page)


def test_the_basket_fits_a_tablet_in_portrait(page, live_server, shop, screenshot):
    page.set_viewport_size({"width": 800, "height": 1280})
    open_basket(page, live_server, shop["pass"])
    expect(page.locator("#scan-code")).to_be_focused()
    hand_scan(page, SOAP_EAN)
    expect(page.locator('[data-line="Savon de Marseille"] [data-qty]')).to_have_text("1")
    screenshot(page, "sale-basket-portrait")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 800, "the basket scrolls sideways"


def test_a_barcode_held_in_front_of_the_camera_goes_into_the_basket(
    browser, chromium_path_session, live_server, shop, tmp_path
):
    barcode = zxingcpp.write_barcode_to_image(
        zxingcpp.create_barcode(SOAP_EAN, zxingcpp.BarcodeFormat.EAN13), scale=3
    )
    view = memoryview(barcode)
    picture = Image.frombytes("L", (view.shape[1], view.shape[0]), view.tobytes())
    frame = Image.new("L", (640, 480), 255)
    frame.paste(picture, ((640 - picture.width) // 2, (480 - picture.height) // 2))
    video = y4m_write(tmp_path / "soap.y4m", frame.convert("RGB"))
    camera = browser.browser_type.launch(
        executable_path=chromium_path_session, args=camera_args(video)
    )
    try:
        context = camera.new_context(
            locale="fr-BE", viewport=TABLET_LANDSCAPE, permissions=["camera"]
        )
        page = context.new_page()
        errors = console_errors_watch(page)
        csp_errors_watch(page)
        open_basket(page, live_server, shop["pass"])
        with page.expect_response(lambda r: r.url.endswith("/put/"), timeout=20_000):
            page.click("[data-camera-toggle]")
        expect(page.locator('[data-line="Savon de Marseille"] [data-qty]')).to_have_text("1")
        # Held still in front of the lens, it is one item, not one per frame.
        page.wait_for_timeout(2500)
        expect(page.locator('[data-line="Savon de Marseille"] [data-qty]')).to_have_text("1")
        page.screenshot(path=str(ARTIFACTS / "sale-camera.png"))
        assert errors == []
        assert_no_csp_errors(page)
    finally:
        camera.close()
