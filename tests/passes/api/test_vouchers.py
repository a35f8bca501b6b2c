"""The vouchers API: a household's referrals and meal tickets, giving and cancelling them."""

from __future__ import annotations

import pytest

from network.models import AuditEntry
from passes.models import Voucher
from passes.selectors import card_read
from passes.services.vouchers import referral_issue
from passes.tokens import human_code_display
from tests.factories import convention_make, organisation
from tests.passes.api.common import OUTSIDERS

COVERS = "Vêtements d'hiver pour 3 personnes"


@pytest.fixture
def vestiaire(db):
    return organisation(
        kind="service", name="Vestiaire V", slug="vestiaire-v", service_kind="vestiaire"
    )


@pytest.fixture
def restaurant(db):
    return organisation(kind="service", name="Resto R", slug="resto-r", service_kind="restaurant")


@pytest.fixture
def conventions(partner_a, vestiaire, restaurant):
    return convention_make(partner_a, [vestiaire, restaurant])


@pytest.fixture
def referral(social_worker_a, household_a, vestiaire, conventions):
    return referral_issue(
        actor=social_worker_a, household=household_a, service=vestiaire, covers=COVERS
    )


def url(household) -> str:
    return f"/api/households/{household.pk}/vouchers/"


def test_a_social_worker_gives_a_referral_with_its_token_and_code(
    api, social_worker_a, household_a, vestiaire, conventions
):
    api.force_authenticate(social_worker_a)
    response = api.post(
        url(household_a),
        {"kind": "referral", "service": vestiaire.pk, "covers": COVERS, "valid_days": 14},
        format="json",
    )
    assert response.status_code == 201
    [body] = response.json()
    voucher = Voucher.objects.get()
    assert body["id"] == voucher.pk
    assert (body["kind"], body["covers"], body["state"]) == ("referral", COVERS, "valid")
    assert body["service"] == {"id": vestiaire.pk, "name": "Vestiaire V"}
    assert (body["valid_from"], body["valid_until"]) == ("2026-03-02", "2026-03-15")
    assert body["household"] == household_a.pk and body["batch"] is None
    assert body["used_at"] is None and body["used_service"] is None
    assert body["code"] == human_code_display(voucher.human_code)
    assert card_read(body["token"]).voucher_id == voucher.pk
    assert card_read(body["code"]).voucher_id == voucher.pk
    # The token names the voucher only.
    for personal in ("Marie", "Dupont", "1980"):
        assert personal.lower() not in body["token"].lower()
    assert AuditEntry.objects.filter(action="voucher.issue", actor=social_worker_a).exists()


def test_a_sheet_of_meal_tickets_answers_each_ticket(
    api, partner_head_a, household_a, restaurant, conventions
):
    api.force_authenticate(partner_head_a)
    response = api.post(
        url(household_a), {"kind": "meal", "service": restaurant.pk, "count": 3}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert len(body) == 3 == Voucher.objects.filter(kind="meal").count()
    assert len({t["batch"] for t in body}) == 1 and body[0]["batch"]
    assert len({t["code"] for t in body}) == len({t["token"] for t in body}) == 3
    assert {t["valid_until"] for t in body} == {"2026-05-30"}
    assert {card_read(t["token"]).voucher_id for t in body} == {t["id"] for t in body}


def test_the_household_lists_its_vouchers_newest_first(
    api, social_worker_a, household_a, restaurant, referral
):
    api.force_authenticate(social_worker_a)
    api.post(
        url(household_a), {"kind": "meal", "service": restaurant.pk, "count": 2}, format="json"
    )
    body = api.get(url(household_a)).json()
    assert body["count"] == 3
    assert [v["kind"] for v in body["results"]] == ["meal", "meal", "referral"]
    assert body["results"][2]["id"] == referral.pk


@pytest.mark.parametrize(
    ("sent", "status", "code", "field"),
    [
        ({"kind": "referral", "covers": " "}, 400, "covers_required", "covers"),
        ({"kind": "referral", "valid_days": 0}, 400, "validity_invalid", "valid_days"),
        ({"kind": "referral", "valid_days": 181}, 400, "validity_invalid", "valid_days"),
        ({"kind": "meal", "count": 31, "service": "restaurant"}, 400, "count_invalid", "count"),
        ({"kind": "meal", "count": 2}, 400, "not_a_restaurant", "service"),
        ({"kind": "referral", "service": "elsewhere"}, 409, "no_convention", "service"),
    ],
)
def test_refusals_name_their_code_and_field_and_nothing_is_made(
    api, social_worker_a, household_a, vestiaire, restaurant, conventions, sent, status, code, field
):
    elsewhere = organisation(
        kind="service", name="Vestiaire W", slug="vw", service_kind="vestiaire"
    )
    services = {"restaurant": restaurant.pk, "elsewhere": elsewhere.pk}
    data = {"service": vestiaire.pk, "covers": COVERS, **sent}
    data["service"] = services.get(data["service"], data["service"])
    api.force_authenticate(social_worker_a)
    response = api.post(url(household_a), data, format="json")
    assert response.status_code == status, response.json()
    body = response.json()
    assert (body["code"], body["field"]) == (code, field)
    assert body["detail"]
    assert not Voucher.objects.exists()


def test_meal_tickets_need_a_count(api, social_worker_a, household_a, restaurant, conventions):
    api.force_authenticate(social_worker_a)
    response = api.post(url(household_a), {"kind": "meal", "service": restaurant.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "count" in response.json()["errors"]
    assert not Voucher.objects.exists()


def test_a_voucher_is_cancelled_with_a_reason_once(api, social_worker_a, referral):
    api.force_authenticate(social_worker_a)
    revoke = f"/api/vouchers/{referral.pk}/revoke/"
    empty = api.post(revoke, {}, format="json")
    assert (empty.status_code, empty.json()["code"]) == (400, "reason_required")
    response = api.post(revoke, {"reason": "Perdu par le ménage"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "revoked" and body["revoke_reason"] == "Perdu par le ménage"
    assert body["revoked_at"].startswith("2026-03-02")
    again = api.post(revoke, {"reason": "Encore"}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "already_revoked")
    assert card_read(body["token"]).voucher_id == referral.pk


def test_another_partner_finds_neither_the_household_nor_its_vouchers(
    api, social_worker_b, partner_b, household_a, vestiaire, referral
):
    convention_make(partner_b, [vestiaire])
    api.force_authenticate(social_worker_b)
    before = (Voucher.objects.count(), AuditEntry.objects.count())
    answers = [
        api.get(url(household_a)),
        api.post(
            url(household_a),
            {"kind": "referral", "service": vestiaire.pk, "covers": COVERS},
            format="json",
        ),
        api.post(f"/api/vouchers/{referral.pk}/revoke/", {"reason": "pas à moi"}, format="json"),
    ]
    for answer in answers:
        assert answer.status_code == 404
        assert answer.json()["code"] == "not_found"
        assert referral.human_code not in answer.content.decode()
    referral.refresh_from_db()
    assert referral.revoked_at is None
    assert (Voucher.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_counter_and_network_roles_find_no_voucher(
    api, request, persona, household_a, vestiaire, referral
):
    api.force_authenticate(request.getfixturevalue(persona))
    assert api.get(url(household_a)).status_code == 404
    sent = {"kind": "referral", "service": vestiaire.pk, "covers": COVERS}
    assert api.post(url(household_a), sent, format="json").status_code == 404
    revoke = api.post(f"/api/vouchers/{referral.pk}/revoke/", {"reason": "x" * 5}, format="json")
    assert revoke.status_code == 404
    assert Voucher.objects.count() == 1


def test_an_anonymous_caller_is_asked_to_authenticate(api, household_a, referral):
    assert api.get(url(household_a)).status_code == 401
    assert api.post(f"/api/vouchers/{referral.pk}/revoke/", {}, format="json").status_code == 401


def test_voucher_addresses_carry_ids_only(api, social_worker_a, household_a, referral):
    api.force_authenticate(social_worker_a)
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    ours = ["/api/households/{id}/vouchers/", "/api/vouchers/{id}/revoke/"]
    assert set(ours) <= set(schema["paths"])
    for path in ours:
        for operation in schema["paths"][path].values():
            query = [p for p in operation.get("parameters", []) if p["in"] == "query"]
            assert {p["name"] for p in query} <= {"page"}, (path, query)
            path_params = [p for p in operation.get("parameters", []) if p["in"] == "path"]
            assert [(p["name"], p["schema"]["type"]) for p in path_params] == [("id", "integer")]
