"""The passes API on passes: issue, list and detail, and each change with its reason."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from network.models import Organisation
from passes.models import AccessPass, PassCard, PassEvent
from passes.selectors import pass_check, pass_token
from passes.services import pass_issue, pass_suspend
from tests.passes.api.common import OUTSIDERS
from tests.passes.conftest import TODAY

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
