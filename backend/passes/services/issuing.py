"""Issuing and renewing a pass: the rules of `checks`, the locks, the card, the history."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from network.models import Convention, Organisation, User
from passes.models import AccessPass, Household, PassEvent
from passes.services.checks import (
    convention_in_force_check,
    convention_of_partner_check,
    dates_check,
    granted_assessment_check,
    household_not_anonymised_check,
    longest_validity,
    no_other_open_pass_check,
    pass_issue_check,
    quota_check,
    reason_check,
    refuse,
    rules_snapshot,
    services_check,
)
from passes.services.lifecycle import card_new, card_next, expire_due, locked, pass_event


@transaction.atomic
def pass_issue(
    *,
    actor: User,
    household: Household,
    convention: Convention,
    valid_from: date | None = None,
    valid_until: date | None = None,
    services: list[Organisation] | None = None,
    today: date | None = None,
) -> AccessPass:
    """Issue a pass for `household` under `convention`, with its first card.

    Locks the convention row, so two social workers cannot both take the last
    place of its quota. Refuses with: `household_anonymised`, `convention_other_partner`,
    `convention_ended`, `convention_not_started`, `dates_inverted`,
    `starts_in_past`, `before_convention`, `beyond_convention`, `too_long`,
    `no_service`, `service_not_in_convention`, `no_granted_assessment`,
    `already_has_pass`, `quota_reached`.
    """
    today = today or timezone.localdate()
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    terms = pass_issue_check(
        household=household,
        convention=convention,
        valid_from=valid_from,
        valid_until=valid_until,
        services=services,
        today=today,
    )
    # A pass that ended but was not yet marked expired must leave the room it holds.
    expire_due(AccessPass.objects.filter(household=household, convention=convention), today)
    access_pass = AccessPass.objects.create(
        household=household,
        partner_id=household.partner_id,
        convention=convention,
        valid_from=terms.valid_from,
        valid_until=terms.valid_until,
        rules=[r.as_json() for r in rules_snapshot(convention, list(terms.service_ids))],
        convention_version=convention.version,
        issued_by=actor,
    )
    access_pass.services.set(terms.service_ids)
    card_new(access_pass, 1)
    pass_event(
        access_pass,
        PassEvent.Action.ISSUE,
        actor,
        valid_from=terms.valid_from.isoformat(),
        valid_until=terms.valid_until.isoformat(),
        convention=convention.reference,
    )
    return access_pass


def _renewed_services(
    access_pass: AccessPass, convention: Convention, services: list[Organisation] | None
) -> list[int]:
    """The services chosen, or those the pass keeps under the convention (all if none)."""
    if services is not None:
        return services_check(convention, services)
    allowed = set(convention.services.values_list("pk", flat=True))
    current = set(access_pass.services.values_list("pk", flat=True))
    return sorted(current & allowed) or sorted(allowed)


def _renewal_room_check(access_pass: AccessPass, convention: Convention, today: date) -> None:
    """Moving to another convention, or reopening a closed pass, needs a place there."""
    if convention.pk != access_pass.convention_id:
        no_other_open_pass_check(
            household_id=access_pass.household_id,
            convention=convention,
            today=today,
            renewing=True,
        )
        quota_check(convention, today)
    elif access_pass.status not in AccessPass.OPEN_STATUSES:
        no_other_open_pass_check(
            household_id=access_pass.household_id,
            convention=convention,
            today=today,
            exclude_pass=access_pass.pk,
            renewing=True,
        )
        quota_check(convention, today, exclude_pass=access_pass.pk)


@transaction.atomic
def pass_renew(
    *,
    actor: User,
    access_pass: AccessPass,
    reason: str,
    convention: Convention | None = None,
    valid_until: date | None = None,
    services: list[Organisation] | None = None,
    today: date | None = None,
) -> AccessPass:
    """Renew a pass from today: new end date, the convention's current rules, a new card.

    The old card stops working (it names the old end date). `convention` may
    be another convention of the same partner (next year's). Locks the
    convention, then the pass (the order `pass_issue` takes its locks in).
    Refuses a revoked pass (`pass_revoked`), a pass of an anonymised household
    (`household_anonymised`), and for the rest as `pass_issue` does.
    """
    today = today or timezone.localdate()
    reason = reason_check(reason)
    convention = Convention.objects.select_for_update().get(
        pk=(convention.pk if convention else access_pass.convention_id)
    )
    access_pass = locked(access_pass)
    if access_pass.status == AccessPass.Status.REVOKED:
        refuse(
            _("Un accès-pass révoqué ne peut pas être renouvelé : délivrez-en un nouveau."),
            code="pass_revoked",
        )
    household_not_anonymised_check(access_pass.household)
    convention_of_partner_check(convention, access_pass.partner_id)
    convention_in_force_check(convention, today)
    valid_until = valid_until or longest_validity(convention, today)
    dates_check(convention=convention, valid_from=today, valid_until=valid_until, today=today)
    service_ids = _renewed_services(access_pass, convention, services)
    granted_assessment_check(access_pass.household, renewing=True)
    _renewal_room_check(access_pass, convention, today)
    # The household's other passes there that ended but were not yet marked expired
    # must leave the room they hold (the one-open-pass constraint counts them).
    expire_due(
        AccessPass.objects.filter(
            household_id=access_pass.household_id, convention=convention
        ).exclude(pk=access_pass.pk),
        today,
    )

    previous_valid_until = access_pass.valid_until
    access_pass.convention = convention
    access_pass.valid_from = today
    access_pass.valid_until = valid_until
    access_pass.status = AccessPass.Status.ACTIVE
    access_pass.rules = [r.as_json() for r in rules_snapshot(convention, service_ids)]
    access_pass.convention_version = convention.version
    card_next(access_pass)
    access_pass.save()
    access_pass.services.set(service_ids)
    pass_event(
        access_pass,
        PassEvent.Action.RENEW,
        actor,
        reason,
        previous_valid_until=previous_valid_until.isoformat(),
        valid_from=today.isoformat(),
        valid_until=valid_until.isoformat(),
        convention=convention.reference,
        card_version=access_pass.card_version,
    )
    return access_pass
