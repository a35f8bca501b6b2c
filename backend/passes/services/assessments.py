"""Social assessments: the decision behind a pass, and the notes only the partner reads."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from comptoir.errors import ErrorKind
from network.audit import audit_record, audit_view
from network.models import User
from passes.models import Assessment, AssessmentReason, Household
from passes.services.checks import household_not_anonymised_check, refuse

# An assessment older than this no longer supports a decision: a new one is needed.
ASSESSMENT_MAX_AGE_DAYS = 366


def assessment_date_check(assessed_on: date, today: date) -> None:
    """The date of an assessment is today or within the past year."""
    if assessed_on > today:
        refuse(
            _("La date de l'enquête ne peut pas être dans le futur."),
            field="assessed_on",
            code="assessment_in_future",
            kind=ErrorKind.INVALID,
        )
    oldest = today - timedelta(days=ASSESSMENT_MAX_AGE_DAYS)
    if assessed_on < oldest:
        refuse(
            _(
                "Une enquête de plus d'un an ne peut plus fonder une décision : vérifiez la "
                "date (au plus tôt le %(day)s), ou faites une nouvelle enquête."
            )
            % {"day": formats.date_format(oldest, "SHORT_DATE_FORMAT")},
            field="assessed_on",
            code="assessment_too_old",
            kind=ErrorKind.INVALID,
        )


@transaction.atomic
def assessment_record(
    *,
    actor: User,
    household: Household,
    assessed_on: date,
    outcome: str,
    reasons: Iterable[AssessmentReason] = (),
    notes: str = "",
    today: date | None = None,
) -> Assessment:
    """Record a social assessment.

    Refuses a date in the future (`assessment_in_future`) or more than a year ago
    (`assessment_too_old`: it could no longer support a decision; a typo like 1999
    lands here too), and any for an anonymised household (`household_anonymised`).
    """
    today = today or timezone.localdate()
    household_not_anonymised_check(household)
    assessment_date_check(assessed_on, today)
    assessment = Assessment.objects.create(
        household=household,
        assessed_on=assessed_on,
        outcome=outcome,
        notes=notes.strip(),
        author=actor,
    )
    assessment.reasons.set(list(reasons))
    audit_record(
        actor=actor,
        action="assessment.record",
        target=assessment,
        organisation=household.partner,
        detail={"household_id": household.pk, "outcome": outcome},
    )
    return assessment


def assessment_notes_read(*, actor: User, assessment: Assessment) -> str:
    """The notes of an assessment; every read is written to the audit trail.

    The caller has already checked that `actor` belongs to the household's partner.
    """
    audit_view(actor=actor, target=assessment, organisation=assessment.household.partner)
    return assessment.notes
