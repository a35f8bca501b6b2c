"""What changes state in the schedules app: opening rules, closures and appointments.

Each function checks the user's right on the organisation concerned, owns its
transaction, writes the audit trail and refuses with a `ScheduleRefused` carrying a
stable `code`, a sentence in the user's language and the form field it
concerns.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import NoReturn
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.errors import DomainError, ErrorKind
from network.access import Perm, has_perm
from network.audit import audit_record
from network.models import Organisation, User
from passes.models import AccessPass, Household
from schedules.models import Appointment, Closure, OpeningRule
from schedules.selectors import (
    Session,
    counter_schedules_forget,
    opening_sessions_between,
    session_slot_starts,
)

MIN_SLOT_MINUTES = 5


class ScheduleRefused(DomainError):
    """A refusal about opening hours or appointments; `code` says which."""

    code = "schedule_refused"


def _refuse(
    message: str, *, code: str, field: str | None = None, kind: ErrorKind = ErrorKind.CONFLICT
) -> NoReturn:
    raise ScheduleRefused(message, code=code, field=field, kind=kind)


def _require_service_manage(user: User, service: Organisation) -> None:
    if not has_perm(user, Perm.SERVICE_MANAGE, service):
        _refuse(
            _("Seul le gérant du service peut modifier ses horaires."),
            code="not_allowed",
            kind=ErrorKind.FORBIDDEN,
        )


def _schedule_changed() -> None:
    # The counter keeps each service's sessions a minute in the process cache
    # (`counter_schedule`). Clear it now for this request's own reads, and again
    # after commit for a scan that cached the old rules in between. The cache
    # holds nothing else; other processes catch up within its minute.
    counter_schedules_forget()
    transaction.on_commit(counter_schedules_forget)


# --- opening rules and closures ---------------------------------------------------------


@dataclass(frozen=True)
class OpeningRuleData:
    recurrence: str
    starts_at: time
    ends_at: time
    by_appointment: bool = False
    slot_minutes: int = 15
    slot_capacity: int = 1
    closes_on_public_holidays: bool = True
    valid_from: date = date(2024, 1, 1)


def _check_rule(data: OpeningRuleData) -> None:
    if data.ends_at <= data.starts_at:
        _refuse(
            _("La fin de la permanence doit venir après son début."),
            code="ends_before_start",
            field="ends_at",
            kind=ErrorKind.INVALID,
        )
    if data.slot_minutes < MIN_SLOT_MINUTES or data.slot_capacity < 1:
        _refuse(
            _("Un créneau dure au moins 5 minutes et reçoit au moins un ménage."),
            code="slot_invalid",
            field="slot_minutes",
            kind=ErrorKind.INVALID,
        )
    length = datetime.combine(date.min, data.ends_at) - datetime.combine(date.min, data.starts_at)
    if data.by_appointment and timedelta(minutes=data.slot_minutes) > length:
        _refuse(
            _("Un créneau ne peut pas durer plus longtemps que la permanence."),
            code="slot_too_long",
            field="slot_minutes",
            kind=ErrorKind.INVALID,
        )
    probe = OpeningRule(recurrence=data.recurrence, valid_from=data.valid_from)
    try:
        probe.rule()
    except (ValueError, TypeError):
        _refuse(
            _("Cette règle de récurrence n'est pas valide."),
            code="bad_recurrence",
            field="recurrence",
            kind=ErrorKind.INVALID,
        )


@transaction.atomic
def opening_rule_save(
    *, user: User, service: Organisation, data: OpeningRuleData, rule: OpeningRule | None = None
) -> OpeningRule:
    """Create a session rule of `service`, or change `rule` (which must be one of its rules).

    Appointments already booked stay as they are. Refuses with `not_allowed`,
    `other_service`, `ends_before_start`, `slot_invalid`, `slot_too_long`,
    `bad_recurrence`.
    """
    _require_service_manage(user, service)
    if rule is not None and rule.service_id != service.pk:
        _refuse(_("Cette permanence n'est pas celle de votre service."), code="other_service")
    _check_rule(data)
    if rule is None:
        rule = OpeningRule(service=service)
        action = "opening_rule.create"
    else:
        rule = OpeningRule.objects.select_for_update().get(pk=rule.pk)
        action = "opening_rule.update"
    for name, value in asdict(data).items():
        setattr(rule, name, value)
    rule.save()
    audit_record(
        actor=user,
        action=action,
        target=rule,
        organisation=service,
        detail={"recurrence": rule.recurrence, "by_appointment": rule.by_appointment},
    )
    _schedule_changed()
    return rule


@transaction.atomic
def opening_rule_delete(*, user: User, rule: OpeningRule) -> None:
    """Delete a session rule. Appointments already booked stay. Refuses with `not_allowed`."""
    _require_service_manage(user, rule.service)
    audit_record(
        actor=user,
        action="opening_rule.delete",
        target=rule,
        organisation=rule.service,
        detail={"recurrence": rule.recurrence},
    )
    rule.delete()
    _schedule_changed()


@transaction.atomic
def closure_add(
    *, user: User, service: Organisation, starts_on: date, ends_on: date | None, reason: str = ""
) -> Closure:
    """Close `service` on one day (no `ends_on`) or over a period, with a reason shown to all.

    Refuses with `not_allowed`, `ends_before_start`.
    """
    _require_service_manage(user, service)
    ends_on = ends_on or starts_on
    if ends_on < starts_on:
        _refuse(
            _("La fin de la fermeture est avant son début : inversez les dates."),
            code="ends_before_start",
            field="ends_on",
            kind=ErrorKind.INVALID,
        )
    closure = Closure.objects.create(
        service=service, starts_on=starts_on, ends_on=ends_on, reason=(reason or "").strip()
    )
    audit_record(
        actor=user,
        action="closure.create",
        target=closure,
        organisation=service,
        detail={"starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()},
    )
    _schedule_changed()
    return closure


@transaction.atomic
def closure_delete(*, user: User, closure: Closure) -> None:
    """Remove a closure: the sessions it cancelled take place again. Refuses with `not_allowed`."""
    _require_service_manage(user, closure.service)
    audit_record(
        actor=user,
        action="closure.delete",
        target=closure,
        organisation=closure.service,
        detail={"starts_on": closure.starts_on.isoformat(), "ends_on": closure.ends_on.isoformat()},
    )
    closure.delete()
    _schedule_changed()


# --- appointments -----------------------------------------------------------------------


def _slot_session(service: Organisation, starts_at: datetime) -> Session | None:
    """The by-appointment session of which `starts_at` is a slot, cancelled or not."""
    sessions = opening_sessions_between(
        service=service,
        start=starts_at,
        end=starts_at + timedelta(seconds=1),
        include_cancelled=True,
    )
    for session in sessions:
        if session.by_appointment and starts_at in session_slot_starts(session=session):
            return session
    return None


def _has_valid_pass(household: Household, service: Organisation, day: date) -> bool:
    passes = AccessPass.objects.filter(
        household=household,
        services=service,
        status=AccessPass.Status.ACTIVE,
        valid_from__lte=day,
        valid_until__gte=day,
    )
    return passes.exists()


@transaction.atomic
def appointment_book(
    *, user: User, household: Household, service: Organisation, starts_at: datetime
) -> Appointment:
    """Book `household` into the slot of `service` starting at `starts_at`.

    Cheap checks first (right, time, slot, pass), then the service's
    Organisation row is locked, so that two bookings of the last place of a
    slot, or of the same household in one session, are decided one after the
    other. Refuses with `not_allowed`, `in_the_past`, `not_a_slot`,
    `session_cancelled`, `no_valid_pass`, `already_booked`, `slot_full`.
    """
    if not has_perm(user, Perm.PASS_MANAGE, household.partner_id):
        _refuse(
            _("Seul le service partenaire du ménage peut lui prendre un rendez-vous."),
            code="not_allowed",
            kind=ErrorKind.FORBIDDEN,
        )
    if timezone.is_naive(starts_at):
        raise ValueError("starts_at must be an aware datetime")
    if starts_at <= timezone.now():
        _refuse(
            _("Ce créneau est déjà passé : choisissez-en un autre."),
            code="in_the_past",
            field="starts_at",
            kind=ErrorKind.INVALID,
        )
    session = _slot_session(service, starts_at)
    if session is None:
        _refuse(
            _("Ce moment n'est pas un créneau de rendez-vous de ce service."),
            code="not_a_slot",
            field="starts_at",
            kind=ErrorKind.INVALID,
        )
    if session.cancelled_reason:
        _refuse(
            _("Le service est fermé ce jour-là (%(reason)s) : choisissez un autre créneau.")
            % {"reason": session.cancelled_reason},
            code="session_cancelled",
            field="starts_at",
        )
    day = starts_at.astimezone(ZoneInfo(settings.TIME_ZONE)).date()
    if not _has_valid_pass(household, service, day):
        _refuse(
            _("Le ménage n'a pas d'accès-pass valable ce jour-là pour ce service."),
            code="no_valid_pass",
            field="starts_at",
        )
    Organisation.objects.select_for_update().get(pk=service.pk)
    booked = Appointment.objects.filter(service=service, cancelled_at__isnull=True)
    if booked.filter(
        household=household, starts_at__gte=session.starts, starts_at__lt=session.ends
    ).exists():
        _refuse(
            _("Ce ménage a déjà un rendez-vous pendant cette permanence."),
            code="already_booked",
            field="starts_at",
        )
    if booked.filter(starts_at=starts_at).count() >= session.slot_capacity:
        _refuse(
            _("Ce créneau vient d'être complet : choisissez-en un autre."),
            code="slot_full",
            field="starts_at",
        )
    appointment = Appointment.objects.create(
        service=service, household=household, starts_at=starts_at, booked_by=user
    )
    audit_record(
        actor=user,
        action="appointment.book",
        target=appointment,
        organisation=household.partner,
        detail={"service_id": service.pk, "starts_at": starts_at.isoformat()},
    )
    return appointment


@transaction.atomic
def appointment_cancel(*, user: User, appointment: Appointment) -> Appointment:
    """Cancel an appointment: its place in the slot is free again. Idempotent.

    Locks the appointment row. Refuses with `not_allowed`, `in_the_past`.
    """
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("household__partner")
        .get(pk=appointment.pk)
    )
    if not has_perm(user, Perm.PASS_MANAGE, appointment.household.partner_id):
        _refuse(
            _("Seul le service partenaire du ménage peut annuler ce rendez-vous."),
            code="not_allowed",
            kind=ErrorKind.FORBIDDEN,
        )
    if appointment.cancelled_at is not None:
        return appointment
    if appointment.starts_at <= timezone.now():
        _refuse(
            _("Ce rendez-vous est déjà passé : il ne peut plus être annulé."),
            code="in_the_past",
        )
    appointment.cancelled_at = timezone.now()
    appointment.save(update_fields=["cancelled_at"])
    audit_record(
        actor=user,
        action="appointment.cancel",
        target=appointment,
        organisation=appointment.household.partner,
        detail={"service_id": appointment.service_id},
    )
    return appointment
