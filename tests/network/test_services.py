import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from network.models import AuditEntry, Convention, Membership
from network.services import RoleNotAllowedHere, membership_grant, user_set_language
from tests.factories import user


def test_granting_a_role_is_audited_and_idempotent(partner_a, coordinator):
    worker = user("new.worker")
    first = membership_grant(
        actor=coordinator, user=worker, organisation=partner_a, role="social_worker"
    )
    again = membership_grant(
        actor=coordinator, user=worker, organisation=partner_a, role="social_worker"
    )
    assert first.pk == again.pk
    entries = AuditEntry.objects.filter(action="membership.grant", target_id=str(first.pk))
    assert entries.count() == 1
    assert entries.get().actor == coordinator
    assert entries.get().detail == {"user_id": worker.pk, "role": "social_worker"}


def test_a_volunteer_role_cannot_be_held_in_a_partner(partner_a):
    with pytest.raises(RoleNotAllowedHere) as refusal:
        membership_grant(actor=None, user=user("x"), organisation=partner_a, role="volunteer")
    assert refusal.value.code == "role_not_allowed_here"
    assert "CPAS A" in refusal.value.message
    assert not Membership.objects.filter(role="volunteer").exists()


def test_a_role_is_held_once_per_organisation(partner_a, social_worker_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            user=social_worker_a, organisation=partner_a, role="social_worker"
        )


def test_the_database_refuses_a_convention_that_ends_before_it_starts(partner_a):
    from datetime import date

    with pytest.raises(IntegrityError), transaction.atomic():
        Convention.objects.create(
            partner=partner_a,
            reference="X",
            starts_on=date(2026, 6, 1),
            ends_on=date(2026, 5, 1),
            max_active_passes=10,
            max_pass_days=90,
        )


def test_the_database_refuses_a_partner_without_its_kind(db):
    from network.models import Organisation

    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(kind="partner", name="?", slug="q")


def test_the_language_is_remembered_on_the_account(social_worker_a):
    user_set_language(user=social_worker_a, language="nl")
    social_worker_a.refresh_from_db()
    assert social_worker_a.language == "nl"
    with pytest.raises(ValidationError):
        user_set_language(user=social_worker_a, language="xx")
