"""In a real browser, the household pages: search as you type, and what another partner
and a volunteer may not open.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from passes.models import Household
from passes.services import MemberData
from tests.e2e.helpers_passes import (
    assert_no_csp_errors,
    household_make,
    log_in,
    pass_make,
    shot,
)
from tests.e2e.passes_journey.common import _post_to

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("pass_keys", "assessment_reasons"),
]


# --- 2. search as you type ----------------------------------------------------------


def test_the_search_box_posts_as_you_type_and_pages_without_a_name_in_the_url(
    page, live_server, social_worker_a, partner_a, convention_a
):
    base = live_server.url
    dup_names = ["Dupont", "Dupuis", "Duprez", "Dupré", "Dupas", "Dupin"]
    for number in range(27):
        household_make(
            social_worker_a,
            partner_a,
            first_name=f"Personne{number:02d}",
            last_name=dup_names[number % len(dup_names)],
            granted=number == 0,
        )
    for last_name in ("Martin", "Lambert", "Peeters"):
        household_make(social_worker_a, partner_a, first_name="Zoé", last_name=last_name)
    with_pass = Household.objects.get(first_name="Personne00")
    pass_make(social_worker_a, with_pass, convention_a)

    log_in(page, base, "sw.a", "social_worker")
    page.goto(base + "/households/")
    results = page.locator("#household-results")
    expect(results).to_contain_text("30 ménages")
    expect(page.locator("#household-results tbody tr")).to_have_count(25)
    shot(page, "passes-household-list")
    page.evaluate("window.__stillHere = true")

    posted = []
    page.on("request", lambda r: r.method == "POST" and posted.append(r))
    with page.expect_response(_post_to("/households/")) as searched:
        page.locator("#id_q").press_sequentially("dup", delay=60)
    assert searched.value.status == 200
    expect(results).to_contain_text("27 ménages")
    expect(page.locator("#household-results tbody tr")).to_have_count(25)
    expect(results).not_to_contain_text("Martin")
    expect(results).to_contain_text("Page 1 sur 2")
    assert page.evaluate("window.__stillHere") is True  # no page load
    assert "dup" not in page.url.lower()
    assert page.url == base + "/households/"
    assert all("dup" not in r.url.lower() for r in posted)
    assert any("q=dup" in (r.post_data or "") for r in posted)
    shot(page, "passes-household-list-search")

    page.click("#household-results button:has-text('Suivante')")
    expect(results).to_contain_text("Page 2 sur 2")
    expect(page.locator("#household-results tbody tr")).to_have_count(2)
    expect(results).not_to_contain_text("Martin")  # the search stays applied
    page.click("#household-results button:has-text('Précédente')")
    expect(results).to_contain_text("Page 1 sur 2")
    expect(page.locator("#household-results tbody tr")).to_have_count(25)
    assert page.evaluate("window.__stillHere") is True
    assert "dup" not in page.url.lower()

    # A filter narrows the same search.
    page.select_option("#id_status", "active")
    expect(results).to_contain_text("1 ménage")
    expect(page.locator("#household-results tbody tr")).to_have_count(1)
    expect(results).to_contain_text("Personne00")

    # Nothing found: a plain sentence.
    page.select_option("#id_status", "")
    page.fill("#id_q", "zzz")
    expect(results).to_contain_text("Aucun ménage ne correspond")
    assert "zzz" not in page.url
    assert page.evaluate("window.__stillHere") is True
    assert_no_csp_errors(page)


# --- 4. what others may not open ----------------------------------------------------


def test_another_partner_gets_a_404_and_a_volunteer_a_403(
    browser,
    live_server,
    social_worker_a,
    social_worker_b,
    volunteer_s,
    partner_a,
    convention_a,
):
    base = live_server.url
    household = household_make(social_worker_a, partner_a, granted=True)
    access_pass = pass_make(social_worker_a, household, convention_a)
    assessment = household.assessments.get()

    context = browser.new_context(locale="fr-BE")
    page = context.new_page()
    log_in(page, base, "sw.b", "social_worker")
    for path in (
        f"/households/{household.pk}/",
        f"/households/{household.pk}/passes/new/",
        f"/assessments/{assessment.pk}/notes/",
        f"/passes/{access_pass.pk}/",
        f"/passes/{access_pass.pk}/card/",
        f"/passes/{access_pass.pk}/card.png",
        f"/cards/sheet/?pass={access_pass.pk}",
    ):
        response = page.goto(base + path)
        assert response.status == 404, path
        if not path.endswith(".png"):
            expect(page.locator("h1")).to_have_text("Page introuvable")
        assert household.last_name not in page.content()
    page.goto(base + "/households/")
    expect(page.locator("#household-results")).to_contain_text("0 ménage")
    context.close()

    context = browser.new_context(locale="fr-BE")
    page = context.new_page()
    log_in(page, base, "vol.s", "volunteer")
    response = page.goto(base + "/households/")
    assert response.status == 403
    assert "Ménages" not in page.inner_text("body")
    response = page.goto(f"{base}/households/{household.pk}/")
    assert response.status == 403
    assert household.last_name not in page.content()
    context.close()


def test_the_household_page_warns_of_a_pass_through_another_partner(
    page,
    live_server,
    social_worker_a,
    social_worker_b,
    partner_a,
    partner_b,
    convention_a,
    convention_b,
):
    base = live_server.url
    elsewhere = household_make(
        social_worker_b,
        partner_b,
        first_name="Hélène",
        last_name="Dupont-Lefèvre",
        birth_year=1984,
        granted=True,
    )
    pass_make(social_worker_b, elsewhere, convention_b)
    # Partner A registers the same person, spelt without accents.
    household = household_make(
        social_worker_a,
        partner_a,
        first_name="Helene",
        last_name="Dupont Lefevre",
        birth_year=1984,
        members=(MemberData("3-15", "f"), MemberData("0-2", "m")),
        granted=True,
    )
    log_in(page, base, "sw.a", "social_worker")
    page.goto(f"{base}/households/{household.pk}/")
    warning = page.locator("[data-warning=pass-elsewhere]")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("autre service partenaire")
    # Nothing more is told about the other partner.
    assert partner_b.name not in page.inner_text("body")
    assert "CONV-B" not in page.inner_text("body")
    shot(page, "passes-household-page-warning")
    page.goto(f"{base}/households/{household.pk}/passes/new/")
    expect(page.locator("[data-warning=pass-elsewhere]")).to_be_visible()
    assert_no_csp_errors(page)
