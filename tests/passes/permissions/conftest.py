"""The world of the permission matrix, built through the services for each test."""

from __future__ import annotations

import pytest

from network.models import Convention, Organisation
from passes.models import Assessment, AssessmentReason, PassCard
from passes.services import assessment_record, pass_issue
from passes.services.vouchers import referral_issue
from tests.passes.permissions.world import FIRST_NAME, LAST_NAME, NOTES, World


@pytest.fixture
def world(
    frozen_day,
    pass_keys,
    social_worker_a,
    social_worker_b,
    partner_a,
    partner_b,
    make_household,
    make_convention,
    convention_a,
    convention_b,
    service_s,
) -> World:
    convention_a2 = make_convention(partner_a, "CONV-A2-2026")
    service_t = Organisation.objects.create(
        kind="service", name="Vestiaire T", slug="vestiaire-t", service_kind="vestiaire"
    )
    convention_t = Convention.objects.create(
        partner=partner_b,
        reference="CONV-T-2026",
        starts_on=convention_a.starts_on,
        ends_on=convention_a.ends_on,
        max_active_passes=3,
        max_pass_days=90,
    )
    convention_t.services.set([service_t])
    household = make_household(social_worker_a, partner_a, FIRST_NAME, LAST_NAME, 1984)
    reason = AssessmentReason.objects.get(code="low_income")
    assessment = assessment_record(
        actor=social_worker_a,
        household=household,
        assessed_on=frozen_day.replace(day=1),
        outcome=Assessment.Outcome.GRANTED,
        reasons=[reason],
        notes=NOTES,
    )
    access_pass = pass_issue(actor=social_worker_a, household=household, convention=convention_a)
    household_b = make_household(social_worker_b, partner_b, "Jean", "Martin", 1975, granted=True)
    pass_b = pass_issue(actor=social_worker_b, household=household_b, convention=convention_b)
    # A referral of partner A's household to a vestiaire of its own convention.
    vestiaire_a = Organisation.objects.create(
        kind="service", name="Vestiaire A", slug="vestiaire-a", service_kind="vestiaire"
    )
    convention_v = Convention.objects.create(
        partner=partner_a,
        reference="CONV-V-2026",
        starts_on=convention_a.starts_on,
        ends_on=convention_a.ends_on,
        max_active_passes=3,
        max_pass_days=90,
    )
    convention_v.services.set([vestiaire_a])
    voucher = referral_issue(
        actor=social_worker_a, household=household, service=vestiaire_a, covers="Manteau d'hiver"
    )
    return World(
        social_worker_a=social_worker_a,
        partner_a=partner_a,
        partner_b=partner_b,
        household=household,
        assessment=assessment,
        access_pass=access_pass,
        human_code=PassCard.objects.get(access_pass=access_pass).human_code,
        convention_a=convention_a,
        convention_a2=convention_a2,
        convention_t=convention_t,
        household_b=household_b,
        pass_b=pass_b,
        reason_id=reason.pk,
        voucher=voucher,
    )
