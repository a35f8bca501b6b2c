# ruff: noqa: F811  (the shop fixture, imported, is a parameter name)
"""In a real browser, the sale and the parcel when the network drops: the basket is filled
from the day's list (prices, stock, budget), paid, kept through a reload, and recorded by
the server when the connection returns; a food-aid point gives its parcel the same way."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from foodaid.models import Distribution
from foodaid.services import parcel_template_set
from network.models import Organisation
from passes.selectors import pass_token
from shop.models import Sale
from stock.models import OfflineHandout
from tests.e2e.helpers_counter import pass_for, scan_by_hand
from tests.e2e.helpers_passes import (
    ARTIFACTS,
    assert_no_csp_errors,
    assessment_reasons,  # noqa: F401  (fixture)
    log_in,
    pass_keys,  # noqa: F401  (fixture)
)
from tests.e2e.test_offline_counter import scan, tablet
from tests.e2e.test_sale import MILK_EAN, RICE_EAN, shop  # noqa: F401  (fixture)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("pass_keys", "assessment_reasons"),
]
D = Decimal


def test_a_basket_filled_and_paid_offline_is_recorded_when_the_network_returns(
    browser,
    live_server,
    shop,
):
    context, page = tablet(browser, live_server)
    context.set_offline(True)
    banner = page.locator("[data-offline-banner]")

    verdict = scan(page, pass_token(access_pass=shop["pass"]))
    expect(verdict).to_have_attribute("data-verdict", "accepted")
    # A product scanned straight after the card opens the basket with it.
    page.keyboard.type(RICE_EAN)
    page.keyboard.press("Enter")
    basket = page.locator("[data-offline-basket]")
    expect(basket).to_contain_text("Aïcha")
    expect(basket.locator('[data-line="Riz 1 kg"] [data-qty]')).to_have_text("1")
    expect(page.locator("[data-offline-barcode]")).to_be_focused()

    # A hand scanner types the product's code and Enter; tiles and + add more.
    for code in (RICE_EAN,):
        page.keyboard.type(code)
        page.keyboard.press("Enter")
    expect(basket.locator('[data-line="Riz 1 kg"] [data-qty]')).to_have_text("2")
    page.click('[data-offline-product="Savon de Marseille"]')
    page.keyboard.type("5400000000003")
    page.keyboard.press("Enter")
    expect(basket.locator("[data-basket-error]")).to_contain_text("Code-barres inconnu")
    for _ in range(4):
        page.keyboard.type(MILK_EAN)
        page.keyboard.press("Enter")
    expect(basket.locator("[data-basket-error]")).to_contain_text("plus assez en stock (3")
    expect(basket.locator('[data-line="Lait demi-écrémé 1 l"] [data-qty]')).to_have_text("3")
    page.click('[data-line="Lait demi-écrémé 1 l"] [aria-label="Un de moins"]')
    # 2 × 0.60 + 0.75 + 2 × 0.30 = 2.55 €; the market value 2 × 2.19 + 2.49 + 2 × 1.05.
    expect(basket.locator("[data-amount-due]")).to_have_text("2,55\xa0€")
    expect(basket.locator("[data-market-total]")).to_have_text("8,97\xa0€")
    expect(basket.locator("[data-budget-left]")).to_contain_text("€")
    page.screenshot(path=str(ARTIFACTS / "offline-basket.png"))
    page.click("[data-pay=cash]")

    sold = page.locator("[data-offline-sale]")
    expect(sold).to_contain_text("VENDU")
    expect(sold).to_contain_text("2,55")
    expect(banner).to_contain_text("1 scan à envoyer · 1 vente à envoyer")
    page.reload()
    expect(banner).to_contain_text("1 scan à envoyer · 1 vente à envoyer")
    assert Sale.objects.count() == 0

    context.set_offline(False)
    expect(banner).to_be_hidden(timeout=15000)
    sale = Sale.objects.get()
    assert sale.amount_due == D("2.55") and sale.payment == "cash"
    assert sale.visit.offline and sale.visit.access_pass_id == shop["pass"].pk
    assert sorted((line.product.name, line.quantity) for line in sale.lines.all()) == [
        ("Lait demi-écrémé 1 l", D(2)),
        ("Riz 1 kg", D(2)),
        ("Savon de Marseille", D(1)),
    ]
    assert OfflineHandout.objects.get().status == "recorded"
    assert_no_csp_errors(page)
    context.close()


def test_a_basket_opened_after_the_network_dropped_is_filled_on_the_tablet(
    browser, live_server, shop
):
    context, page = tablet(browser, live_server)
    scan_by_hand(page, pass_token(access_pass=shop["pass"]))
    expect(page.locator("[data-verdict=accepted]:not([data-offline])")).to_be_visible()

    context.set_offline(True)  # the Wi-Fi drops between the verdict and the basket
    page.click("[data-open-basket]")
    # The verdict again, as the tablet knows it, with the basket it can fill offline.
    verdict = page.locator("[data-verdict=accepted][data-offline]")
    expect(verdict).to_contain_text("Accepté en ligne avant la coupure")
    page.click("[data-offline-basket-open]")

    basket = page.locator("[data-offline-basket]")
    expect(basket).to_contain_text("Aïcha")
    page.click('[data-offline-product="Riz 1 kg"]')
    page.click("[data-pay=card]")
    expect(page.locator("[data-offline-sale]")).to_contain_text("0,60")
    context.set_offline(False)
    expect(page.locator("[data-offline-banner]")).to_be_hidden(timeout=15000)
    sale = Sale.objects.get()
    assert sale.amount_due == D("0.60") and sale.payment == "card"
    assert not sale.visit.offline  # the visit was recorded online; only the sale waited
    context.close()


def test_logging_out_elsewhere_warns_while_a_sale_made_offline_waits(browser, live_server, shop):
    context, page = tablet(browser, live_server)
    # The server will not take the sale yet (an error answer): it stays on the tablet.
    page.route("**/api/shop/offline/sales/", lambda route: route.fulfill(status=503))
    context.set_offline(True)
    scan(page, pass_token(access_pass=shop["pass"]))
    page.click("[data-offline-basket-open]")
    page.click('[data-offline-product="Riz 1 kg"]')
    page.click("[data-pay=card]")
    context.set_offline(False)
    expect(page.locator("[data-offline-banner]")).to_have_text("1 vente à envoyer", timeout=15000)

    page.goto(live_server.url + "/counter/sales/")
    warnings = []
    page.once("dialog", lambda dialog: (warnings.append(dialog.message), dialog.dismiss()))
    page.click("button.counter-logout")  # "Fin de service", on the day's sales page
    for _ in range(50):  # the page counts what waits in its storage, then asks
        if warnings:
            break
        page.wait_for_timeout(100)

    assert warnings and warnings[0].startswith("1 scans, ventes ou colis faits hors ligne")
    expect(page.locator("button.counter-logout")).to_be_visible()  # still logged in
    assert Sale.objects.count() == 0
    context.close()


def test_two_tablets_selling_the_last_milk_offline_leave_one_sale_for_the_manager(
    browser, live_server, shop, social_worker_a, partner_a, manager_s
):
    basile = pass_for(social_worker_a, partner_a, shop["pass"].convention, "Basile")
    sellers = []
    for access_pass, milk in ((shop["pass"], 3), (basile, 2)):
        context, page = tablet(browser, live_server)
        context.set_offline(True)
        scan(page, pass_token(access_pass=access_pass))
        page.click("[data-offline-basket-open]")
        for _ in range(milk):
            page.click('[data-offline-product="Lait demi-écrémé 1 l"]')
        page.click("[data-pay=cash]")
        expect(page.locator("[data-offline-sale]")).to_be_visible()
        sellers.append((context, page))
    for context, page in sellers:  # the first tablet's sale arrives first
        context.set_offline(False)
        expect(page.locator("[data-offline-banner]")).to_be_hidden(timeout=15000)
        context.close()
    assert Sale.objects.count() == 1
    assert OfflineHandout.objects.get(status="pending").visit.access_pass == basile

    context = browser.new_context(locale="fr-BE", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, live_server.url, "man.s", "manager")
    page.goto(live_server.url + "/manage/")
    panel = page.locator("[data-offline-handouts]")
    expect(panel).to_contain_text("1 remise hors ligne à régulariser")
    expect(panel).to_contain_text("Basile")
    expect(panel).to_contain_text("plus assez en stock (0 disponible)")
    panel.screenshot(path=str(ARTIFACTS / "offline-handouts-manager.png"))
    page.fill("[data-offline-handout] input[name=note]", "Inventaire du lait ajusté")
    page.click("[data-offline-settle]")
    expect(page.locator("body")).to_contain_text("Remise hors ligne régularisée.")
    expect(page.locator("[data-offline-handouts]")).to_have_count(0)
    assert OfflineHandout.objects.get(visit__access_pass=basile).status == "settled"
    context.close()


def test_a_parcel_given_offline_is_recorded_when_the_network_returns(
    browser,
    live_server,
    shop,
    service_s,
    manager_s,
):
    Organisation.objects.filter(pk=service_s.pk).update(service_kind="food_aid")
    service_s.refresh_from_db()
    parcel_template_set(
        actor=manager_s,
        service=service_s,
        min_persons=1,
        max_persons=None,
        lines={shop["Riz 1 kg"].pk: D(2), shop["Savon de Marseille"].pk: D(1)},
    )
    context, page = tablet(browser, live_server)
    context.set_offline(True)

    verdict = scan(page, pass_token(access_pass=shop["pass"]))
    parcel = verdict.locator("[data-offline-parcel]")
    expect(parcel).to_contain_text("2 × Riz 1 kg")
    page.screenshot(path=str(ARTIFACTS / "offline-parcel.png"))
    page.click("[data-offline-parcel-give]")
    expect(page.locator("[data-offline-parcel-given]")).to_contain_text("COLIS DONNÉ")
    banner = page.locator("[data-offline-banner]")
    expect(banner).to_contain_text("1 colis à envoyer")

    context.set_offline(False)
    expect(banner).to_be_hidden(timeout=15000)
    given = Distribution.objects.get()
    assert given.visit.offline
    assert sorted((line.product.name, line.quantity) for line in given.lines.all()) == [
        ("Riz 1 kg", D(2)),
        ("Savon de Marseille", D(1)),
    ]
    context.close()
