"""The audit trail: who did what to which record, and who read which sensitive record."""

from network.audit import audit_record, audit_trail_for, audit_view
from network.models import AuditEntry


def test_a_reading_of_a_sensitive_record_is_logged_with_who_and_which(social_worker_a, partner_a):
    from passes.models import Household

    household = Household.objects.create(
        partner=partner_a,
        first_name="Fatima",
        last_name="El Amrani",
        birth_year=1984,
        postal_code="5000",
        commune="Namur",
        legal_basis="consent",
        legal_basis_recorded_on="2026-01-15",
    )
    audit_view(actor=social_worker_a, target=household, organisation=partner_a)
    entry = audit_trail_for(household).get()
    assert (entry.action, entry.actor, entry.organisation) == (
        "household.view",
        social_worker_a,
        partner_a,
    )
    assert entry.target_id == str(household.pk)
    # The trail names records by id: no personal data is copied into it.
    assert "Fatima" not in str(entry.detail) and "Amrani" not in entry.actor_username


def test_an_anonymous_action_is_recorded_without_an_actor(db):
    entry = audit_record(actor=None, action="system.expire", detail={"count": 3})
    assert entry.actor is None and entry.actor_username == ""
    assert AuditEntry.objects.get().detail == {"count": 3}


def test_the_trail_survives_the_deletion_of_the_person(social_worker_a):
    audit_record(actor=social_worker_a, action="user.login", target=social_worker_a)
    social_worker_a.delete()
    entry = AuditEntry.objects.get(action="user.login")
    assert entry.actor is None
    assert entry.actor_username == "sw.a"


def test_the_admin_shows_the_trail_read_only(admin_client, social_worker_a):
    entry = audit_record(actor=social_worker_a, action="user.login", target=social_worker_a)
    assert admin_client.get("/admin/network/auditentry/").status_code == 200
    assert admin_client.get("/admin/network/auditentry/add/").status_code == 403
    assert admin_client.post(f"/admin/network/auditentry/{entry.pk}/delete/").status_code == 403
