"""In a real browser, a social worker gives vouchers from a household's page: a referral to
a vestiaire (a refusal on the way), printed on A6 and shown on a phone; then a sheet of
meal tickets for a social restaurant, printed on A4, and one ticket cancelled."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from passes.models import Voucher
from passes.selectors import card_read
from passes.services.vouchers import meal_tickets_issue
from passes.tokens import human_code_display
from tests import factories
from tests.e2e.helpers_passes import (
    ARTIFACTS,
    assert_no_csp_errors,
    assessment_reasons,  # noqa: F401  (fixture)
    convention_make,
    element_shot,
    household_make,
    log_in,
    pass_keys,  # noqa: F401  (fixture)
    qr_texts,
    shot,
    today,
)
from tests.e2e.passes_journey.common import _post_to

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("pass_keys", "assessment_reasons"),
]

MM = 96 / 25.4  # CSS pixels in a millimetre
COVERS = "Vêtements d'hiver pour 3 personnes"
PHONE = {"width": 390, "height": 844}


def pdf_pages(path) -> list[tuple[int, int]]:
    """Each page's size in whole millimetres, read from the PDF's media boxes."""
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", path.read_bytes())
    count = int(re.search(rb"/Type /Pages\b[^>]*?/Count (\d+)", path.read_bytes()).group(1))
    sizes = [(round(float(w) / 72 * 25.4), round(float(h) / 72 * 25.4)) for w, h in boxes]
    return sizes * count if len(sizes) == 1 else sizes


@pytest.fixture
def vestiaire(db):
    return factories.organisation(
        kind="service",
        name="Vestiaire de la Croix-Rouge",
        slug="vestiaire-cr",
        service_kind="vestiaire",
        street="Rue Saint-Nicolas 45",
        postal_code="5000",
        city="Namur",
        phone="081 22 33 44",
    )


@pytest.fixture
def restaurant(db):
    return factories.organisation(
        kind="service",
        name="Restaurant social Le Perron",
        slug="le-perron",
        service_kind="restaurant",
        city="Namur",
    )


@pytest.fixture
def household(social_worker_a, partner_a, vestiaire, restaurant):
    convention_make(partner_a, [vestiaire, restaurant], reference="CONV-VOUCHERS")
    return household_make(
        social_worker_a, partner_a, first_name="Hélène", last_name="Dupont-Lefèvre", granted=True
    )


def test_a_social_worker_gives_a_referral_and_prints_it_on_a6_and_for_a_phone(
    page, browser, live_server, household, vestiaire
):
    base = live_server.url
    log_in(page, base, "sw.a", "social_worker")
    page.goto(f"{base}/households/{household.pk}/")
    section = page.locator("#vouchers")
    expect(section.locator("h2")).to_have_text("Bons et tickets-repas")
    form = section.locator("form[data-form=referral]")
    expect(form.locator("#id_referral-covers")).to_have_attribute(
        "placeholder", "vêtements d'hiver pour 3 personnes"
    )
    expect(form.locator("#id_referral-valid_days")).to_have_value("30")

    # Nothing said about what it covers: refused next to the field, nothing saved.
    form.locator("#id_referral-service").select_option(label=vestiaire.name)
    with page.expect_response(_post_to(f"/households/{household.pk}/vouchers/referral/")) as sent:
        form.locator("button[type=submit]").click()
    assert sent.value.status == 422
    covers_field = page.locator("form[data-form=referral] .field:has(#id_referral-covers)")
    expect(covers_field.locator(".field-error")).to_contain_text("Dites ce que le bon couvre")
    assert not Voucher.objects.exists()
    shot(page, "vouchers-referral-refused")

    form = page.locator("form[data-form=referral]")
    form.locator("#id_referral-covers").fill(COVERS)
    form.locator("#id_referral-valid_days").fill("14")
    with page.expect_response(_post_to(f"/households/{household.pk}/vouchers/referral/")) as sent:
        form.locator("button[type=submit]").click()
    assert sent.value.status == 200
    voucher = Voucher.objects.get()
    assert voucher.valid_until == today() + timedelta(days=13)
    given = page.locator("#vouchers [data-given]")
    expect(given).to_contain_text("Bon d'orientation créé pour Vestiaire de la Croix-Rouge.")
    row = page.locator(f"#vouchers tr[data-voucher='{voucher.pk}']")
    expect(row).to_contain_text(COVERS)
    expect(row).to_contain_text("valable")
    assert page.url == f"{base}/households/{household.pk}/"
    element_shot(page.locator("#vouchers"), "vouchers-section")
    assert_no_csp_errors(page)

    # The print page: A6, the QR code holds the voucher's token, the first name only.
    given.locator("a:has-text('Imprimer le bon')").click()
    page.wait_for_url(f"{base}/vouchers/{voucher.pk}/print/")
    referral = page.locator("article.referral")
    expect(referral).to_contain_text("Bon d'orientation")
    expect(referral).to_contain_text("Vestiaire de la Croix-Rouge")
    expect(referral).to_contain_text("Rue Saint-Nicolas 45")
    expect(referral).to_contain_text(COVERS)
    expect(referral).to_contain_text("Hélène")
    expect(referral).to_contain_text(human_code_display(voucher.human_code))
    expect(referral).not_to_contain_text("Dupont")
    box = referral.bounding_box()
    assert abs(box["width"] - 105 * MM) < 2, box
    assert abs(box["height"] - 148 * MM) < 2, box
    qr_box = page.locator(".referral-qr svg").bounding_box()
    assert qr_box["width"] >= 40 * MM, qr_box
    overflow = page.evaluate(
        "() => { const b = document.querySelector('.referral-body');"
        " return b.scrollHeight > b.clientHeight + 1; }"
    )
    assert not overflow, "the referral's text overflows the A6 page"
    shot(page, "voucher-referral-print-view")
    printed = element_shot(referral, "voucher-referral-a6")
    [token] = qr_texts(printed)
    assert card_read(token).voucher_id == voucher.pk
    for personal in ("Hélène", "Helene", "Dupont", "Lefèvre", "1980"):
        assert personal.casefold() not in token.casefold()
    pdf = ARTIFACTS / "voucher-referral-a6.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    assert pdf_pages(pdf) == [(105, 148)], "one A6 page"
    # As the printer gets it: no toolbar, the voucher filling the page.
    page.emulate_media(media="print")
    page.set_viewport_size({"width": round(105 * MM), "height": round(148 * MM)})
    page.screenshot(path=str(ARTIFACTS / "voucher-referral-a6-print.png"))
    expect(page.locator(".print-toolbar")).to_be_hidden()
    page.emulate_media(media="screen")
    assert_no_csp_errors(page)

    # The same page on a phone: the whole voucher in the screen's width.
    phone = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        locale="fr-BE",
        storage_state=page.context.storage_state(),
    )
    try:
        phone_page = phone.new_page()
        phone_page.goto(f"{base}/vouchers/{voucher.pk}/print/")
        on_phone = phone_page.locator("article.referral")
        expect(on_phone).to_be_visible()
        assert phone_page.evaluate(
            "() => document.documentElement.scrollWidth <= window.innerWidth"
        ), "the phone page scrolls sideways"
        phone_box = on_phone.bounding_box()
        assert phone_box["width"] <= PHONE["width"]
        phone_page.screenshot(path=str(ARTIFACTS / "voucher-referral-phone.png"), full_page=True)
        [phone_token] = qr_texts(ARTIFACTS / "voucher-referral-phone.png")
        assert phone_token == token
    finally:
        phone.close()


def test_a_social_worker_prints_a_sheet_of_meal_tickets_and_cancels_one(
    page, live_server, household, restaurant
):
    base = live_server.url
    log_in(page, base, "sw.a", "social_worker")
    page.goto(f"{base}/households/{household.pk}/")
    form = page.locator("form[data-form=meal]")
    expect(form.locator("#id_meal-valid_days")).to_have_value("90")
    form.locator("#id_meal-service").select_option(label=restaurant.name)
    form.locator("#id_meal-count").fill("31")
    with page.expect_response(_post_to(f"/households/{household.pk}/vouchers/meal-tickets/")) as s:
        form.locator("button[type=submit]").click()
    assert s.value.status == 422
    expect(
        page.locator("form[data-form=meal] .field:has(#id_meal-count) .field-error")
    ).to_have_text("Une feuille compte de 1 à 30 tickets-repas.")
    page.locator("#id_meal-count").fill("8")
    with page.expect_response(_post_to(f"/households/{household.pk}/vouchers/meal-tickets/")) as s:
        page.locator("form[data-form=meal] button[type=submit]").click()
    assert s.value.status == 200
    tickets = list(Voucher.objects.order_by("pk"))
    assert len(tickets) == 8
    batch = tickets[0].batch
    expect(page.locator("#vouchers [data-given-sheet]")).to_contain_text(
        "8 tickets-repas créés pour Restaurant social Le Perron."
    )

    # The A4 sheet: eight tickets, each with its QR code and short code, and no name.
    page.locator("#vouchers [data-given-sheet] a:has-text('Imprimer la feuille')").click()
    page.wait_for_url(f"{base}/vouchers/sheets/{batch}/print/")
    printed = page.locator("article.meal-ticket")
    expect(printed).to_have_count(8)
    first = printed.first
    expect(first).to_contain_text("Ticket-repas · 1 repas")
    expect(first).to_contain_text("Restaurant social Le Perron")
    expect(first).to_contain_text(human_code_display(tickets[0].human_code))
    box = first.bounding_box()
    assert abs(box["width"] - 63 * MM) < 2 and abs(box["height"] - 45 * MM) < 2, box
    assert page.locator(".meal-ticket-qr svg").first.bounding_box()["width"] >= 28 * MM
    body = page.locator("body").inner_text()
    for personal in ("Hélène", "Dupont", "Lefèvre", "CPAS A"):
        assert personal not in body
    sheet = shot(page, "meal-tickets-a4-sheet")
    tokens = qr_texts(element_shot(page.locator(".meal-ticket-sheet"), "meal-tickets-a4"))
    assert sorted(card_read(t).voucher_id for t in tokens) == [t.pk for t in tickets]
    assert sheet.exists()
    pdf = ARTIFACTS / "meal-tickets-a4.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    assert pdf_pages(pdf) == [(210, 297)], "one A4 page"
    assert_no_csp_errors(page)

    # One ticket lost: cancelled with its reason; the sheet reprints the seven others.
    page.goto(f"{base}/households/{household.pk}/")
    page.locator(f"tr[data-sheet='{batch}'] + tr > td > details > summary").click()
    lost = page.locator(f"tr[data-voucher='{tickets[7].pk}']")
    lost.locator("summary").click()
    lost.locator("input[name=reason]").fill("Ticket perdu")
    with page.expect_response(_post_to(f"/vouchers/{tickets[7].pk}/revoke/")) as s:
        lost.locator("button[type=submit]").click()
    assert s.value.status == 200
    expect(page.locator(f"tr[data-voucher='{tickets[7].pk}']")).to_have_attribute(
        "data-state", "revoked"
    )
    expect(page.locator(f"tr[data-sheet='{batch}']")).to_contain_text("7 valables")
    expect(page.locator(f"tr[data-sheet='{batch}']")).to_contain_text("1 annulé")
    shot(page, "vouchers-section-after-cancel")
    page.goto(f"{base}/vouchers/sheets/{batch}/print/")
    expect(page.locator("article.meal-ticket")).to_have_count(7)
    expect(page.locator(".voucher-void-note")).to_contain_text("1 ticket de cette feuille")
    assert_no_csp_errors(page)


def test_a_full_sheet_of_thirty_meal_tickets_prints_on_two_a4_pages(
    page, live_server, social_worker_a, household, restaurant
):
    tickets = meal_tickets_issue(
        actor=social_worker_a, household=household, service=restaurant, count=30
    )
    base = live_server.url
    log_in(page, base, "sw.a", "social_worker")
    page.goto(f"{base}/vouchers/sheets/{tickets[0].batch}/print/")
    expect(page.locator("article.meal-ticket")).to_have_count(30)
    pdf = ARTIFACTS / "meal-tickets-30.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    assert pdf_pages(pdf) == [(210, 297), (210, 297)], "18 tickets on the first page, 12 next"
    page.emulate_media(media="print")
    # A4's printable area at 10 mm margins, as the printer lays it out.
    page.set_viewport_size({"width": round(190 * MM), "height": round(277 * MM)})
    page.screenshot(path=str(ARTIFACTS / "meal-tickets-a4-print.png"))
    rows = page.evaluate(
        "() => new Set([...document.querySelectorAll('.meal-ticket')]"
        ".map(t => Math.round(t.getBoundingClientRect().top))).size"
    )
    assert rows == 10
