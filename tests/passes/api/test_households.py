"""The passes API on households: the list, registration, the file and its update."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from network.models import AuditEntry
from passes.models import Household
from passes.services import pass_issue
from tests.factories import membership
from tests.passes.api.common import NEW_HOUSEHOLD, OUTSIDERS
from tests.passes.conftest import TODAY

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
        "members": [{"age_band": "3-15", "sex": "q"}],
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
    assert body["members"] == [{"age_band": "3-15", "sex": "f"}, {"age_band": "25-64", "sex": "m"}]
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
