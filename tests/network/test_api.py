"""The REST API: session and token auth, scoping, errors, schema and docs."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from network.models import Convention
from tests.factories import TEST_PASSWORD


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def conventions(partner_a, partner_b, service_s):
    from datetime import date

    made = []
    for partner, reference in [(partner_a, "CONV-A"), (partner_b, "CONV-B")]:
        convention = Convention.objects.create(
            partner=partner,
            reference=reference,
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
            max_active_passes=10,
            max_pass_days=90,
        )
        convention.services.set([service_s])
        made.append(convention)
    return made


def test_the_api_root_lists_its_collections_and_docs(api, db):
    body = api.get("/api/").json()
    assert {"me", "organisations", "conventions", "schema", "docs"} <= set(body)


def test_the_api_asks_anonymous_callers_to_authenticate(api, db):
    response = api.get("/api/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"


def test_a_device_gets_a_token_and_uses_it(api, volunteer_s):
    response = api.post("/api/auth/token/", {"username": "vol.s", "password": TEST_PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    device = APIClient()
    device.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = device.get("/api/me/").json()
    assert me["username"] == "vol.s"
    assert [m["role"] for m in me["memberships"]] == ["volunteer"]


def test_a_wrong_password_gets_no_token(api, volunteer_s):
    response = api.post("/api/auth/token/", {"username": "vol.s", "password": "wrong"})
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "invalid_credentials"


def test_a_token_request_with_missing_fields_says_which(api, db):
    response = api.post("/api/auth/token/", {"username": "vol.s"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "password" in body["errors"]


def test_a_user_without_role_gets_no_token_and_is_told_why(api, user_without_role):
    response = api.post("/api/auth/token/", {"username": "nobody", "password": TEST_PASSWORD})
    assert response.status_code == 403
    assert response.json()["code"] == "no_active_membership"


def test_the_api_tells_a_user_of_a_deactivated_organisation_why(api, social_worker_a, partner_a):
    partner_a.is_active = False
    partner_a.save()
    api.force_authenticate(social_worker_a)
    response = api.get("/api/me/")
    assert response.status_code == 403
    assert response.json()["code"] == "no_active_membership"
    assert "désactivée" in response.json()["detail"]


def test_a_social_worker_sees_only_their_partners_conventions(api, social_worker_a, conventions):
    api.force_authenticate(social_worker_a)
    body = api.get("/api/conventions/").json()
    assert [c["reference"] for c in body["results"]] == ["CONV-A"]


def test_a_manager_sees_the_conventions_opening_their_service(api, manager_s, conventions):
    api.force_authenticate(manager_s)
    body = api.get("/api/conventions/").json()
    assert [c["reference"] for c in body["results"]] == ["CONV-A", "CONV-B"]


def test_a_volunteer_sees_no_convention(api, volunteer_s, conventions):
    api.force_authenticate(volunteer_s)
    assert api.get("/api/conventions/").json()["results"] == []


def test_organisations_are_scoped_to_the_caller(api, social_worker_a, partner_b, coordinator):
    api.force_authenticate(social_worker_a)
    names = [o["name"] for o in api.get("/api/organisations/").json()["results"]]
    assert names == ["CPAS A"]
    api.force_authenticate(coordinator)
    names = [o["name"] for o in api.get("/api/organisations/").json()["results"]]
    assert "Mutualité B" in names


def test_the_openapi_schema_and_its_docs_are_served_by_the_app(api, db):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/me/", "/api/conventions/", "/api/auth/token/"} <= set(paths)
    docs = api.get("/api/docs/")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
    assert "cdn" not in docs.text.lower()


def test_token_requests_are_throttled(api, volunteer_s, settings):
    statuses = [
        api.post("/api/auth/token/", {"username": "x", "password": "y"}).status_code
        for _ in range(12)
    ]
    assert 429 in statuses


# --- sessions and tokens --------------------------------------------------------------


def test_a_browser_session_must_send_its_csrf_token_and_a_device_token_need_not(
    social_worker_a,
):
    browser = APIClient(enforce_csrf_checks=True)
    browser.get("/login/")
    csrf_token = browser.cookies["csrftoken"].value
    browser.force_login(social_worker_a)
    search = {"q": "Dupont"}

    forged = browser.post("/api/households/search/", search, format="json")
    assert forged.status_code == 403
    assert forged.json()["code"] == "permission_denied"
    assert "CSRF" in forged.json()["detail"]
    genuine = browser.post(
        "/api/households/search/", search, format="json", HTTP_X_CSRFTOKEN=csrf_token
    )
    assert genuine.status_code == 200

    device = APIClient(enforce_csrf_checks=True)
    device.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=social_worker_a)}")
    assert device.post("/api/households/search/", search, format="json").status_code == 200
