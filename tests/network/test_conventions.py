"""Conventions and their usage rules: the coordination records them, a manager amends
the rules of their own service, and every refusal says what is wrong."""

from datetime import date

import pytest

from network.models import AuditEntry, Convention, Organisation, UsageRule
from network.services import (
    ConventionRefused,
    RuleData,
    convention_rules_amend,
    convention_save,
)
from tests.factories import organisation

pytestmark = pytest.mark.django_db

FIELDS = {
    "reference": "CONV-T-2026",
    "starts_on": date(2026, 1, 1),
    "ends_on": date(2026, 12, 31),
    "max_active_passes": 20,
    "max_pass_days": 183,
}


@pytest.fixture
def food_aid(db):
    return organisation(kind="service", name="Aide F", slug="aide-f", service_kind="food_aid")


def weekly_visit(service):
    return RuleData(service_id=service.pk, kind="visits", period="week", quantity=1)


def budget(service, base=6000, extra=2500):
    return RuleData(
        service_id=service.pk,
        kind="budget",
        period="month",
        budget_base_cents=base,
        budget_per_extra_member_cents=extra,
    )


def test_an_amendment_raises_the_version_and_is_audited(coordinator, partner_a, service_s):
    convention = convention_save(
        actor=coordinator,
        convention=None,
        fields={"partner": partner_a, **FIELDS},
        services=[service_s],
        rules=[weekly_visit(service_s)],
    )
    assert convention.version == 1
    amended = convention_save(
        actor=coordinator,
        convention=convention,
        fields={"partner": partner_a, **FIELDS, "max_active_passes": 30},
        services=[service_s],
        rules=[weekly_visit(service_s), budget(service_s)],
    )
    assert amended.version == 2 and amended.amended_at is not None
    assert sorted(amended.rules.values_list("kind", flat=True)) == ["budget", "visits"]
    assert [r.describe() for r in amended.rules.filter(kind="budget")] == [
        "budget de 60,00\xa0€ par mois, plus 25,00\xa0€ par personne en plus"
    ]
    assert AuditEntry.objects.filter(action="convention.amend", target_id=str(amended.pk)).exists()


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"ends_on": date(2025, 12, 31)}, "dates_inverted", "ends_on"),
        ({"ends_on": date(2062, 12, 31)}, "convention_too_long", "ends_on"),
        ({"max_pass_days": 3650}, "pass_validity_too_long", "max_pass_days"),
        ({"services": []}, "no_service", "services"),
        ({"rules": "budget-without-amount"}, "rule_budget_missing", "rules"),
        ({"rules": "visits-without-number"}, "rule_quantity_missing", "rules"),
        ({"rules": "other-service"}, "rule_service_not_in_convention", "rules"),
        ({"rules": "twice"}, "rule_duplicate", "rules"),
    ],
)
def test_a_convention_is_refused_with_a_code_and_nothing_saved(
    coordinator, partner_a, service_s, food_aid, change, code, field
):
    rules = {
        "budget-without-amount": [RuleData(service_id=service_s.pk, kind="budget", period="month")],
        "visits-without-number": [RuleData(service_id=service_s.pk, kind="visits", period="week")],
        "other-service": [weekly_visit(food_aid)],
        "twice": [weekly_visit(service_s), weekly_visit(service_s)],
    }.get(change.get("rules"), [weekly_visit(service_s)])
    fields = {"partner": partner_a, **FIELDS}
    for name in ("ends_on", "max_pass_days"):
        if name in change:
            fields[name] = change[name]
    with pytest.raises(ConventionRefused) as refused:
        convention_save(
            actor=coordinator,
            convention=None,
            fields=fields,
            services=change.get("services", [service_s]),
            rules=rules,
        )
    assert (refused.value.code, refused.value.field) == (code, field)
    assert not Convention.objects.exists() and not UsageRule.objects.exists()


def test_a_manager_amends_only_the_rules_of_their_own_service(
    coordinator, manager_s, partner_a, service_s, food_aid
):
    convention = convention_save(
        actor=coordinator,
        convention=None,
        fields={"partner": partner_a, **FIELDS},
        services=[service_s, food_aid],
        rules=[
            weekly_visit(service_s),
            RuleData(service_id=food_aid.pk, kind="parcels", period="fortnight", quantity=1),
        ],
    )
    convention_rules_amend(
        actor=manager_s, convention=convention, service=service_s, rules=[budget(service_s)]
    )
    kinds = set(convention.rules.values_list("service__slug", "kind"))
    assert kinds == {("epicerie-s", "budget"), ("aide-f", "parcels")}
    convention.refresh_from_db()
    assert convention.version == 2
    with pytest.raises(ConventionRefused):
        convention_rules_amend(
            actor=manager_s, convention=convention, service=service_s, rules=[budget(food_aid)]
        )


def test_saving_the_form_unchanged_keeps_every_rule(client, coordinator, partner_a, service_s):
    convention = convention_save(
        actor=coordinator,
        convention=None,
        fields={"partner": partner_a, **FIELDS},
        services=[service_s],
        rules=[weekly_visit(service_s), budget(service_s)],
    )
    client.force_login(coordinator)
    data = {
        "partner": partner_a.pk,
        **{k: str(v) for k, v in FIELDS.items()},
        "services": [service_s.pk],
        "rules-TOTAL_FORMS": 4,
        "rules-INITIAL_FORMS": 2,
        "rules-MIN_NUM_FORMS": 0,
        "rules-MAX_NUM_FORMS": 30,
    }
    for index, rule in enumerate(convention.rules.order_by("kind")):
        data.update(
            {
                f"rules-{index}-service": service_s.pk,
                f"rules-{index}-kind": rule.kind,
                f"rules-{index}-period": rule.period,
                f"rules-{index}-quantity": rule.quantity or "",
                f"rules-{index}-budget_base": "60.00" if rule.kind == "budget" else "",
                f"rules-{index}-budget_per_extra_member": "25.00" if rule.kind == "budget" else "",
            }
        )
    for index in (2, 3):
        data.update(
            {f"rules-{index}-service": "", f"rules-{index}-kind": "", f"rules-{index}-period": ""}
        )
    response = client.post(f"/conventions/{convention.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert convention.rules.count() == 2
    assert convention.rules.get(kind="budget").budget_base_cents == 6000


def test_the_coordination_records_a_partner_service(client, coordinator, manager_s):
    client.force_login(coordinator)
    response = client.post(
        "/partners/new/",
        {"name": "Relais social de Namur", "partner_kind": "social_service", "country": "BE"},
    )
    assert response.status_code == 302
    partner = Organisation.objects.get(name="Relais social de Namur")
    assert (partner.kind, partner.slug) == ("partner", "relais-social-de-namur")
    assert client.post("/partners/new/", {"name": ""}).status_code == 422
    client.force_login(manager_s)
    assert client.get("/partners/new/").status_code == 403
