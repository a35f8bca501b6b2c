"""The rules a pass must satisfy, one read-only function each.

`pass_issue` and `pass_renew` call them inside their transaction, after locking
what they contest; the issue form's live check calls `pass_issue_check`, which
runs the same functions without writing or locking anything, so the form says
what is wrong as the social worker types.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import NoReturn

from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext as _

from comptoir.errors import DomainError, ErrorKind
from network.models import Convention, Organisation
from network.rules import RuleSnapshot
from passes.models import AccessPass, Assessment, Household

MIN_REASON_LENGTH = 3


class PassRefused(DomainError):
    """A refusal about households, assessments or passes; `code` says which."""

    code = "pass_refused"


def refuse(
    message: str, *, code: str, field: str | None = None, kind: ErrorKind = ErrorKind.CONFLICT
) -> NoReturn:
    raise PassRefused(message, code=code, field=field, kind=kind)


def _day(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


@dataclass(frozen=True)
class PassTerms:
    """What a pass will be issued with, once every rule is satisfied."""

    valid_from: date
    valid_until: date
    service_ids: tuple[int, ...]


def household_not_anonymised_check(household: Household) -> None:
    """An anonymised household's file is closed: refuses `household_anonymised`."""
    if household.anonymised_at is not None:
        refuse(
            _(
                "Ce dossier a été anonymisé (plus d'accès-pass depuis longtemps) : il ne peut "
                "plus changer. Si la personne revient, enregistrez-la comme un nouveau ménage."
            ),
            code="household_anonymised",
        )


def reason_check(reason: str) -> str:
    """The reason for a change of a pass, stripped; refuses `reason_required`."""
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        refuse(
            _("Indiquez le motif (quelques mots) : il reste dans l'historique de l'accès-pass."),
            code="reason_required",
            field="reason",
            kind=ErrorKind.INVALID,
        )
    return reason


def convention_of_partner_check(convention: Convention, partner_id: int) -> None:
    if convention.partner_id != partner_id:
        refuse(
            _("Cette convention n'est pas celle de votre service."),
            code="convention_other_partner",
            field="convention",
            kind=ErrorKind.INVALID,
        )


def convention_in_force_check(convention: Convention, today: date) -> None:
    if today > convention.ends_on:
        refuse(
            _(
                "La convention %(ref)s a pris fin le %(day)s : aucun accès-pass ne peut plus y être "
                "délivré. Choisissez une convention en cours."
            )
            % {"ref": convention.reference, "day": _day(convention.ends_on)},
            code="convention_ended",
            field="convention",
        )
    if today < convention.starts_on:
        refuse(
            _(
                "La convention %(ref)s ne commence que le %(day)s : attendez cette date pour "
                "délivrer un accès-pass."
            )
            % {"ref": convention.reference, "day": _day(convention.starts_on)},
            code="convention_not_started",
            field="convention",
        )


def longest_validity(convention: Convention, valid_from: date) -> date:
    """The last day a pass starting `valid_from` may run to under `convention`."""
    return min(valid_from + timedelta(days=convention.max_pass_days - 1), convention.ends_on)


def dates_check(
    *, convention: Convention, valid_from: date, valid_until: date, today: date
) -> None:
    """Start today or later, end after start, inside the convention, no longer than it allows."""
    if valid_until < valid_from:
        refuse(
            _("La date de fin est avant la date de début : inversez-les."),
            code="dates_inverted",
            field="valid_until",
            kind=ErrorKind.INVALID,
        )
    if valid_from < today:
        refuse(
            _(
                "Un accès-pass ne peut pas commencer dans le passé : commencez au plus tôt aujourd'hui."
            ),
            code="starts_in_past",
            field="valid_from",
            kind=ErrorKind.INVALID,
        )
    if valid_from < convention.starts_on:
        refuse(
            _(
                "La convention ne commence que le %(day)s : l'accès-pass ne peut pas commencer avant."
            )
            % {"day": _day(convention.starts_on)},
            code="before_convention",
            field="valid_from",
            kind=ErrorKind.INVALID,
        )
    if valid_until > convention.ends_on:
        refuse(
            _(
                "La convention se termine le %(day)s : l'accès-pass ne peut pas aller au-delà. "
                "Choisissez une date de fin au plus tard le %(day)s."
            )
            % {"day": _day(convention.ends_on)},
            code="beyond_convention",
            field="valid_until",
            kind=ErrorKind.INVALID,
        )
    days = (valid_until - valid_from).days + 1
    if days > convention.max_pass_days:
        last = valid_from + timedelta(days=convention.max_pass_days - 1)
        refuse(
            _(
                "Cette convention permet %(max)s jours de validité au plus (ici %(days)s). "
                "Choisissez une date de fin au plus tard le %(day)s."
            )
            % {"max": convention.max_pass_days, "days": days, "day": _day(last)},
            code="too_long",
            field="valid_until",
            kind=ErrorKind.INVALID,
        )


def services_check(convention: Convention, services: list[Organisation] | None) -> list[int]:
    """The services chosen (all the convention's when None), each opened by the convention."""
    allowed = set(convention.services.values_list("pk", flat=True))
    if services is None:
        return sorted(allowed)
    chosen = {s.pk for s in services}
    if not chosen:
        refuse(
            _("Choisissez au moins un service collectif."),
            code="no_service",
            field="services",
            kind=ErrorKind.INVALID,
        )
    if not chosen <= allowed:
        refuse(
            _("Un des services choisis n'est pas couvert par la convention %(ref)s.")
            % {"ref": convention.reference},
            code="service_not_in_convention",
            field="services",
            kind=ErrorKind.INVALID,
        )
    return sorted(chosen)


def granted_assessment_check(household: Household, *, renewing: bool = False) -> None:
    """The household's latest assessment (the one that counts) granted a pass."""
    latest = household.assessments.order_by("-assessed_on", "-id").first()
    if latest is not None and latest.outcome == Assessment.Outcome.GRANTED:
        return
    if renewing:
        message = _(
            "La dernière enquête sociale de ce ménage n'est pas « accordé ». "
            "Enregistrez une nouvelle enquête avant de renouveler."
        )
    else:
        message = _(
            "Il faut d'abord une enquête sociale dont la décision est « accordé ». "
            "Enregistrez l'enquête, puis délivrez l'accès-pass."
        )
    refuse(message, code="no_granted_assessment", field="household")


def open_passes(convention: Convention, today: date) -> Q:
    """A household's passes that block another under `convention`: suspended ones, and
    active ones not yet ended (one that ended is expired, whether or not the nightly job
    has run: `pass_issue` and `pass_renew` expire it before writing)."""
    return Q(convention=convention) & (
        Q(status=AccessPass.Status.SUSPENDED)
        | Q(status=AccessPass.Status.ACTIVE, valid_until__gte=today)
    )


def no_other_open_pass_check(
    *,
    household_id: int,
    convention: Convention,
    today: date,
    exclude_pass: int | None = None,
    renewing: bool = False,
) -> None:
    """One open pass per household and convention (`already_has_pass`)."""
    others = AccessPass.objects.filter(open_passes(convention, today), household_id=household_id)
    if exclude_pass is not None:
        others = others.exclude(pk=exclude_pass)
    if not others.exists():
        return
    if renewing and exclude_pass is not None:
        message = _("Ce ménage a déjà un autre accès-pass en cours sous cette convention.")
    elif renewing:
        message = _("Ce ménage a déjà un accès-pass en cours sous cette convention.")
    else:
        message = _(
            "Ce ménage a déjà un accès-pass en cours sous cette convention. "
            "Renouvelez-le ou remplacez sa carte plutôt que d'en délivrer un second."
        )
    refuse(message, code="already_has_pass", field="convention" if renewing else "household")


def quota_check(convention: Convention, today: date, exclude_pass: int | None = None) -> None:
    """The convention's quota of open passes has a place left (`quota_reached`)."""
    taken = AccessPass.objects.filter(
        convention=convention, status__in=AccessPass.OPEN_STATUSES, valid_until__gte=today
    )
    if exclude_pass is not None:
        taken = taken.exclude(pk=exclude_pass)
    if taken.count() >= convention.max_active_passes:
        refuse(
            _(
                "Le quota de la convention %(ref)s est atteint : %(max)s accès-pass actifs au "
                "plus. Attendez qu'un accès-pass se termine, ou demandez à la coordination "
                "d'augmenter le quota."
            )
            % {"ref": convention.reference, "max": convention.max_active_passes},
            code="quota_reached",
            field="convention",
        )


def rules_snapshot(convention: Convention, service_ids: list[int]) -> list[RuleSnapshot]:
    """The convention's current rules for these services, as a pass copies them."""
    return [
        rule.as_snapshot()
        for rule in convention.rules.filter(service_id__in=service_ids).order_by(
            "service_id", "kind"
        )
    ]


def pass_issue_check(
    *,
    household: Household,
    convention: Convention,
    valid_from: date | None = None,
    valid_until: date | None = None,
    services: list[Organisation] | None = None,
    today: date,
) -> PassTerms:
    """Every rule a new pass must satisfy, read-only: the terms it would get, or `PassRefused`.

    `pass_issue` runs this after locking the convention; the form's live check runs it
    alone (no write, no lock), so both refuse the same things with the same words.
    """
    household_not_anonymised_check(household)
    convention_of_partner_check(convention, household.partner_id)
    convention_in_force_check(convention, today)
    valid_from = valid_from or today
    valid_until = valid_until or longest_validity(convention, valid_from)
    dates_check(convention=convention, valid_from=valid_from, valid_until=valid_until, today=today)
    service_ids = services_check(convention, services)
    granted_assessment_check(household)
    no_other_open_pass_check(household_id=household.pk, convention=convention, today=today)
    quota_check(convention, today)
    return PassTerms(valid_from, valid_until, tuple(service_ids))
