"""The passes API: households, assessments, passes, cards and keys, for each persona."""

import base64
import io
import re
from datetime import date, timedelta

import pytest
import zxingcpp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from PIL import Image
from rest_framework.authtoken.models import Token

from network.models import AuditEntry, Organisation
from passes.models import AccessPass, Assessment, Household, PassCard, PassEvent
from passes.selectors import pass_check, pass_token
from passes.services import pass_issue, pass_suspend
from passes.tokens import HEADER, token_decode
from tests.factories import membership
from tests.passes.conftest import TODAY

NEW_HOUSEHOLD = {
    "first_name": "Amina",
    "last_name": "El Idrissi",
    "birth_year": 1988,
    "postal_code": "5000",
    "commune": "Namur",
    "language": "fr",
    "legal_basis": "consent",
    "legal_basis_recorded_on": "2026-03-01",
    "members": [{"age_band": "3-14", "sex": "f"}, {"age_band": "0-2", "sex": "m"}],
}

OUTSIDERS = ["volunteer_s", "manager_s", "coordinator"]


@pytest.fixture(autouse=True)
def _day_keys_and_language(frozen_day, pass_keys):
    """Every test here runs on 2 March 2026 with a known keyring, and leaves French behind.

    A request by a user who chose another language activates it for the thread.
    """
    with translation.override("fr"):
        yield


# --- the API root and the schema ------------------------------------------------------


def test_the_api_root_links_the_passes_collections(api, db):
    body = api.get("/api/").json()
    assert body["households"].endswith("/api/households/")
    assert body["passes"].endswith("/api/passes/")
    assert body["assessment_reasons"].endswith("/api/assessment-reasons/")
    assert body["pass_keys"].endswith("/api/pass-keys/")


def test_the_openapi_schema_documents_the_passes_api(api, db):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {
        "/api/households/",
        "/api/households/{id}/",
        "/api/households/{id}/assessments/",
        "/api/assessments/{id}/notes/",
        "/api/assessment-reasons/",
        "/api/passes/",
        "/api/passes/{id}/",
        "/api/passes/{id}/renew/",
        "/api/passes/{id}/suspend/",
        "/api/passes/{id}/resume/",
        "/api/passes/{id}/revoke/",
        "/api/passes/{id}/replace/",
        "/api/passes/{id}/history/",
        "/api/passes/{id}/qr.svg",
        "/api/passes/{id}/qr.png",
        "/api/pass-keys/",
    } <= set(paths)
    png = paths["/api/passes/{id}/qr.png"]["get"]["responses"]["200"]["content"]
    assert png["image/png"]["schema"]["format"] == "binary"
    listed = paths["/api/households/"]["get"]["responses"]["200"]["content"]
    assert "Paginated" in listed["application/json"]["schema"]["$ref"]


def test_the_api_refuses_anonymous_callers_on_households_and_passes(api, household_a):
    for url in ["/api/households/", "/api/passes/", f"/api/households/{household_a.pk}/"]:
        response = api.get(url)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
        assert response.json()["code"] == "not_authenticated"


# --- households: list ---------------------------------------------------------------


def test_a_social_worker_lists_only_their_partners_households(
    api, social_worker_a, household_a, household_b, pass_a
):
    api.force_authenticate(social_worker_a)
    response = api.get("/api/households/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    [row] = body["results"]
    assert row["id"] == household_a.pk
    assert row["partner"] == {"id": household_a.partner_id, "name": "CPAS A"}
    assert row["last_name"] == "Dupont"
    assert row["size"] == 3
    assert row["current_pass"] == {
        "id": pass_a.pk,
        "status": "active",
        "state": "active",
        "valid_from": TODAY.isoformat(),
        "valid_until": (TODAY + timedelta(days=89)).isoformat(),
    }


def test_the_household_list_searches_and_filters(
    api, social_worker_a, partner_a, household_a, pass_a, make_household
):
    without_pass = make_household(social_worker_a, partner_a, "Lucas", "Peeters", 1990)
    api.force_authenticate(social_worker_a)

    def ids(**params):
        if "q" in params:
            response = api.post("/api/households/search/", params, format="json")
        else:
            response = api.get("/api/households/", params)
        assert response.status_code == 200
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [household_a.pk, without_pass.pk]
    assert ids(q="dup") == [household_a.pk]
    assert ids(q="PÉÉT") == [without_pass.pk]
    assert ids(q=str(without_pass.pk)) == [without_pass.pk]
    assert ids(status="active") == [household_a.pk]
    assert ids(status="none") == [without_pass.pk]
    assert ids(status="expiring") == []
    assert ids(partner=partner_a.pk) == [household_a.pk, without_pass.pk]


def test_the_household_list_refuses_an_unknown_filter_in_french(api, social_worker_a):
    api.force_authenticate(social_worker_a)
    response = api.get("/api/households/", {"status": "lost"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"]["status"] == ["«\xa0lost\xa0» n'est pas un choix valide."]


def test_the_household_list_is_paginated_by_25(api, social_worker_a, partner_a, make_household):
    for n in range(27):
        make_household(social_worker_a, partner_a, "Personne", f"Nom{n:02d}", 1970 + n)
    api.force_authenticate(social_worker_a)
    first = api.get("/api/households/").json()
    assert first["count"] == 27
    assert len(first["results"]) == 25
    second = api.get(first["next"]).json()
    assert len(second["results"]) == 2


def test_the_household_list_costs_the_same_queries_for_30_households_as_for_3(
    api,
    social_worker_a,
    partner_a,
    make_convention,
    make_household,
    django_assert_max_num_queries,
):
    convention = make_convention(partner_a, "CONV-A-BIG", max_active_passes=100)

    def add(count: int, start: int) -> None:
        for n in range(start, start + count):
            household = make_household(
                social_worker_a, partner_a, "Personne", f"Nom{n:02d}", 1950 + n, granted=True
            )
            pass_issue(actor=social_worker_a, household=household, convention=convention)

    add(3, 0)
    api.force_login(social_worker_a)
    api.get("/api/households/")  # warm the caches (content types, session)
    with CaptureQueriesContext(connection) as few:
        response = api.get("/api/households/")
    assert len(response.json()["results"]) == 3

    add(27, 3)
    with django_assert_max_num_queries(len(few)):
        response = api.get("/api/households/")
    assert response.json()["count"] == 30
    assert all(row["current_pass"] for row in response.json()["results"])


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_people_who_never_deal_with_households_are_refused_the_collections(
    api, persona, request, household_a
):
    api.force_authenticate(request.getfixturevalue(persona))
    for url in ["/api/households/", "/api/passes/", "/api/assessment-reasons/"]:
        response = api.get(url)
        assert response.status_code == 403, url
        assert response.json()["code"] == "permission_denied"
    response = api.post("/api/households/", NEW_HOUSEHOLD, format="json")
    assert response.status_code == 403
    assert not Household.objects.filter(last_name="El Idrissi").exists()


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_people_who_never_deal_with_households_get_404_on_each_object(
    api, persona, request, household_a, pass_a
):
    api.force_authenticate(request.getfixturevalue(persona))
    assessment = household_a.assessments.get()
    for url in [
        f"/api/households/{household_a.pk}/",
        f"/api/households/{household_a.pk}/assessments/",
        f"/api/assessments/{assessment.pk}/notes/",
        f"/api/passes/{pass_a.pk}/",
        f"/api/passes/{pass_a.pk}/history/",
        f"/api/passes/{pass_a.pk}/qr.png",
    ]:
        assert api.get(url).status_code == 404, url
    assert api.post(f"/api/passes/{pass_a.pk}/revoke/", {"reason": "Test"}).status_code == 404
    assert not AuditEntry.objects.filter(action="assessment.view").exists()


# --- households: registration -------------------------------------------------------


def test_a_social_worker_registers_a_household(api, social_worker_a, partner_a):
    api.force_authenticate(social_worker_a)
    response = api.post("/api/households/", NEW_HOUSEHOLD, format="json")
    assert response.status_code == 201
    body = response.json()
    household = Household.objects.get(pk=body["id"])
    assert household.partner == partner_a
    assert household.created_by == social_worker_a
    assert body["partner"] == {"id": partner_a.pk, "name": "CPAS A"}
    assert body["members"] == NEW_HOUSEHOLD["members"]
    assert body["size"] == 3
    assert body["has_pass_elsewhere"] is False
    assert body["passes"] == []
    assert body["assessments"] == []
    assert AuditEntry.objects.filter(
        action="household.register", target_id=str(household.pk)
    ).exists()


def test_registration_tells_when_the_person_has_a_pass_elsewhere(
    api, social_worker_a, social_worker_b, partner_b, convention_b, make_household
):
    elsewhere = make_household(
        social_worker_b, partner_b, "Amina", "El-Idrissi", 1988, granted=True
    )
    pass_issue(actor=social_worker_b, household=elsewhere, convention=convention_b)
    api.force_authenticate(social_worker_a)
    body = api.post("/api/households/", NEW_HOUSEHOLD, format="json").json()
    assert body["has_pass_elsewhere"] is True
    assert "Mutualité B" not in str(body)


def test_registering_the_same_person_twice_is_refused(api, social_worker_a):
    api.force_authenticate(social_worker_a)
    assert api.post("/api/households/", NEW_HOUSEHOLD, format="json").status_code == 201
    again = {**NEW_HOUSEHOLD, "first_name": "AMINA", "last_name": "el idrissi"}
    response = api.post("/api/households/", again, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "household_exists"
    assert body["field"] == "last_name"
    assert Household.objects.count() == 1


def test_an_invalid_registration_says_why_in_french_and_saves_nothing(api, social_worker_a):
    api.force_authenticate(social_worker_a)
    invalid = {
        **NEW_HOUSEHOLD,
        "birth_year": 1850,
        "last_name": "",
        "legal_basis_recorded_on": "2026-04-01",
        "members": [{"age_band": "3-14", "sex": "q"}],
    }
    response = api.post("/api/households/", invalid, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"] == "Certaines valeurs sont invalides."
    errors = body["errors"]
    assert errors["birth_year"] == [
        "Assurez-vous que cette valeur est supérieure ou égale à\xa01916."
    ]
    assert errors["last_name"] == ["Ce champ ne peut être vide."]
    assert errors["legal_basis_recorded_on"] == ["Cette date ne peut pas être dans le futur."]
    assert errors["members"] == {"0": {"sex": ["«\xa0q\xa0» n'est pas un choix valide."]}}
    assert Household.objects.count() == 0


def test_a_birth_year_in_the_future_is_refused(api, social_worker_a):
    api.force_authenticate(social_worker_a)
    response = api.post("/api/households/", {**NEW_HOUSEHOLD, "birth_year": 2027}, format="json")
    assert response.status_code == 400
    assert "2026" in response.json()["errors"]["birth_year"][0]


def test_validation_messages_follow_the_users_language(api, social_worker_a):
    social_worker_a.language = "en"
    social_worker_a.save()
    api.force_authenticate(social_worker_a)
    response = api.post("/api/households/", {**NEW_HOUSEHOLD, "birth_year": 1850}, format="json")
    assert response.json()["errors"]["birth_year"] == [
        "Ensure this value is greater than or equal to 1916."
    ]


def test_someone_serving_two_partners_must_say_which_one_registers(
    api, social_worker_a, partner_a, partner_b
):
    membership(social_worker_a, partner_b, "social_worker")
    api.force_authenticate(social_worker_a)
    response = api.post("/api/households/", NEW_HOUSEHOLD, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["partner"] == ["Ce champ est obligatoire."]
    response = api.post(
        "/api/households/", {**NEW_HOUSEHOLD, "partner": partner_b.pk}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["partner"]["id"] == partner_b.pk


def test_a_household_cannot_be_registered_for_a_partner_one_does_not_serve(
    api, social_worker_a, partner_b
):
    api.force_authenticate(social_worker_a)
    response = api.post(
        "/api/households/", {**NEW_HOUSEHOLD, "partner": partner_b.pk}, format="json"
    )
    assert response.status_code == 400
    assert "partner" in response.json()["errors"]
    assert Household.objects.count() == 0


# --- households: detail and update --------------------------------------------------


def test_a_household_file_shows_members_passes_and_assessments_without_notes(
    api, social_worker_a, household_a, pass_a
):
    api.force_authenticate(social_worker_a)
    response = api.get(f"/api/households/{household_a.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["first_name"] == "Marie"
    assert body["size"] == 3
    assert body["members"] == [{"age_band": "3-14", "sex": "f"}, {"age_band": "25-64", "sex": "m"}]
    assert body["has_pass_elsewhere"] is False
    [summary] = body["passes"]
    assert summary["id"] == pass_a.pk
    assert summary["convention"]["reference"] == "CONV-A-2026"
    assert summary["state"] == "active"
    assert summary["services"] == [{"id": pass_a.services.get().pk, "name": "Épicerie S"}]
    [assessment] = body["assessments"]
    assert assessment["has_notes"] is True
    assert "notes" not in assessment
    assert "Loyer" not in response.content.decode()


def test_another_partners_household_is_not_found(api, social_worker_b, household_a):
    api.force_authenticate(social_worker_b)
    assert api.get(f"/api/households/{household_a.pk}/").status_code == 404
    response = api.patch(f"/api/households/{household_a.pk}/", {"commune": "Liège"}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    household_a.refresh_from_db()
    assert household_a.commune == "Namur"
    assert api.get("/api/households/999999/").status_code == 404


def test_a_social_worker_updates_a_household_and_its_composition(api, social_worker_a, household_a):
    api.force_authenticate(social_worker_a)
    response = api.patch(
        f"/api/households/{household_a.pk}/",
        {"commune": "Jambes", "members": [{"age_band": "65+", "sex": "x"}]},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["commune"] == "Jambes"
    assert body["last_name"] == "Dupont"
    assert body["members"] == [{"age_band": "65+", "sex": "x"}]
    assert body["size"] == 2
    entry = AuditEntry.objects.get(action="household.update")
    assert entry.detail == {"fields": ["commune"], "members": True}


def test_an_update_without_members_keeps_the_composition(api, social_worker_a, household_a):
    api.force_authenticate(social_worker_a)
    response = api.patch(f"/api/households/{household_a.pk}/", {"last_name": "Dupond"})
    assert response.status_code == 200
    assert response.json()["size"] == 3
    household_a.refresh_from_db()
    assert household_a.last_name_key == "dupond"


def test_an_invalid_update_changes_nothing(api, social_worker_a, household_a):
    api.force_authenticate(social_worker_a)
    response = api.patch(
        f"/api/households/{household_a.pk}/",
        {"commune": "Jambes", "legal_basis": "whim"},
        format="json",
    )
    assert response.status_code == 400
    assert "legal_basis" in response.json()["errors"]
    household_a.refresh_from_db()
    assert household_a.commune == "Namur"


# --- assessments --------------------------------------------------------------------


def test_assessments_are_listed_without_their_notes(api, social_worker_a, household_a):
    api.force_authenticate(social_worker_a)
    response = api.get(f"/api/households/{household_a.pk}/assessments/")
    assert response.status_code == 200
    [row] = response.json()
    assert row["outcome"] == "granted"
    assert row["outcome_label"] == "Accordé"
    assert row["reasons"] == [{"code": "low_income", "label": "Revenus insuffisants"}]
    assert row["has_notes"] is True
    assert row["author"] == {"username": "sw.a", "full_name": "Sw.A"}
    assert "notes" not in row


def test_a_social_worker_records_an_assessment(api, social_worker_a, household_a):
    api.force_authenticate(social_worker_a)
    response = api.post(
        f"/api/households/{household_a.pk}/assessments/",
        {
            "assessed_on": "2026-03-02",
            "outcome": "refused",
            "reasons": ["debt", "housing"],
            "notes": "  Revenus au-dessus du plafond.  ",
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["outcome"] == "refused"
    assert [r["code"] for r in body["reasons"]] == ["debt", "housing"]
    assert body["has_notes"] is True
    assert "notes" not in body
    assessment = Assessment.objects.get(pk=body["id"])
    assert assessment.notes == "Revenus au-dessus du plafond."
    assert assessment.author == social_worker_a


def test_an_assessment_in_the_future_is_refused(api, social_worker_a, household_a):
    api.force_authenticate(social_worker_a)
    response = api.post(
        f"/api/households/{household_a.pk}/assessments/",
        {"assessed_on": "2026-03-03", "outcome": "granted"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "assessment_in_future"
    assert response.json()["field"] == "assessed_on"
    assert household_a.assessments.count() == 1


def test_an_assessment_with_an_unknown_reason_is_refused(api, social_worker_a, household_a):
    api.force_authenticate(social_worker_a)
    response = api.post(
        f"/api/households/{household_a.pk}/assessments/",
        {"assessed_on": "2026-03-01", "outcome": "granted", "reasons": ["lottery"]},
        format="json",
    )
    assert response.status_code == 400
    assert "reasons" in response.json()["errors"]
    assert household_a.assessments.count() == 1


def test_another_partner_can_neither_list_nor_record_assessments(api, social_worker_b, household_a):
    api.force_authenticate(social_worker_b)
    url = f"/api/households/{household_a.pk}/assessments/"
    assert api.get(url).status_code == 404
    response = api.post(url, {"assessed_on": "2026-03-01", "outcome": "granted"}, format="json")
    assert response.status_code == 404
    assert household_a.assessments.count() == 1


def test_reading_the_notes_is_audited(api, social_worker_a, household_a):
    assessment = household_a.assessments.get()
    api.force_authenticate(social_worker_a)
    response = api.get(f"/api/assessments/{assessment.pk}/notes/")
    assert response.status_code == 200
    assert response.json() == {"notes": "Loyer impayé depuis janvier."}
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(action="assessment.view")
    assert entry.actor == social_worker_a
    assert entry.target_id == str(assessment.pk)
    assert entry.organisation_id == household_a.partner_id
    assert "Loyer" not in str(entry.detail)


def test_another_partner_cannot_read_the_notes_and_leaves_no_trace(
    api, social_worker_b, household_a
):
    assessment = household_a.assessments.get()
    api.force_authenticate(social_worker_b)
    assert api.get(f"/api/assessments/{assessment.pk}/notes/").status_code == 404
    assert not AuditEntry.objects.filter(action="assessment.view").exists()


def test_the_assessment_reasons_are_listed_in_the_users_language(api, social_worker_a):
    api.force_authenticate(social_worker_a)
    reasons = api.get("/api/assessment-reasons/").json()
    assert reasons[0] == {"code": "low_income", "label": "Revenus insuffisants"}
    social_worker_a.language = "nl"
    social_worker_a.save()
    reasons = api.get("/api/assessment-reasons/").json()
    assert reasons[0] == {"code": "low_income", "label": "Onvoldoende inkomen"}


# --- passes: issue ------------------------------------------------------------------


def test_a_social_worker_issues_a_pass(api, social_worker_a, household_a, convention_a, pass_keys):
    api.force_authenticate(social_worker_a)
    response = api.post(
        "/api/passes/",
        {"household": household_a.pk, "convention": convention_a.pk, "valid_until": "2026-04-30"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    access_pass = AccessPass.objects.get(pk=body["id"])
    assert body["household"] == household_a.pk
    assert body["convention"] == {"id": convention_a.pk, "reference": "CONV-A-2026"}
    assert body["status"] == body["state"] == "active"
    assert body["valid_from"] == "2026-03-02"
    assert body["valid_until"] == "2026-04-30"
    assert [s["name"] for s in body["services"]] == ["Épicerie S"]
    descriptions = sorted(rule["description"] for rule in body["rules"])
    assert descriptions[0].startswith("1 passage par semaine")
    assert descriptions[1].startswith("budget de 40,00")
    assert body["card_version"] == 1
    assert body["human_code"] == PassCard.objects.get(access_pass=access_pass).human_code
    assert body["token"] == pass_token(access_pass=access_pass)
    assert pass_check(body["token"], today=TODAY).ok
    for link in body["links"].values():
        assert re.search(rf"/api/passes/{access_pass.pk}/qr\.(svg|png)$", link)
    assert PassEvent.objects.get(access_pass=access_pass).actor == social_worker_a


def test_a_pass_is_issued_for_chosen_services_only_if_the_convention_covers_them(
    api, social_worker_a, household_a, convention_a
):
    elsewhere = Organisation.objects.create(
        kind="service", name="Vestiaire V", slug="vestiaire-v", service_kind="vestiaire"
    )
    api.force_authenticate(social_worker_a)
    response = api.post(
        "/api/passes/",
        {"household": household_a.pk, "convention": convention_a.pk, "services": [elsewhere.pk]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "service_not_in_convention"
    assert AccessPass.objects.count() == 0


@pytest.mark.parametrize(
    ("dates", "code", "status"),
    [
        ({"valid_from": "2026-03-10", "valid_until": "2026-03-05"}, "dates_inverted", 400),
        ({"valid_until": "2026-07-31"}, "too_long", 400),
        ({"valid_from": "2026-12-01", "valid_until": "2027-01-15"}, "beyond_convention", 400),
        ({"valid_from": "2026-03-01"}, "starts_in_past", 400),
    ],
)
def test_a_pass_with_impossible_dates_is_refused(
    api, social_worker_a, household_a, convention_a, dates, code, status
):
    api.force_authenticate(social_worker_a)
    response = api.post(
        "/api/passes/",
        {"household": household_a.pk, "convention": convention_a.pk, **dates},
        format="json",
    )
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code
    assert body["field"] in ("valid_from", "valid_until")
    assert body["detail"]
    assert AccessPass.objects.count() == 0
    assert PassCard.objects.count() == 0


def test_a_pass_needs_a_granted_assessment(
    api, social_worker_a, partner_a, convention_a, make_household
):
    household = make_household(social_worker_a, partner_a, "Lucas", "Peeters", 1990)
    api.force_authenticate(social_worker_a)
    response = api.post(
        "/api/passes/", {"household": household.pk, "convention": convention_a.pk}, format="json"
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "no_granted_assessment"
    assert body["field"] == "household"
    assert "enquête sociale" in body["detail"]
    assert AccessPass.objects.count() == 0


def test_a_household_gets_one_open_pass_per_convention(
    api, social_worker_a, household_a, convention_a, pass_a
):
    api.force_authenticate(social_worker_a)
    response = api.post(
        "/api/passes/", {"household": household_a.pk, "convention": convention_a.pk}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "already_has_pass"
    assert AccessPass.objects.count() == 1


def test_a_convention_quota_cannot_be_exceeded(
    api, social_worker_a, partner_a, make_convention, make_household
):
    convention = make_convention(partner_a, "CONV-A-SMALL", max_active_passes=1)
    first = make_household(social_worker_a, partner_a, granted=True)
    second = make_household(social_worker_a, partner_a, "Lucas", "Peeters", 1990, granted=True)
    api.force_authenticate(social_worker_a)
    issued = api.post(
        "/api/passes/", {"household": first.pk, "convention": convention.pk}, format="json"
    )
    assert issued.status_code == 201
    response = api.post(
        "/api/passes/", {"household": second.pk, "convention": convention.pk}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "quota_reached"
    assert response.json()["field"] == "convention"
    assert list(AccessPass.objects.values_list("household", flat=True)) == [first.pk]
    assert PassCard.objects.count() == 1


def test_no_pass_is_issued_under_an_ended_convention(
    api, social_worker_a, household_a, make_convention, partner_a
):
    ended = make_convention(
        partner_a, "CONV-A-2025", starts_on=date(2025, 1, 1), ends_on=date(2025, 12, 31)
    )
    api.force_authenticate(social_worker_a)
    response = api.post(
        "/api/passes/", {"household": household_a.pk, "convention": ended.pk}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "convention_ended"
    assert AccessPass.objects.count() == 0


def test_a_pass_cannot_be_issued_for_another_partners_household_or_convention(
    api, social_worker_a, household_a, household_b, convention_a, convention_b
):
    api.force_authenticate(social_worker_a)
    foreign = api.post(
        "/api/passes/", {"household": household_b.pk, "convention": convention_a.pk}, format="json"
    )
    unknown = api.post(
        "/api/passes/", {"household": 999999, "convention": convention_a.pk}, format="json"
    )
    assert foreign.status_code == unknown.status_code == 400
    # The same words for another partner's household and for no household at all.
    assert foreign.json()["errors"]["household"][0].replace(str(household_b.pk), "N") == (
        unknown.json()["errors"]["household"][0].replace("999999", "N")
    )
    response = api.post(
        "/api/passes/", {"household": household_a.pk, "convention": convention_b.pk}, format="json"
    )
    assert response.status_code == 400
    assert "convention" in response.json()["errors"]
    assert AccessPass.objects.count() == 0


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_people_who_never_deal_with_households_cannot_issue_passes(
    api, persona, request, household_a, convention_a
):
    api.force_authenticate(request.getfixturevalue(persona))
    response = api.post(
        "/api/passes/", {"household": household_a.pk, "convention": convention_a.pk}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert AccessPass.objects.count() == 0


# --- passes: list and detail --------------------------------------------------------


def test_a_social_worker_lists_only_their_partners_passes(
    api, social_worker_a, partner_a, pass_a, pass_b, convention_a, make_household
):
    other = make_household(social_worker_a, partner_a, "Lucas", "Peeters", 1990, granted=True)
    other_pass = pass_issue(actor=social_worker_a, household=other, convention=convention_a)
    api.force_authenticate(social_worker_a)
    body = api.get("/api/passes/").json()
    assert body["count"] == 2
    assert {row["id"] for row in body["results"]} == {pass_a.pk, other_pass.pk}
    row = next(row for row in body["results"] if row["id"] == pass_a.pk)
    assert row["human_code"] == PassCard.objects.get(access_pass=pass_a).human_code
    assert row["token"] == pass_token(access_pass=pass_a)
    filtered = api.get("/api/passes/", {"household": other.pk}).json()
    assert [row["id"] for row in filtered["results"]] == [other_pass.pk]
    foreign = api.get("/api/passes/", {"household": pass_b.household_id}).json()
    assert foreign["results"] == []


def test_the_pass_list_costs_the_same_queries_for_many_passes(
    api, social_worker_a, partner_a, make_convention, make_household, django_assert_max_num_queries
):
    convention = make_convention(partner_a, "CONV-A-BIG", max_active_passes=100)
    for n in range(3):
        household = make_household(
            social_worker_a, partner_a, "P", f"N{n:02d}", 1950 + n, granted=True
        )
        pass_issue(actor=social_worker_a, household=household, convention=convention)
    api.force_login(social_worker_a)
    api.get("/api/passes/")
    with CaptureQueriesContext(connection) as few:
        api.get("/api/passes/")
    for n in range(3, 20):
        household = make_household(
            social_worker_a, partner_a, "P", f"N{n:02d}", 1950 + n, granted=True
        )
        pass_issue(actor=social_worker_a, household=household, convention=convention)
    with django_assert_max_num_queries(len(few)):
        assert api.get("/api/passes/").json()["count"] == 20


def test_a_social_worker_reads_a_pass(api, social_worker_a, pass_a):
    api.force_authenticate(social_worker_a)
    response = api.get(f"/api/passes/{pass_a.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == pass_a.pk
    assert body["human_code"] == PassCard.objects.get(access_pass=pass_a).human_code
    assert {rule["kind"] for rule in body["rules"]} == {"visits", "budget"}


def test_another_partners_pass_is_not_found_for_any_action(api, social_worker_b, pass_a):
    api.force_authenticate(social_worker_b)
    for url in ["", "history/", "qr.svg", "qr.png"]:
        response = api.get(f"/api/passes/{pass_a.pk}/{url}")
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"
    for action in ["renew", "suspend", "resume", "revoke", "replace"]:
        response = api.post(f"/api/passes/{pass_a.pk}/{action}/", {"reason": "Pour voir"})
        assert response.status_code == 404, action
    pass_a.refresh_from_db()
    assert (pass_a.status, pass_a.card_version) == ("active", 1)
    assert PassEvent.objects.filter(access_pass=pass_a).count() == 1


# --- passes: changes ----------------------------------------------------------------


def test_a_social_worker_suspends_resumes_and_revokes_a_pass(api, social_worker_a, pass_a):
    api.force_authenticate(social_worker_a)
    url = f"/api/passes/{pass_a.pk}"
    suspended = api.post(f"{url}/suspend/", {"reason": "Absent deux mois"})
    assert suspended.status_code == 200
    assert suspended.json()["status"] == suspended.json()["state"] == "suspended"
    again = api.post(f"{url}/suspend/", {"reason": "Absent deux mois"})
    assert again.status_code == 409
    assert again.json()["code"] == "not_active"
    resumed = api.post(f"{url}/resume/", {"reason": "De retour"})
    assert resumed.json()["status"] == "active"
    revoked = api.post(f"{url}/revoke/", {"reason": "Déménagement"})
    assert revoked.json()["status"] == "revoked"
    assert api.post(f"{url}/resume/", {"reason": "Erreur"}).json()["code"] == "not_suspended"
    assert api.post(f"{url}/revoke/", {"reason": "Encore"}).json()["code"] == "not_open"


@pytest.mark.parametrize("action", ["suspend", "resume", "revoke", "replace", "renew"])
def test_every_change_of_a_pass_needs_a_reason(api, social_worker_a, pass_a, action):
    api.force_authenticate(social_worker_a)
    for body in [{}, {"reason": " "}, {"reason": "ok"}]:
        response = api.post(f"/api/passes/{pass_a.pk}/{action}/", body, format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "reason_required"
        assert response.json()["field"] == "reason"
    assert PassEvent.objects.filter(access_pass=pass_a).count() == 1


def test_replacing_a_card_changes_its_code_and_refuses_the_old_one(api, social_worker_a, pass_a):
    api.force_authenticate(social_worker_a)
    before = api.get(f"/api/passes/{pass_a.pk}/").json()
    response = api.post(f"/api/passes/{pass_a.pk}/replace/", {"reason": "Carte perdue"})
    assert response.status_code == 200
    after = response.json()
    assert after["card_version"] == 2
    assert after["human_code"] != before["human_code"]
    assert after["token"] != before["token"]
    assert pass_check(before["token"], today=TODAY).code == "replaced"
    assert pass_check(after["token"], today=TODAY).ok


def test_a_social_worker_renews_a_pass(
    api, social_worker_a, pass_a, make_convention, partner_a, household_a
):
    next_year = make_convention(
        partner_a, "CONV-A-2027", starts_on=date(2026, 3, 1), ends_on=date(2027, 2, 28)
    )
    api.force_authenticate(social_worker_a)
    response = api.post(
        f"/api/passes/{pass_a.pk}/renew/",
        {"reason": "Nouvelle enquête", "valid_until": "2026-05-15", "convention": next_year.pk},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["convention"]["reference"] == "CONV-A-2027"
    assert (body["valid_from"], body["valid_until"]) == ("2026-03-02", "2026-05-15")
    assert body["card_version"] == 2
    event = PassEvent.objects.filter(access_pass=pass_a).first()
    assert (event.action, event.reason) == ("renew", "Nouvelle enquête")


def test_a_renewal_cannot_go_beyond_the_convention(api, social_worker_a, pass_a):
    api.force_authenticate(social_worker_a)
    response = api.post(
        f"/api/passes/{pass_a.pk}/renew/",
        {"reason": "Nouvelle enquête", "valid_until": "2027-01-31"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "beyond_convention"
    assert "31/12/2026" in response.json()["detail"]
    pass_a.refresh_from_db()
    assert pass_a.card_version == 1


def test_a_revoked_pass_cannot_be_renewed(api, social_worker_a, pass_a):
    api.force_authenticate(social_worker_a)
    api.post(f"/api/passes/{pass_a.pk}/revoke/", {"reason": "Déménagement"})
    response = api.post(f"/api/passes/{pass_a.pk}/renew/", {"reason": "Retour"})
    assert response.status_code == 409
    assert response.json()["code"] == "pass_revoked"


def test_a_pass_history_says_who_did_what_and_why(api, social_worker_a, pass_a):
    pass_suspend(actor=social_worker_a, access_pass=pass_a, reason="Absent deux mois")
    api.force_authenticate(social_worker_a)
    response = api.get(f"/api/passes/{pass_a.pk}/history/")
    assert response.status_code == 200
    suspend, issue = response.json()
    assert (suspend["action"], suspend["action_label"]) == ("suspend", "Suspendu")
    assert suspend["reason"] == "Absent deux mois"
    assert suspend["actor"] == {"username": "sw.a", "full_name": "Sw.A"}
    assert suspend["detail"] == {"previous_status": "active"}
    assert (issue["action"], issue["action_label"]) == ("issue", "Délivré")
    assert issue["detail"]["convention"] == "CONV-A-2026"


# --- cards: QR codes and keys -------------------------------------------------------


def test_the_png_qr_code_holds_the_pass_token(api, social_worker_a, pass_a):
    api.force_authenticate(social_worker_a)
    response = api.get(f"/api/passes/{pass_a.pk}/qr.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "no-store" in response["Cache-Control"]
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    assert code.text == pass_token(access_pass=pass_a)


def test_the_png_qr_code_follows_a_replaced_card(api, social_worker_a, pass_a):
    api.force_authenticate(social_worker_a)
    api.post(f"/api/passes/{pass_a.pk}/replace/", {"reason": "Carte volée"})
    pass_a.refresh_from_db()
    response = api.get(f"/api/passes/{pass_a.pk}/qr.png", HTTP_ACCEPT="image/png")
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    assert code.text == pass_token(access_pass=pass_a)
    assert pass_check(code.text, today=TODAY).card_version == 2


def test_the_svg_qr_code_is_served_as_svg(api, social_worker_a, pass_a):
    api.force_authenticate(social_worker_a)
    response = api.get(f"/api/passes/{pass_a.pk}/qr.svg", HTTP_ACCEPT="image/svg+xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "<svg" in response.content.decode()


def test_a_missing_qr_code_answers_json_whatever_the_accept_header(api, social_worker_a):
    api.force_authenticate(social_worker_a)
    response = api.get("/api/passes/999999/qr.png", HTTP_ACCEPT="image/png")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_any_member_reads_the_public_keys_and_checks_a_card_with_them(
    api, volunteer_s, pass_a, pass_keys
):
    api.force_authenticate(volunteer_s)
    response = api.get("/api/pass-keys/")
    assert response.status_code == 200
    body = response.json()
    assert body["deployment"] == 4242
    assert body["token_prefix"] == "CP1"
    assert body["signing_key_id"] == 2
    assert [(k["key_id"], k["algorithm"], k["current"]) for k in body["keys"]] == [
        (1, "Ed25519", False),
        (2, "Ed25519", True),
    ]
    current = next(k for k in body["keys"] if k["current"])
    raw_key = base64.urlsafe_b64decode(
        current["public_key"] + "=" * (-len(current["public_key"]) % 4)
    )
    raw_token = token_decode(pass_token(access_pass=pass_a))
    header, signature = raw_token[: HEADER.size], raw_token[HEADER.size :]
    Ed25519PublicKey.from_public_bytes(raw_key).verify(signature, header)  # raises if forged


def test_the_public_keys_are_not_served_to_anonymous_callers(api, db):
    response = api.get("/api/pass-keys/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


# --- other ways in --------------------------------------------------------------------


def test_a_partner_head_manages_their_partners_passes_too(api, partner_head_a, pass_a):
    api.force_authenticate(partner_head_a)
    assert [row["id"] for row in api.get("/api/passes/").json()["results"]] == [pass_a.pk]
    response = api.post(f"/api/passes/{pass_a.pk}/suspend/", {"reason": "Demande du ménage"})
    assert response.status_code == 200
    event = PassEvent.objects.filter(access_pass=pass_a).first()
    assert (event.action, event.actor) == ("suspend", partner_head_a)


def test_a_device_with_a_token_gets_the_card_and_answers_in_its_users_language(
    api, social_worker_a, pass_a
):
    social_worker_a.language = "nl"
    social_worker_a.save()
    token = Token.objects.create(user=social_worker_a)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get(f"/api/passes/{pass_a.pk}/qr.svg").status_code == 200
    response = api.get("/api/households/", {"status": "lost"})
    assert response.json()["errors"]["status"] == ['"lost" is een ongeldige keuze.']


def test_a_page_past_the_end_is_not_found_with_a_code(api, social_worker_a, household_a):
    api.force_authenticate(social_worker_a)
    response = api.get("/api/households/", {"page": 9})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_search_in_the_url_is_refused_so_names_stay_out_of_logs(api, social_worker_a):
    api.force_authenticate(social_worker_a)
    response = api.get("/api/households/", {"q": "dupont"})
    assert response.status_code == 400
    assert response.json()["code"] == "search_in_url"


def test_the_search_pages_its_results(api, social_worker_a, partner_a, make_household):
    for index in range(27):
        make_household(social_worker_a, partner_a, f"Prénom{index}", "Dupuis", 1970 + index)
    api.force_authenticate(social_worker_a)
    first = api.post("/api/households/search/", {"q": "dupu"}, format="json").json()
    second = api.post("/api/households/search/", {"q": "dupu", "page": 2}, format="json").json()
    assert (first["count"], first["pages"], len(first["results"])) == (27, 2, 25)
    assert second["page"] == 2 and len(second["results"]) == 2
