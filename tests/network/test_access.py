"""Who may do what where: the permission helpers every view, API and task uses."""

from network.access import (
    Perm,
    has_perm,
    organisations_with_perm,
    refusal_reason,
    usable_memberships,
)
from tests.factories import membership, user


def test_a_social_worker_may_manage_households_of_their_partner_only(
    social_worker_a, partner_a, partner_b
):
    assert has_perm(social_worker_a, Perm.HOUSEHOLD_MANAGE, partner_a)
    assert not has_perm(social_worker_a, Perm.HOUSEHOLD_MANAGE, partner_b)
    assert list(organisations_with_perm(social_worker_a, Perm.HOUSEHOLD_VIEW)) == [partner_a]


def test_a_volunteer_scans_at_their_counter_and_never_sees_households(
    volunteer_s, service_s, partner_a
):
    assert has_perm(volunteer_s, Perm.COUNTER_SCAN, service_s)
    assert not has_perm(volunteer_s, Perm.HOUSEHOLD_VIEW, service_s)
    assert not has_perm(volunteer_s, Perm.HOUSEHOLD_VIEW, partner_a)


def test_a_coordinator_sees_every_organisation_but_no_household(
    coordinator, partner_a, partner_b, service_s
):
    assert has_perm(coordinator, Perm.CONVENTION_MANAGE, partner_b)
    assert set(organisations_with_perm(coordinator, Perm.ORGANISATION_VIEW)) >= {
        partner_a,
        partner_b,
        service_s,
    }
    assert not has_perm(coordinator, Perm.HOUSEHOLD_VIEW, partner_a)


def test_a_manager_runs_their_service_and_not_another(manager_s, service_s, db):
    from tests.factories import organisation

    other = organisation(kind="service", name="Autre", slug="autre", service_kind="coop")
    assert has_perm(manager_s, Perm.SERVICE_MANAGE, service_s)
    assert not has_perm(manager_s, Perm.SERVICE_MANAGE, other)


def test_one_person_may_work_for_two_organisations(partner_a, service_s):
    claire = user("claire")
    membership(claire, partner_a, "social_worker")
    membership(claire, service_s, "volunteer")
    assert has_perm(claire, Perm.HOUSEHOLD_MANAGE, partner_a)
    assert has_perm(claire, Perm.COUNTER_SCAN, service_s)
    assert not has_perm(claire, Perm.COUNTER_SCAN, partner_a)


def test_a_deactivated_organisation_gives_no_rights_and_says_why(social_worker_a, partner_a):
    partner_a.is_active = False
    partner_a.save()
    fresh = type(social_worker_a).objects.get(pk=social_worker_a.pk)
    assert not usable_memberships(fresh).exists()
    assert not has_perm(fresh, Perm.HOUSEHOLD_VIEW, partner_a)
    assert "CPAS A" in refusal_reason(fresh)
    assert "désactivée" in refusal_reason(fresh)


def test_a_user_without_role_is_told_to_ask_for_one(user_without_role):
    assert "aucun rôle" in refusal_reason(user_without_role)


def test_a_withdrawn_role_is_explained(social_worker_a):
    social_worker_a.memberships.update(is_active=False)
    fresh = type(social_worker_a).objects.get(pk=social_worker_a.pk)
    assert "retiré" in refusal_reason(fresh)
