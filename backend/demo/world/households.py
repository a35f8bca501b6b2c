"""Households, their social assessments and their passes, through the passes services.

Nothing here writes a pass row itself: `pass_issue` checks the convention, the
quota and the assessment, makes the first card and writes the history, exactly
as when a social worker issues a pass from the pages.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.utils import timezone

from network.models import Convention, Organisation, User
from passes.models import AccessPass, Assessment, AssessmentReason, Household
from passes.services import MemberData, assessment_record, household_register, pass_issue


def household_make(
    *,
    actor: User,
    partner: Organisation,
    first_name: str,
    last_name: str,
    birth_year: int = 1980,
    postal_code: str = "5000",
    commune: str = "Namur",
    language: str = "fr",
    legal_basis: str = Household.LegalBasis.PUBLIC_TASK,
    recorded_on: date | None = None,
    members: Iterable[MemberData] = (),
    **fields: Any,
) -> Household:
    """Register a household for `partner` (`household_register`); `members` are the others."""
    return household_register(
        actor=actor,
        partner=partner,
        fields={
            "first_name": first_name,
            "last_name": last_name,
            "birth_year": birth_year,
            "postal_code": postal_code,
            "commune": commune,
            "language": language,
            "legal_basis": legal_basis,
            "legal_basis_recorded_on": recorded_on or timezone.localdate(),
            **fields,
        },
        members=members,
    )


def assessment_make(
    *,
    actor: User,
    household: Household,
    on: date,
    outcome: str = Assessment.Outcome.GRANTED,
    reasons: Iterable[AssessmentReason] = (),
    notes: str = "",
    today: date | None = None,
) -> Assessment:
    """Record a social assessment (`assessment_record`): by default, a pass is granted."""
    return assessment_record(
        actor=actor,
        household=household,
        assessed_on=on,
        outcome=outcome,
        reasons=reasons,
        notes=notes,
        today=today,
    )


def household_with_pass(
    *,
    actor: User,
    convention: Convention,
    first_name: str,
    last_name: str,
    members: Iterable[MemberData] = (),
    **fields: Any,
) -> AccessPass:
    """A household of the convention's partner, assessed today (granted), with its pass."""
    household = household_make(
        actor=actor,
        partner=convention.partner,
        first_name=first_name,
        last_name=last_name,
        members=members,
        **fields,
    )
    assessment_make(actor=actor, household=household, on=timezone.localdate())
    return pass_issue(actor=actor, household=household, convention=convention)
