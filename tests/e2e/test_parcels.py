"""In a real browser, a food-aid point's day: the manager sets the parcel for households of
one or two persons (a refusal on the way), sees what today's stock allows; then a volunteer
scans a card on the tablet, opens « Colis du ménage », gives it, and finds it in the day's
parcels."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from foodaid.models import Distribution, ParcelTemplate
from passes.selectors import pass_token
from passes.services import MemberData
from stock.services import ReceiptLine, product_create, stock_receive
from tests import factories
from tests.e2e.helpers_counter import (
    console_errors_watch,
    counter_open_all_day,
    csp_errors_watch,
    pass_for,
    scan_by_hand,
    small_targets,
)
from tests.e2e.helpers_passes import (
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


@pytest.fixture
def service_s(db):
    """Service S is a food-aid point here."""
    return factories.organisation(
        kind="service", name="Colis Saint-Vincent", slug="colis-sv", service_kind="food_aid"
    )


@pytest.fixture
def food_point(service_s, manager_s, volunteer_s, partner_a, social_worker_a):
    """Open all day; rice (some from EU food aid), oil, tomato sauce and milk in stock; a
    household of two with a pass."""
    counter_open_all_day(service_s)
    made = {}
    for name, category, market, lots in [
        ("Riz 1 kg", "dry", "2.19", [("eu_food_aid", 3, 30), ("food_bank", 7, 90)]),
        ("Huile de tournesol 1 l", "dry", "3.49", [("food_bank", 1, 120)]),
        ("Sauce tomate 500 g", "dry", "1.59", [("donation", 4, 20)]),
        ("Lait demi-écrémé 1 l", "fresh", "1.05", [("food_bank", 3, 10)]),
    ]:
        product = product_create(
            actor=manager_s,
            service=service_s,
            name=name,
            category=category,
            unit="piece",
            market_price=D(market),
        )
        for origin, quantity, days in lots:
            stock_receive(
                actor=manager_s,
                service=service_s,
                origin=origin,
                lines=[ReceiptLine(product, D(quantity), today() + timedelta(days=days))],
            )
        made[name] = product
    convention = factories.convention_make(
        partner_a,
        [service_s],
        reference="CONV-COLIS",
        starts_on=today() - timedelta(days=30),
        ends_on=today() + timedelta(days=120),
    )
    made["pass"] = pass_for(
        social_worker_a, partner_a, convention, "Aïcha", members=(MemberData("3-15", "f"),)
    )
    return made


def test_a_manager_sets_a_parcel_then_a_volunteer_gives_it(
    browser, page, live_server, food_point, screenshot
):
    errors = console_errors_watch(page)
    log_in(page, live_server.url, "man.s", "manager")
    panel = page.locator("[data-manager-parcels]")
    expect(panel.locator("[data-templates-count]")).to_have_attribute("data-templates-count", "0")
    screenshot(page, "parcels-manager-home")

    panel.locator(".actions a[href='/manage/parcels/']").click()
    page.click("[data-new-template]")
    page.fill("#id_min_persons", "2")
    page.fill("#id_max_persons", "1")
    for index, (name, quantity) in enumerate(
        [("Riz 1 kg", "2"), ("Huile de tournesol 1 l", "2"), ("Lait demi-écrémé 1 l", "1")]
    ):
        page.select_option(f"#id_lines-{index}-product", str(food_point[name].pk))
        page.fill(f"#id_lines-{index}-quantity", quantity)
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.click("[data-more-lines]")
    expect(page.locator("[data-line-row]")).to_have_count(6)
    expect(page.locator("#id_lines-2-quantity")).to_have_value("1")
    page.click("[data-save-template]")
    expect(page.locator(".field-invalid .field-error")).to_contain_text("la plus petite d'abord")
    screenshot(page, "parcels-template-refused")
    assert not ParcelTemplate.objects.exists()

    page.fill("#id_min_persons", "1")
    page.fill("#id_max_persons", "2")
    page.click("[data-save-template]")
    card = page.locator('[data-template="1 à 2 personnes"]')
    expect(card).to_be_visible()
    # Rice for 5, oil (1) and its stand-in, tomato sauce (4), for 2, milk for 3.
    expect(card.locator("[data-capacity]")).to_have_attribute("data-capacity", "2")
    expect(card.locator("[data-short-products]")).to_contain_text("Huile de tournesol 1 l")
    screenshot(page, "parcels-templates")
    # On a tablet held upright, the list and the form fit the width.
    page.set_viewport_size({"width": 800, "height": 1280})
    page.click("[data-edit-template]")
    expect(page.locator("#id_lines-0-product")).to_have_value(str(food_point["Riz 1 kg"].pk))
    assert page.evaluate("document.documentElement.scrollWidth") <= 800
    screenshot(page, "parcels-template-form-portrait")
    page.set_viewport_size(TABLET_LANDSCAPE)
    # The refused form came back as 422, which Chromium logs; nothing else went wrong.
    assert [e for e in errors if "status of 422" not in e] == []
    assert_no_csp_errors(page)

    context = browser.new_context(locale="fr-BE", viewport=TABLET_LANDSCAPE)
    try:
        tablet = context.new_page()
        csp_errors_watch(tablet)
        tablet_errors = console_errors_watch(tablet)
        log_in(tablet, live_server.url, "vol.s", "volunteer")
        tablet.goto(live_server.url + "/counter/")
        expect(tablet.locator("#scan-code")).to_be_focused()
        scan_by_hand(tablet, pass_token(access_pass=food_point["pass"]))
        expect(tablet.locator("[data-verdict=accepted]")).to_be_visible()
        expect(tablet.locator("[data-parcels-today]")).to_be_visible()
        screenshot(tablet, "parcels-verdict")

        # The tablet first checks that the server answers (offline_counter.js), then goes:
        # wait for that page, its stylesheets too, before measuring the buttons.
        with tablet.expect_navigation():
            tablet.click("[data-open-parcel]")
        tablet.wait_for_load_state()
        expect(tablet.locator("[data-parcel] h2")).to_have_text("Colis « 1 à 2 personnes »")
        expect(tablet.locator("[data-parcel-line]")).to_have_count(4)
        expect(tablet.locator("[data-parcel]")).to_contain_text(
            "à la place de Huile de tournesol 1 l"
        )
        assert small_targets(tablet) == []
        screenshot(tablet, "parcels-parcel-preview")

        tablet.click("[data-give-parcel]")
        tablet.wait_for_load_state()
        expect(tablet.locator("[data-distribution]")).to_be_visible()
        expect(tablet.locator("[data-distribution]")).to_contain_text("aide européenne")
        assert small_targets(tablet) == []
        screenshot(tablet, "parcels-given")
        tablet.click(".parcel-correct summary")
        assert small_targets(tablet) == []
        screenshot(tablet, "parcels-correct-open")

        tablet.click("[data-next-card]")
        tablet.click("[data-parcels-today]")
        expect(tablet.locator("[data-parcels-count]")).to_have_text("1")
        expect(tablet.locator("[data-parcel-given]")).to_contain_text("Aïcha · 2 personnes")
        screenshot(tablet, "parcels-today")
        assert tablet_errors == []
        assert_no_csp_errors(tablet)
    finally:
        context.close()

    # The manager deletes the template after a confirmation; the parcel given stays whole.
    page.goto(live_server.url + "/manage/parcels/")
    page.click("[data-delete-template]")
    expect(page.locator("h1")).to_have_text("Supprimer le colis « 1 à 2 personnes » ?")
    screenshot(page, "parcels-template-delete")
    page.click("[data-confirm-delete]")
    expect(page.locator(".message")).to_have_text("Colis « 1 à 2 personnes » supprimé.")
    assert not ParcelTemplate.objects.exists()

    parcel = Distribution.objects.get()
    assert (parcel.persons, parcel.market_total) == (
        2,
        D("2.19") * 2 + D("3.49") + D("1.59") + D("1.05"),
    )
