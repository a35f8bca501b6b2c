"""The network's settings: the renewal reminder period and the retention period, set by
the coordination on its page and through the API, bounded, audited."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from comptoir.errors import DomainError
from network.models import AuditEntry, NetworkSettings
from network.selectors import network_policy_current
from network.services import network_settings_update

pytestmark = pytest.mark.django_db

URL, API_URL = "/network/settings/", "/api/network/settings/"
HX = {"HX-Request": "true"}


def saved() -> tuple[int, int] | None:
    row = NetworkSettings.objects.first()
    return None if row is None else (row.renewal_reminder_days, row.retention_months)


def settings_audit() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="network.settings_update").order_by("id"))


# --- the service -----------------------------------------------------------------------


def test_until_a_coordinator_saves_them_the_defaults_apply(network_org):
    policy = network_policy_current()

    assert (policy.renewal_reminder_days, policy.retention_months) == (30, 24)
    assert saved() is None


def test_a_coordinator_changes_the_settings_and_it_is_audited(coordinator, network_org):
    network_settings_update(
        actor=coordinator, network=network_org, renewal_reminder_days=14, retention_months=36
    )

    assert saved() == (14, 36)
    policy = network_policy_current()
    assert (policy.renewal_reminder_days, policy.retention_months) == (14, 36)
    (entry,) = settings_audit()
    assert entry.actor == coordinator
    assert entry.organisation == network_org
    assert entry.detail == {
        "before": {"renewal_reminder_days": 30, "retention_months": 24},
        "after": {"renewal_reminder_days": 14, "retention_months": 36},
    }


def test_the_same_settings_twice_give_the_same_state_and_one_audit_entry(coordinator, network_org):
    for _time in range(2):
        network_settings_update(
            actor=coordinator, network=network_org, renewal_reminder_days=14, retention_months=36
        )

    assert saved() == (14, 36)
    assert NetworkSettings.objects.count() == 1
    assert len(settings_audit()) == 1


def test_a_value_left_out_keeps_its_current_one(coordinator, network_org):
    network_settings_update(actor=coordinator, network=network_org, retention_months=60)
    network_settings_update(actor=coordinator, network=network_org, renewal_reminder_days=7)

    assert saved() == (7, 60)


@pytest.mark.parametrize("days", [1, 180])
def test_the_reminder_period_may_be_1_to_180_days(coordinator, network_org, days):
    network_settings_update(actor=coordinator, network=network_org, renewal_reminder_days=days)

    assert saved() == (days, 24)


@pytest.mark.parametrize("months", [6, 120])
def test_the_retention_period_may_be_6_to_120_months(coordinator, network_org, months):
    network_settings_update(actor=coordinator, network=network_org, retention_months=months)

    assert saved() == (30, months)


@pytest.mark.parametrize(
    ("values", "code", "field", "words"),
    [
        ({"renewal_reminder_days": 0}, "reminder_days_out_of_range", "renewal_reminder_days", "0"),
        (
            {"renewal_reminder_days": 1000},
            "reminder_days_out_of_range",
            "renewal_reminder_days",
            "1000",
        ),
        (
            {"renewal_reminder_days": 181},
            "reminder_days_out_of_range",
            "renewal_reminder_days",
            "181",
        ),
        (
            {"renewal_reminder_days": -5},
            "reminder_days_out_of_range",
            "renewal_reminder_days",
            "-5",
        ),
        ({"retention_months": 5}, "retention_months_out_of_range", "retention_months", "5"),
        ({"retention_months": 121}, "retention_months_out_of_range", "retention_months", "121"),
        (
            {"renewal_reminder_days": 14, "retention_months": 0},
            "retention_months_out_of_range",
            "retention_months",
            "0",
        ),
    ],
)
def test_a_value_out_of_bounds_is_refused_with_a_sentence_and_nothing_changes(
    coordinator, network_org, values, code, field, words
):
    network_settings_update(actor=coordinator, network=network_org, renewal_reminder_days=20)

    with pytest.raises(DomainError) as refused:
        network_settings_update(actor=coordinator, network=network_org, **values)

    assert refused.value.code == code
    assert refused.value.field == field
    assert f"{words} n'est pas possible" in refused.value.message
    assert saved() == (20, 24)
    assert len(settings_audit()) == 1


def test_the_settings_of_an_organisation_that_is_not_a_network_are_refused(coordinator, partner_a):
    with pytest.raises(DomainError) as refused:
        network_settings_update(actor=coordinator, network=partner_a, renewal_reminder_days=7)

    assert refused.value.code == "not_a_network"
    assert saved() is None


# --- the page ----------------------------------------------------------------------------


def test_the_coordinator_sees_the_settings_page_with_the_current_values(client, coordinator):
    client.force_login(coordinator)

    response = client.get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Réglages du réseau" in page
    assert 'name="renewal_reminder_days" value="30"' in page
    assert 'name="retention_months" value="24"' in page


def test_the_conventions_page_leads_the_coordinator_to_the_settings(client, coordinator):
    client.force_login(coordinator)

    assert URL.encode() in client.get("/conventions/").content


def test_the_coordinator_saves_the_settings_from_the_page(client, coordinator):
    client.force_login(coordinator)

    response = client.post(URL, {"renewal_reminder_days": "21", "retention_months": "36"})

    assert response.status_code == 302
    assert response["Location"] == URL
    assert saved() == (21, 36)
    assert "Réglages du réseau enregistrés." in client.get(URL).content.decode()


def test_the_page_saves_by_htmx_and_answers_with_its_form_only(client, coordinator):
    client.force_login(coordinator)

    response = client.post(
        URL, {"renewal_reminder_days": "21", "retention_months": "36"}, headers=HX
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body.lower()
    assert 'id="settings-form"' in body
    assert "Réglages du réseau enregistrés." in body
    assert saved() == (21, 36)


@pytest.mark.parametrize(
    ("posted", "sentence"),
    [
        ({"renewal_reminder_days": "0", "retention_months": "24"}, "0 n&#x27;est pas possible"),
        (
            {"renewal_reminder_days": "1000", "retention_months": "24"},
            "1000 n&#x27;est pas possible",
        ),
        ({"renewal_reminder_days": "30", "retention_months": "3"}, "3 n&#x27;est pas possible"),
        ({"renewal_reminder_days": "trente", "retention_months": "24"}, "nombre entier"),
        ({"renewal_reminder_days": "", "retention_months": "24"}, "obligatoire"),
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_the_page_refuses_bad_values_next_to_the_field_with_422_and_changes_nothing(
    client, coordinator, posted, sentence, htmx
):
    client.force_login(coordinator)

    response = client.post(URL, posted, headers=HX if htmx else {})

    assert response.status_code == 422
    body = response.content.decode()
    assert sentence in body
    assert "field-invalid" in body
    assert ("<html" in body.lower()) is not htmx
    assert saved() is None
    assert settings_audit() == []


@pytest.mark.parametrize(
    "persona", ["social_worker_a", "partner_head_a", "volunteer_s", "manager_s"]
)
def test_other_roles_are_refused_the_page_and_change_nothing(client, request, persona):
    client.force_login(request.getfixturevalue(persona))

    seen = client.get(URL)
    posted = client.post(URL, {"renewal_reminder_days": "7", "retention_months": "12"})

    assert seen.status_code == posted.status_code == 403
    assert "network/no_access.html" in [t.name for t in posted.templates]
    assert saved() is None


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, db):
    response = client.post(URL, {"renewal_reminder_days": "7", "retention_months": "12"})

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert saved() is None


# --- the API -----------------------------------------------------------------------------


@pytest.fixture
def api():
    return APIClient()


def test_the_coordinator_reads_the_settings_through_the_api(api, coordinator, network_org):
    api.force_authenticate(coordinator)

    body = api.get(API_URL).json()

    assert body == {
        "network": network_org.pk,
        "renewal_reminder_days": 30,
        "retention_months": 24,
        "updated_at": None,
    }


def test_the_coordinator_changes_the_settings_through_the_api(api, coordinator):
    api.force_authenticate(coordinator)

    put = api.put(API_URL, {"renewal_reminder_days": 14, "retention_months": 48}, format="json")
    patched = api.patch(API_URL, {"retention_months": 60}, format="json")

    assert put.status_code == patched.status_code == 200
    assert patched.json()["renewal_reminder_days"] == 14
    assert patched.json()["retention_months"] == 60
    assert saved() == (14, 60)
    assert len(settings_audit()) == 2


def test_a_put_needs_both_values(api, coordinator):
    api.force_authenticate(coordinator)

    response = api.put(API_URL, {"renewal_reminder_days": 14}, format="json")

    assert response.status_code == 400
    assert "retention_months" in response.json()["errors"]
    assert saved() is None


@pytest.mark.parametrize(
    ("sent", "code", "field"),
    [
        ({"renewal_reminder_days": 0}, "reminder_days_out_of_range", "renewal_reminder_days"),
        ({"renewal_reminder_days": 1000}, "reminder_days_out_of_range", "renewal_reminder_days"),
        ({"retention_months": 5}, "retention_months_out_of_range", "retention_months"),
        ({"retention_months": 121}, "retention_months_out_of_range", "retention_months"),
    ],
)
def test_the_api_refuses_values_out_of_bounds_with_a_code_and_a_sentence(
    api, coordinator, sent, code, field
):
    api.force_authenticate(coordinator)

    response = api.patch(API_URL, sent, format="json")

    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["field"]) == (code, field)
    assert "n'est pas possible" in body["detail"]
    assert saved() is None


@pytest.mark.parametrize(
    "persona", ["social_worker_a", "social_worker_b", "partner_head_a", "volunteer_s", "manager_s"]
)
@pytest.mark.parametrize("method", ["get", "put", "patch"])
def test_other_roles_are_refused_by_the_api_with_403(api, request, persona, method):
    api.force_authenticate(request.getfixturevalue(persona))

    response = getattr(api, method)(
        API_URL, {"renewal_reminder_days": 7, "retention_months": 12}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert saved() is None


def test_the_api_asks_an_anonymous_caller_to_authenticate(api, db):
    response = api.patch(API_URL, {"renewal_reminder_days": 7}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_the_settings_are_in_the_api_schema(api, db):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    assert {"get", "put", "patch"} <= set(schema["paths"][API_URL])
