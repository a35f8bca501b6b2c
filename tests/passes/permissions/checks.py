"""How a case of the matrix is sent, and what is checked around it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django.test import Client
from rest_framework.test import APIClient

from network.models import AuditEntry, Convention
from passes.models import (
    AccessPass,
    Assessment,
    Household,
    HouseholdMember,
    PassCard,
    PassEvent,
    Voucher,
)
from passes.tokens import human_code_display
from tests.passes.permissions.actions import Action
from tests.passes.permissions.expected import API_ERROR_CODES, API_ERROR_CODES_FOR
from tests.passes.permissions.world import API, FIRST_NAME, LAST_NAME, World


def login_as(request, persona: str, kind: str):
    """A test Client (pages) or an APIClient (API), logged in as `persona`."""
    client = APIClient() if kind == API else Client()
    if persona == "anonymous":
        return client, None
    user = request.getfixturevalue(persona)
    if kind == API:
        client.force_authenticate(user)
    else:
        client.force_login(user)
    return client, user


def send(client, action: Action, w: World):
    url = action.url(w)
    data = action.data(w) if action.data else None
    method = getattr(client, action.method)
    if action.kind == API:
        if action.method == "get":
            return method(url)
        return method(url, data or {}, format="json")
    if action.method == "get":
        return method(url, headers=action.headers)
    return method(url, data or {}, headers=action.headers)


FOOD_AID_FIELDS = Household.FOOD_AID_FIELDS


def partner_a_records(w: World) -> dict:
    """Everything of partner A an action could change."""
    partner = w.partner_a
    return {
        "households": list(
            Household.objects.filter(partner=partner)
            .order_by("pk")
            .values_list(
                "pk", "first_name", "last_name", "postal_code", "updated_at", *FOOD_AID_FIELDS
            )
        ),
        "members": list(
            HouseholdMember.objects.filter(household__partner=partner)
            .order_by("pk")
            .values_list("pk", "age_band", "sex")
        ),
        "assessments": list(
            Assessment.objects.filter(household__partner=partner)
            .order_by("pk")
            .values_list("pk", "outcome", "notes")
        ),
        "passes": list(
            AccessPass.objects.filter(partner=partner)
            .order_by("pk")
            .values_list("pk", "status", "card_version", "valid_from", "valid_until", "updated_at")
        ),
        "cards": list(
            PassCard.objects.filter(access_pass__partner=partner)
            .order_by("pk")
            .values_list("pk", "version", "retired_at")
        ),
        "events": PassEvent.objects.filter(access_pass__partner=partner).count(),
        "vouchers": list(
            Voucher.objects.filter(partner=partner)
            .order_by("pk")
            .values_list("pk", "kind", "service_id", "revoked_at", "used_at")
        ),
    }


def row_counts() -> dict[str, int]:
    models = (Household, HouseholdMember, Assessment, AccessPass, PassCard, PassEvent, Voucher)
    counts = {model.__name__: model.objects.count() for model in models}
    counts["AuditEntry"] = AuditEntry.objects.count()
    counts["Convention"] = Convention.objects.count()
    return counts


def secrets_of_a(w: World) -> list[bytes]:
    """What must never reach anyone outside partner A (compared case-insensitively)."""
    codes = [w.human_code, w.voucher.human_code, human_code_display(w.voucher.human_code)]
    return [LAST_NAME.lower().encode(), FIRST_NAME.lower().encode()] + [
        code.lower().encode() for code in codes
    ]


def assert_no_leak(response, w: World) -> None:
    body = response.content.lower()
    for secret in secrets_of_a(w):
        assert secret not in body, f"{secret!r} leaked in a {response.status_code} answer"


def assert_login_redirect(response, url: str) -> None:
    # A page redirects; an htmx request is told to send the browser to the login page.
    if response.status_code == 204:
        location = urlsplit(response["HX-Redirect"])
    else:
        assert response.status_code == 302
        location = urlsplit(response["Location"])
    assert location.path == "/login/"
    assert parse_qs(location.query)["next"] == [url]


def assert_api_error(response, persona: str, status: int) -> None:
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert {"code", "detail"} <= body.keys()
    code = API_ERROR_CODES_FOR.get(persona, {}).get(status, API_ERROR_CODES[status])
    assert body["code"] == code
    assert response.get("WWW-Authenticate") == ("Token" if status == 401 else None)
