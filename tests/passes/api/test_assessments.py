"""The passes API on assessments: the list, a record, the notes."""

from network.models import AuditEntry
from passes.models import Assessment

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
