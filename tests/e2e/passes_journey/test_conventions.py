"""In a real browser, the coordination and a manager amending a convention's rules."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from network.models import Convention, UsageRule
from tests.e2e.helpers_passes import (
    assert_no_csp_errors,
    convention_make,
    log_in,
    shot,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("pass_keys", "assessment_reasons"),
]


# --- 6. the coordination amends a convention's rules ----------------------------------


def test_the_coordinator_adds_a_weekly_visit_rule_to_a_convention(
    page, live_server, coordinator, partner_a, service_s
):
    base = live_server.url
    convention = convention_make(partner_a, [service_s], reference="CONV-NAMUR-2026")
    UsageRule.objects.create(
        convention=convention,
        service=service_s,
        kind=UsageRule.Kind.BUDGET,
        period=UsageRule.Period.MONTH,
        budget_base_cents=6000,
        budget_per_extra_member_cents=2500,
    )
    assert convention.version == 1
    log_in(page, base, "coord", "coordinator")
    page.goto(f"{base}/conventions/{convention.pk}/")
    expect(page.locator("h1")).to_contain_text("CONV-NAMUR-2026")
    expect(page.locator("h1")).to_contain_text("version 1")
    assert page.input_value("#id_rules-0-kind") == "budget"
    page.select_option("#id_rules-1-service", str(service_s.pk))
    page.select_option("#id_rules-1-kind", "visits")
    page.select_option("#id_rules-1-period", "week")
    page.fill("#id_rules-1-quantity", "1")
    shot(page, "passes-convention-form")
    page.click("button.button-primary:has-text('Enregistrer la convention')")
    page.wait_for_url(base + "/conventions/")
    shot(page, "passes-convention-list")
    expect(page.locator("body")).to_contain_text("version 2")
    row = page.locator("tr:has(a:has-text('CONV-NAMUR-2026'))")
    expect(row).to_contain_text("Épicerie S : 1 passage par semaine")
    expect(row).to_contain_text("60,00")
    expect(row.locator("td.num").last).to_have_text("2")
    convention.refresh_from_db()
    assert convention.version == 2
    assert sorted(convention.rules.values_list("kind", "period", "quantity")) == [
        ("budget", "month", None),
        ("visits", "week", 1),
    ]
    assert_no_csp_errors(page)


def test_a_manager_amends_only_the_rules_of_their_own_service(
    page, live_server, manager_s, partner_a, service_s
):
    from tests.factories import organisation

    other_service = organisation(
        kind="service", name="Vestiaire T", slug="vestiaire-t", service_kind="vestiaire"
    )
    convention = convention_make(
        partner_a, [service_s, other_service], reference="CONV-2SERV", visits_per_week=2
    )
    log_in(page, live_server.url, "man.s", "manager")
    page.goto(f"{live_server.url}/conventions/{convention.pk}/")
    expect(page.locator("body")).to_contain_text("Vous modifiez les règles de votre service")
    assert page.locator("#id_partner").count() == 0
    options = page.locator("#id_rules-0-service option").all_inner_texts()
    assert "Vestiaire T" not in options
    page.fill("#id_rules-0-quantity", "1")
    page.click("button.button-primary:has-text('Enregistrer la convention')")
    page.wait_for_url(live_server.url + "/conventions/")
    convention = Convention.objects.get(pk=convention.pk)
    rules = dict(convention.rules.values_list("service__name", "quantity"))
    assert rules == {"Épicerie S": 1, "Vestiaire T": 2}
    assert_no_csp_errors(page)
