"""Households: register, update, and what their page notes and tells."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from comptoir.errors import ErrorKind
from network.audit import audit_record, audit_view
from network.models import Organisation, User
from passes.models import AccessPass, Household, HouseholdMember, name_key
from passes.services.checks import household_not_anonymised_check, refuse


@dataclass(frozen=True)
class MemberData:
    age_band: str
    sex: str


def household_dates_check(household: Household, today: date) -> None:
    """A year of birth within the last 110 years, a legal basis not recorded in the future.

    The forms and the API check the same bounds first, to show them next to the field;
    this is the rule every caller meets.
    """
    oldest, latest = Household.birth_year_bounds(today)
    if not oldest <= household.birth_year <= latest:
        refuse(
            _("Indiquez une année de naissance entre %(oldest)s et %(year)s.")
            % {"oldest": oldest, "year": latest},
            code="birth_year_out_of_range",
            field="birth_year",
            kind=ErrorKind.INVALID,
        )
    if household.legal_basis_recorded_on > today:
        refuse(
            _("Cette date ne peut pas être dans le futur."),
            code="legal_basis_in_future",
            field="legal_basis_recorded_on",
            kind=ErrorKind.INVALID,
        )


def _above_size_message(field: str, count: int, size: int) -> str:
    """The sentence for a category counting more persons than the household has."""
    sentences = {
        "persons_with_disability": ngettext(
            "%(count)s personnes en situation de handicap : le ménage ne compte qu'une personne.",
            "%(count)s personnes en situation de handicap : le ménage n'en compte que %(size)s.",
            size,
        ),
        "persons_of_foreign_background": ngettext(
            "%(count)s personnes migrantes, d'origine étrangère ou d'une minorité : le ménage "
            "ne compte qu'une personne.",
            "%(count)s personnes migrantes, d'origine étrangère ou d'une minorité : le ménage "
            "n'en compte que %(size)s.",
            size,
        ),
        "persons_homeless": ngettext(
            "%(count)s personnes sans abri : le ménage ne compte qu'une personne.",
            "%(count)s personnes sans abri : le ménage n'en compte que %(size)s.",
            size,
        ),
    }
    return sentences[field] % {"count": count, "size": size}


def household_categories_check(household: Household, size: int) -> None:
    """Each recorded EU food-aid count is a number of the household's `size` persons
    (holder included): refuses `category_negative` or `category_above_size`, naming the
    field. The forms and the API refuse a negative number first; this is the rule every
    caller meets."""
    for field in Household.FOOD_AID_COUNTS:
        count = getattr(household, field)
        if count is None:
            continue
        if count < 0:
            refuse(
                _("Indiquez un nombre de personnes : 0 ou plus, ou laissez vide."),
                code="category_negative",
                field=field,
                kind=ErrorKind.INVALID,
            )
        if count > size:
            refuse(
                _above_size_message(field, count, size),
                code="category_above_size",
                field=field,
                kind=ErrorKind.INVALID,
            )


def _household_fill(household: Household, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        setattr(household, name, value)
    household.last_name_key = name_key(household.last_name)
    household.first_name_key = name_key(household.first_name)


def _members_replace(household: Household, members: Iterable[MemberData]) -> None:
    household.members.all().delete()
    HouseholdMember.objects.bulk_create(
        HouseholdMember(household=household, age_band=m.age_band, sex=m.sex) for m in members
    )


@transaction.atomic
def household_register(
    *,
    actor: User,
    partner: Organisation,
    fields: dict[str, Any],
    members: Iterable[MemberData] = (),
) -> Household:
    """Register a household for `partner`. `fields` are validated model fields.

    Refuses with `household_exists` when the partner already registered the same
    person (same names and year of birth): their file should be opened instead; with
    `birth_year_out_of_range` or `legal_basis_in_future`; and with `category_negative`
    or `category_above_size` (an EU food-aid count beyond the household). Nothing is
    saved when it refuses.
    """
    household = Household(partner=partner, created_by=actor)
    _household_fill(household, fields)
    others = list(members)
    household_dates_check(household, timezone.localdate())
    household_categories_check(household, 1 + len(others))
    _refuse_duplicate(household)
    household.save()
    _members_replace(household, others)
    audit_record(actor=actor, action="household.register", target=household, organisation=partner)
    return household


def _refuse_duplicate(household: Household) -> None:
    """One file per person and partner: refuse `household_exists` with the file's number."""
    existing = (
        Household.objects.filter(
            partner_id=household.partner_id,
            last_name_key=household.last_name_key,
            first_name_key=household.first_name_key,
            birth_year=household.birth_year,
        )
        .exclude(pk=household.pk)
        .first()
    )
    if existing is not None:
        refuse(
            _(
                "Cette personne est déjà enregistrée par votre service (dossier n° %(id)s). "
                "Ouvrez son dossier plutôt que d'en créer un second."
            )
            % {"id": existing.pk},
            field="last_name",
            code="household_exists",
        )


@transaction.atomic
def household_update(
    *,
    actor: User,
    household: Household,
    fields: dict[str, Any],
    members: Iterable[MemberData] | None = None,
) -> Household:
    """Change a household's file; `members`, when given, replaces the composition.

    Locks the household's row. The dates are checked as at registration when they
    change (an untouched year of birth that has since left the bounds does not block
    another correction); the EU food-aid counts always, against the new size. An
    anonymised household's file is closed (`household_anonymised`). Nothing is saved
    when it refuses. The audit entry names the fields changed, never their
    values (the food-aid categories are sensitive).
    """
    household = Household.objects.select_for_update().get(pk=household.pk)
    household_not_anonymised_check(household)
    before = (household.birth_year, household.legal_basis_recorded_on)
    _household_fill(household, fields)
    if (household.birth_year, household.legal_basis_recorded_on) != before:
        household_dates_check(household, timezone.localdate())
    others = None if members is None else list(members)
    # Checked whenever the file changes: fewer members may leave a count above the size.
    size = 1 + (household.members.count() if others is None else len(others))
    household_categories_check(household, size)
    _refuse_duplicate(household)
    household.save()
    if others is not None:
        _members_replace(household, others)
    audit_record(
        actor=actor,
        action="household.update",
        target=household,
        organisation=household.partner,
        detail={"fields": sorted(fields), "members": members is not None},
    )
    return household


def household_file_opened(*, actor: User, household: Household) -> None:
    """Note in the audit trail that `actor` opened the household's file."""
    audit_view(actor=actor, target=household, organisation=household.partner)


def household_has_pass_elsewhere(*, household: Household, today: date) -> bool:
    """Does the same person hold a valid pass through another partner? Nothing more is told."""
    return (
        AccessPass.objects.filter(
            household__last_name_key=household.last_name_key,
            household__first_name_key=household.first_name_key,
            household__birth_year=household.birth_year,
            status=AccessPass.Status.ACTIVE,
            valid_until__gte=today,
        )
        .exclude(partner_id=household.partner_id)
        .exists()
    )
