"""What changes state in the passes app: households, assessments, passes and their cards.

Every function here is called by the pages, the API and the tasks alike. Each
owns its transaction, locks what it contests, writes the pass history and the
audit trail, and refuses with a `PassRefused` carrying a stable `code`, a
sentence in the user's language and the form field it concerns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.errors import DomainError, ErrorKind
from network.audit import audit_record, audit_view
from network.models import Convention, Organisation, User
from passes.models import (
    AccessPass,
    Assessment,
    AssessmentReason,
    Household,
    HouseholdMember,
    PassCard,
    PassEvent,
    name_key,
)
from passes.tokens import human_code_new

MIN_REASON_LENGTH = 3


class PassRefused(DomainError):
    """A refusal about households, assessments or passes; `code` says which."""

    code = "pass_refused"


@dataclass(frozen=True)
class MemberData:
    age_band: str
    sex: str


# --- households ---------------------------------------------------------------------


def _household_fill(household: Household, fields: dict) -> None:
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
    fields: dict,
    members: Iterable[MemberData] = (),
) -> Household:
    """Register a household for `partner`. `fields` are validated model fields.

    Refuses with `household_exists` when the partner already registered the same
    person (same names and year of birth): their file should be opened instead.
    """
    household = Household(partner=partner, created_by=actor)
    _household_fill(household, fields)
    _refuse_duplicate(household)
    household.save()
    _members_replace(household, members)
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
        raise PassRefused(
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
    fields: dict,
    members: Iterable[MemberData] | None = None,
) -> Household:
    """Change a household's file; `members`, when given, replaces the composition."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    _household_fill(household, fields)
    _refuse_duplicate(household)
    household.save()
    if members is not None:
        _members_replace(household, members)
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


# --- assessments --------------------------------------------------------------------


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
    """Record a social assessment. Refuses a date in the future (`assessment_in_future`)."""
    today = today or timezone.localdate()
    if assessed_on > today:
        raise PassRefused(
            _("La date de l'enquête ne peut pas être dans le futur."),
            field="assessed_on",
            code="assessment_in_future",
            kind=ErrorKind.INVALID,
        )
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


# --- passes -------------------------------------------------------------------------


def _refuse(
    message: str, *, code: str, field: str | None = None, kind: ErrorKind = ErrorKind.CONFLICT
):
    raise PassRefused(message, code=code, field=field, kind=kind)


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        _refuse(
            _("Indiquez le motif (quelques mots) : il reste dans l'historique de l'accès-pass."),
            code="reason_required",
            field="reason",
            kind=ErrorKind.INVALID,
        )
    return reason


def _latest_assessment_granted(household: Household) -> bool:
    latest = household.assessments.order_by("-assessed_on", "-id").first()
    return latest is not None and latest.outcome == Assessment.Outcome.GRANTED


def _event(access_pass: AccessPass, action: str, actor: User | None, reason: str = "", **detail):
    PassEvent.objects.create(
        access_pass=access_pass, action=action, actor=actor, reason=reason, detail=detail
    )
    audit_record(
        actor=actor,
        action=f"pass.{action}",
        target=access_pass,
        organisation=access_pass.partner,
        detail={k: str(v) for k, v in detail.items()},
    )


def _card_new(access_pass: AccessPass, version: int) -> PassCard:
    # Nine characters from 32: a clash is rare, and the unique index catches it.
    for _attempt in range(10):
        try:
            with transaction.atomic():
                return PassCard.objects.create(
                    access_pass=access_pass, version=version, human_code=human_code_new()
                )
        except IntegrityError:
            continue
    raise RuntimeError("could not draw a unique human code")


def _check_dates(
    *, convention: Convention, valid_from: date, valid_until: date, today: date
) -> None:
    if valid_until < valid_from:
        _refuse(
            _("La date de fin est avant la date de début : inversez-les."),
            code="dates_inverted",
            field="valid_until",
            kind=ErrorKind.INVALID,
        )
    if valid_from < today:
        _refuse(
            _(
                "Un accès-pass ne peut pas commencer dans le passé : commencez au plus tôt aujourd'hui."
            ),
            code="starts_in_past",
            field="valid_from",
            kind=ErrorKind.INVALID,
        )
    if valid_from < convention.starts_on:
        _refuse(
            _(
                "La convention ne commence que le %(day)s : l'accès-pass ne peut pas commencer avant."
            )
            % {"day": convention.starts_on.strftime("%d/%m/%Y")},
            code="before_convention",
            field="valid_from",
            kind=ErrorKind.INVALID,
        )
    if valid_until > convention.ends_on:
        _refuse(
            _(
                "La convention se termine le %(day)s : l'accès-pass ne peut pas aller au-delà. "
                "Choisissez une date de fin au plus tard le %(day)s."
            )
            % {"day": convention.ends_on.strftime("%d/%m/%Y")},
            code="beyond_convention",
            field="valid_until",
            kind=ErrorKind.INVALID,
        )
    days = (valid_until - valid_from).days + 1
    if days > convention.max_pass_days:
        last = valid_from + timedelta(days=convention.max_pass_days - 1)
        _refuse(
            _(
                "Cette convention permet %(max)s jours de validité au plus (ici %(days)s). "
                "Choisissez une date de fin au plus tard le %(day)s."
            )
            % {"max": convention.max_pass_days, "days": days, "day": last.strftime("%d/%m/%Y")},
            code="too_long",
            field="valid_until",
            kind=ErrorKind.INVALID,
        )


def _check_convention_in_force(convention: Convention, today: date) -> None:
    if today > convention.ends_on:
        _refuse(
            _(
                "La convention %(ref)s a pris fin le %(day)s : aucun accès-pass ne peut plus y être "
                "délivré. Choisissez une convention en cours."
            )
            % {"ref": convention.reference, "day": convention.ends_on.strftime("%d/%m/%Y")},
            code="convention_ended",
            field="convention",
        )
    if today < convention.starts_on:
        _refuse(
            _(
                "La convention %(ref)s ne commence que le %(day)s : attendez cette date pour "
                "délivrer un accès-pass."
            )
            % {"ref": convention.reference, "day": convention.starts_on.strftime("%d/%m/%Y")},
            code="convention_not_started",
            field="convention",
        )


def _check_services(convention: Convention, services: list[Organisation] | None) -> list[int]:
    allowed = set(convention.services.values_list("pk", flat=True))
    if services is None:
        return sorted(allowed)
    chosen = {s.pk for s in services}
    if not chosen:
        _refuse(
            _("Choisissez au moins un service collectif."),
            code="no_service",
            field="services",
            kind=ErrorKind.INVALID,
        )
    if not chosen <= allowed:
        _refuse(
            _("Un des services choisis n'est pas couvert par la convention %(ref)s.")
            % {"ref": convention.reference},
            code="service_not_in_convention",
            field="services",
            kind=ErrorKind.INVALID,
        )
    return sorted(chosen)


def _check_quota(convention: Convention, today: date, exclude_pass: int | None = None) -> None:
    open_passes = AccessPass.objects.filter(
        convention=convention, status__in=AccessPass.OPEN_STATUSES, valid_until__gte=today
    )
    if exclude_pass is not None:
        open_passes = open_passes.exclude(pk=exclude_pass)
    if open_passes.count() >= convention.max_active_passes:
        _refuse(
            _(
                "Le quota de la convention %(ref)s est atteint : %(max)s accès-pass actifs au "
                "plus. Attendez qu'un accès-pass se termine, ou demandez à la coordination "
                "d'augmenter le quota."
            )
            % {"ref": convention.reference, "max": convention.max_active_passes},
            code="quota_reached",
            field="convention",
        )


def _rules_snapshot(convention: Convention, service_ids: list[int]) -> list[dict]:
    return [
        rule.as_snapshot()
        for rule in convention.rules.filter(service_id__in=service_ids).order_by(
            "service_id", "kind"
        )
    ]


def _expire_due(queryset, today: date) -> int:
    """Mark passes whose end has passed as expired (a conditional update, safe to repeat)."""
    # Locked, so that a concurrent run waits and then writes no second history line.
    due = list(
        queryset.select_for_update()
        .filter(status=AccessPass.Status.ACTIVE, valid_until__lt=today)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    changed = AccessPass.objects.filter(pk__in=due, status=AccessPass.Status.ACTIVE).update(
        status=AccessPass.Status.EXPIRED, updated_at=timezone.now()
    )
    PassEvent.objects.bulk_create(
        PassEvent(access_pass_id=pk, action=PassEvent.Action.EXPIRE) for pk in due
    )
    return changed


def passes_expire_due(*, today: date | None = None) -> int:
    """Expire every pass whose validity ended before `today`. Idempotent; returns the count."""
    today = today or timezone.localdate()
    with transaction.atomic():
        return _expire_due(AccessPass.objects.all(), today)


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
    place of its quota. Refuses with: `convention_other_partner`,
    `convention_ended`, `convention_not_started`, `dates_inverted`,
    `starts_in_past`, `before_convention`, `beyond_convention`, `too_long`,
    `no_service`, `service_not_in_convention`, `no_granted_assessment`,
    `already_has_pass`, `quota_reached`.
    """
    today = today or timezone.localdate()
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    if convention.partner_id != household.partner_id:
        _refuse(
            _("Cette convention n'est pas celle de votre service."),
            code="convention_other_partner",
            field="convention",
            kind=ErrorKind.INVALID,
        )
    _check_convention_in_force(convention, today)
    valid_from = valid_from or today
    if valid_until is None:
        valid_until = min(
            valid_from + timedelta(days=convention.max_pass_days - 1), convention.ends_on
        )
    _check_dates(convention=convention, valid_from=valid_from, valid_until=valid_until, today=today)
    service_ids = _check_services(convention, services)
    if not _latest_assessment_granted(household):
        _refuse(
            _(
                "Il faut d'abord une enquête sociale dont la décision est « accordé ». "
                "Enregistrez l'enquête, puis délivrez l'accès-pass."
            ),
            code="no_granted_assessment",
            field="household",
        )
    _expire_due(AccessPass.objects.filter(household=household, convention=convention), today)
    if AccessPass.objects.filter(
        household=household, convention=convention, status__in=AccessPass.OPEN_STATUSES
    ).exists():
        _refuse(
            _(
                "Ce ménage a déjà un accès-pass en cours sous cette convention. "
                "Renouvelez-le ou remplacez sa carte plutôt que d'en délivrer un second."
            ),
            code="already_has_pass",
            field="household",
        )
    _check_quota(convention, today)
    access_pass = AccessPass.objects.create(
        household=household,
        partner_id=household.partner_id,
        convention=convention,
        valid_from=valid_from,
        valid_until=valid_until,
        rules=_rules_snapshot(convention, service_ids),
        convention_version=convention.version,
        issued_by=actor,
    )
    access_pass.services.set(service_ids)
    _card_new(access_pass, 1)
    _event(
        access_pass,
        PassEvent.Action.ISSUE,
        actor,
        valid_from=valid_from.isoformat(),
        valid_until=valid_until.isoformat(),
        convention=convention.reference,
    )
    return access_pass


def _locked(access_pass: AccessPass) -> AccessPass:
    return AccessPass.objects.select_for_update().get(pk=access_pass.pk)


def _retire_card_and_issue_next(access_pass: AccessPass) -> PassCard:
    now = timezone.now()
    access_pass.cards.filter(retired_at__isnull=True).update(retired_at=now)
    access_pass.card_version += 1
    return _card_new(access_pass, access_pass.card_version)


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
    be another convention of the same partner (next year's). Locks the pass and
    the convention. Refuses a revoked pass (`pass_revoked`), and for the rest as
    `pass_issue` does.
    """
    today = today or timezone.localdate()
    reason = _require_reason(reason)
    # The convention first, then the pass: the order pass_issue takes its locks in.
    convention = Convention.objects.select_for_update().get(
        pk=(convention.pk if convention else access_pass.convention_id)
    )
    access_pass = _locked(access_pass)
    if access_pass.status == AccessPass.Status.REVOKED:
        _refuse(
            _("Un accès-pass révoqué ne peut pas être renouvelé : délivrez-en un nouveau."),
            code="pass_revoked",
        )
    if convention.partner_id != access_pass.partner_id:
        _refuse(
            _("Cette convention n'est pas celle de votre service."),
            code="convention_other_partner",
            field="convention",
            kind=ErrorKind.INVALID,
        )
    _check_convention_in_force(convention, today)
    if valid_until is None:
        valid_until = min(today + timedelta(days=convention.max_pass_days - 1), convention.ends_on)
    _check_dates(convention=convention, valid_from=today, valid_until=valid_until, today=today)
    if services is None:
        allowed = set(convention.services.values_list("pk", flat=True))
        current = set(access_pass.services.values_list("pk", flat=True))
        service_ids = sorted(current & allowed) or sorted(allowed)
    else:
        service_ids = _check_services(convention, services)
    if not _latest_assessment_granted(access_pass.household):
        _refuse(
            _(
                "La dernière enquête sociale de ce ménage n'est pas « accordé ». "
                "Enregistrez une nouvelle enquête avant de renouveler."
            ),
            code="no_granted_assessment",
            field="household",
        )
    if convention.pk != access_pass.convention_id:
        if AccessPass.objects.filter(
            household=access_pass.household_id,
            convention=convention,
            status__in=AccessPass.OPEN_STATUSES,
        ).exists():
            _refuse(
                _("Ce ménage a déjà un accès-pass en cours sous cette convention."),
                code="already_has_pass",
                field="convention",
            )
        _check_quota(convention, today)
    elif access_pass.status not in AccessPass.OPEN_STATUSES:
        if (
            AccessPass.objects.filter(
                household=access_pass.household_id,
                convention=convention,
                status__in=AccessPass.OPEN_STATUSES,
            )
            .exclude(pk=access_pass.pk)
            .exists()
        ):
            _refuse(
                _("Ce ménage a déjà un autre accès-pass en cours sous cette convention."),
                code="already_has_pass",
                field="convention",
            )
        _check_quota(convention, today, exclude_pass=access_pass.pk)
    previous = (access_pass.valid_from, access_pass.valid_until, access_pass.convention_id)
    access_pass.convention = convention
    access_pass.valid_from = today
    access_pass.valid_until = valid_until
    access_pass.status = AccessPass.Status.ACTIVE
    access_pass.rules = _rules_snapshot(convention, service_ids)
    access_pass.convention_version = convention.version
    _retire_card_and_issue_next(access_pass)
    access_pass.save()
    access_pass.services.set(service_ids)
    _event(
        access_pass,
        PassEvent.Action.RENEW,
        actor,
        reason,
        previous_valid_until=previous[1].isoformat(),
        valid_from=today.isoformat(),
        valid_until=valid_until.isoformat(),
        convention=convention.reference,
        card_version=access_pass.card_version,
    )
    return access_pass


def _state_change(
    *,
    actor: User,
    access_pass: AccessPass,
    reason: str,
    allowed_from: tuple[str, ...],
    new_status: str,
    action: str,
    refusal: str,
    refusal_code: str,
) -> AccessPass:
    reason = _require_reason(reason)
    access_pass = _locked(access_pass)
    if access_pass.status not in allowed_from:
        _refuse(refusal, code=refusal_code)
    old_status = access_pass.status
    access_pass.status = new_status
    access_pass.save(update_fields=["status", "updated_at"])
    _event(access_pass, action, actor, reason, previous_status=old_status)
    return access_pass


@transaction.atomic
def pass_suspend(*, actor: User, access_pass: AccessPass, reason: str) -> AccessPass:
    """Suspend an active pass: its card is refused until it is resumed. Locks the pass."""
    return _state_change(
        actor=actor,
        access_pass=access_pass,
        reason=reason,
        allowed_from=(AccessPass.Status.ACTIVE,),
        new_status=AccessPass.Status.SUSPENDED,
        action=PassEvent.Action.SUSPEND,
        refusal=_("Seul un accès-pass actif peut être suspendu."),
        refusal_code="not_active",
    )


@transaction.atomic
def pass_resume(*, actor: User, access_pass: AccessPass, reason: str) -> AccessPass:
    """Lift a suspension. Locks the pass."""
    return _state_change(
        actor=actor,
        access_pass=access_pass,
        reason=reason,
        allowed_from=(AccessPass.Status.SUSPENDED,),
        new_status=AccessPass.Status.ACTIVE,
        action=PassEvent.Action.RESUME,
        refusal=_("Seul un accès-pass suspendu peut être réactivé."),
        refusal_code="not_suspended",
    )


@transaction.atomic
def pass_revoke(*, actor: User, access_pass: AccessPass, reason: str) -> AccessPass:
    """End a pass for good: its card is refused and it frees its place in the quota."""
    return _state_change(
        actor=actor,
        access_pass=access_pass,
        reason=reason,
        allowed_from=AccessPass.OPEN_STATUSES,
        new_status=AccessPass.Status.REVOKED,
        action=PassEvent.Action.REVOKE,
        refusal=_("Cet accès-pass est déjà terminé (révoqué ou expiré)."),
        refusal_code="not_open",
    )


@transaction.atomic
def pass_replace(*, actor: User, access_pass: AccessPass, reason: str) -> AccessPass:
    """A new card for a lost or stolen one: the old card is refused from now on.

    Same pass, same rules and dates; the card version and the human code change.
    Locks the pass, so two replacements in a row give two distinct versions.
    """
    reason = _require_reason(reason)
    access_pass = _locked(access_pass)
    if access_pass.status not in AccessPass.OPEN_STATUSES:
        _refuse(
            _("La carte d'un accès-pass terminé ne peut pas être remplacée : renouvelez-le."),
            code="not_open",
        )
    old_version = access_pass.card_version
    _retire_card_and_issue_next(access_pass)
    access_pass.save(update_fields=["card_version", "updated_at"])
    _event(
        access_pass,
        PassEvent.Action.REPLACE,
        actor,
        reason,
        previous_card_version=old_version,
        card_version=access_pass.card_version,
    )
    return access_pass
