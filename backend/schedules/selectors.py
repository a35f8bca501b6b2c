"""When a counter is open: its sessions, closures and public holidays, in Brussels time."""

import time as time_module
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TypedDict
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.db.models import Count
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language

from comptoir.dates import local_days_bounds
from network.access import Perm, scope_q
from network.models import Organisation, User
from passes.models import AccessPass, Household
from schedules.models import Appointment, Closure, OpeningRule

# The `holidays` package names holidays in these languages.
HOLIDAY_LANGUAGES = {"fr": "fr", "nl": "nl", "en": "en_US"}


@dataclass(frozen=True)
class Session:
    starts: datetime
    ends: datetime
    by_appointment: bool
    # Why a session that the rules announce does not take place (a closure, a holiday).
    cancelled_reason: str = ""
    # For a session by appointment: the length of a slot and how many households it takes.
    slot_minutes: int = 15
    slot_capacity: int = 1


def public_holidays(*, country: str, years: set[int]) -> dict[date, str]:
    """The public holidays of a country (BE or FR), named in the active language."""
    language = HOLIDAY_LANGUAGES.get((get_language() or "fr")[:2], "fr")
    try:
        found = holidays.country_holidays(country, years=sorted(years), language=language)
    except NotImplementedError:
        return {}
    return dict(found.items())


def closed_days(*, service: Organisation, first: date, last: date) -> dict[date, str]:
    """The service's own closures between two days, with their reason."""
    days: dict[date, str] = {}
    closures = Closure.objects.filter(service=service, starts_on__lte=last, ends_on__gte=first)
    for closure in closures:
        day = max(closure.starts_on, first)
        while day <= min(closure.ends_on, last):
            days[day] = closure.reason
            day += timedelta(days=1)
    return days


def opening_sessions_between(
    *, service: Organisation, start: datetime, end: datetime, include_cancelled: bool = False
) -> list[Session]:
    """The counter's sessions that overlap [start, end), as aware local datetimes.

    Sessions falling on a closure, or on a public holiday of the service's
    country (unless its rule says it opens anyway), are left out, or kept with
    their `cancelled_reason` when `include_cancelled` is set.
    """
    zone = ZoneInfo(settings.TIME_ZONE)
    local_start = start.astimezone(zone).replace(tzinfo=None)
    local_end = end.astimezone(zone).replace(tzinfo=None)
    first, last = local_start.date() - timedelta(days=1), local_end.date()
    closed = closed_days(service=service, first=first, last=last)
    feasts = public_holidays(country=service.country, years={first.year, last.year})
    sessions = []
    for rule in OpeningRule.objects.filter(service=service):
        day_start = local_start.replace(hour=0, minute=0, second=0, microsecond=0)
        for occurrence in rule.rule().between(day_start - timedelta(days=1), local_end, inc=True):
            day = occurrence.date()
            # Wall-clock times: combining with the zone keeps 14:00 at 14:00 across DST.
            opens = datetime.combine(day, rule.starts_at, tzinfo=zone)
            closes = datetime.combine(day, rule.ends_at, tzinfo=zone)
            if not (closes > start and opens < end):
                continue
            reason = ""
            if day in closed:
                reason = closed[day] or "-"
            elif rule.closes_on_public_holidays and day in feasts:
                reason = feasts[day]
            if reason and not include_cancelled:
                continue
            sessions.append(
                Session(
                    opens,
                    closes,
                    rule.by_appointment,
                    reason,
                    slot_minutes=rule.slot_minutes,
                    slot_capacity=rule.slot_capacity,
                )
            )
    return sorted(sessions, key=lambda s: s.starts)


def next_opening_sessions(*, service: Organisation, now: datetime, count: int = 3) -> list[Session]:
    """The current session (if open) and the next ones, looking ahead up to 90 days."""
    return opening_sessions_between(service=service, start=now, end=now + timedelta(days=90))[
        :count
    ]


def cancelled_sessions(*, service: Organisation, now: datetime, days: int = 60) -> list[Session]:
    """Announced sessions that will not take place soon, with why (for the public page)."""
    sessions = opening_sessions_between(
        service=service, start=now, end=now + timedelta(days=days), include_cancelled=True
    )
    return [s for s in sessions if s.cancelled_reason]


def session_open_at(*, service: Organisation, moment: datetime) -> Session | None:
    sessions = opening_sessions_between(
        service=service, start=moment, end=moment + timedelta(seconds=1)
    )
    return sessions[0] if sessions else None


# A changed rule or closure reaches the counter within this many seconds.
SCHEDULE_CACHE_SECONDS = 60
SCHEDULE_DAYS = 90
# (service id, day) → (expiry on the monotonic clock, sessions). Per process, on purpose:
# a scan must never wait for, or fail with, Redis; and a plain dict is not pickled on
# every read as the local-memory cache would (a measurable share of a scan's time).
_schedules: dict[tuple[int, date], tuple[float, list[Session]]] = {}


def counter_schedule(*, service: Organisation, day: date) -> list[Session]:
    """The sessions from `day` on, for 90 days, kept a minute in the process.

    The scan asks "open now? next opening?" on every card: this keeps it to no
    query and a list scan.
    """
    key = (service.pk, day)
    now = time_module.monotonic()
    cached = _schedules.get(key)
    if cached is not None and cached[0] > now:
        return cached[1]
    start, end = local_days_bounds(day, SCHEDULE_DAYS)
    sessions = opening_sessions_between(service=service, start=start, end=end)
    if len(_schedules) > 1000:  # old days and deleted services: start afresh
        _schedules.clear()
    _schedules[key] = (now + SCHEDULE_CACHE_SECONDS, sessions)
    return sessions


def counter_schedules_forget() -> None:
    """Drop this process's cached schedules (after a change of rules or closures)."""
    _schedules.clear()


def counter_session_now(
    *, service: Organisation, moment: datetime
) -> tuple[Session | None, Session | None]:
    """(the session open at `moment` or None, the next one to start after `moment`)."""
    day = moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date()
    current = following = None
    for session in counter_schedule(service=service, day=day):
        if session.starts <= moment < session.ends and current is None:
            current = session
        elif session.starts > moment:
            following = session
            break
    return current, following


def service_get_public(*, slug: str) -> Organisation | None:
    return Organisation.objects.filter(
        kind=Organisation.Kind.SERVICE, is_active=True, slug=slug
    ).first()


# --- the opening-hours page (managers) ------------------------------------------------


def opening_rules_for_service(*, service: Organisation) -> list[OpeningRule]:
    """The service's session rules, in week order (Monday first), then by time."""
    rules = list(OpeningRule.objects.filter(service=service))

    def week_order(rule: OpeningRule) -> tuple[int, time, int]:
        pattern = rule.pattern()
        return (min(pattern.weekdays) if pattern else 7, rule.starts_at, rule.pk)

    return sorted(rules, key=week_order)


def opening_rule_get(*, service: Organisation, rule_id: int) -> OpeningRule:
    """One session rule of `service`, or 404 (another service's rule does not exist here)."""
    rule = OpeningRule.objects.filter(service=service, pk=rule_id).select_related("service")
    if not rule:
        raise Http404
    return rule[0]


def closures_for_service(*, service: Organisation, today: date) -> list[Closure]:
    """The service's current and coming closures (past ones no longer matter)."""
    return list(Closure.objects.filter(service=service, ends_on__gte=today).order_by("starts_on"))


def closure_get(*, service: Organisation, closure_id: int) -> Closure:
    closure = Closure.objects.filter(service=service, pk=closure_id).select_related("service")
    if not closure:
        raise Http404
    return closure[0]


# --- appointments ---------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    starts: datetime
    ends: datetime
    capacity: int
    booked: int

    @property
    def free(self) -> int:
        return self.capacity - self.booked

    @property
    def day(self) -> date:
        return self.starts.date()


def session_slot_starts(*, session: Session) -> list[datetime]:
    """The starts of a by-appointment session's slots: every `slot_minutes` from its
    start, as long as a whole slot fits before its end."""
    step = timedelta(minutes=max(session.slot_minutes, 1))
    starts = []
    moment = session.starts
    while moment + step <= session.ends:
        starts.append(moment)
        moment += step
    return starts


def appointment_slots(
    *,
    service: Organisation,
    start_day: date,
    days: int,
    household: Household | None = None,
    now: datetime | None = None,
) -> list[Slot]:
    """The coming slots of the service's by-appointment sessions that still have a place.

    Sessions cancelled by a closure or a public holiday have none. With a
    `household`, the sessions where it already has an appointment are left out
    (one appointment per session).
    """
    now = now or timezone.now()
    start, end = local_days_bounds(start_day, days)
    sessions = [
        s
        for s in opening_sessions_between(service=service, start=max(start, now), end=end)
        if s.by_appointment
    ]
    if not sessions:
        return []
    booked = Appointment.objects.filter(
        service=service, cancelled_at__isnull=True, starts_at__gte=start, starts_at__lt=end
    )
    per_slot = dict(
        booked.order_by().values("starts_at").annotate(n=Count("pk")).values_list("starts_at", "n")
    )
    taken = (
        list(booked.filter(household=household).values_list("starts_at", flat=True))
        if household is not None
        else []
    )
    slots = []
    for session in sessions:
        if any(session.starts <= moment < session.ends for moment in taken):
            continue
        for moment in session_slot_starts(session=session):
            slot = Slot(
                starts=moment,
                ends=moment + timedelta(minutes=session.slot_minutes),
                capacity=session.slot_capacity,
                booked=per_slot.get(moment, 0),
            )
            if moment > now and slot.free > 0:
                slots.append(slot)
    return slots


class DayAppointment(TypedDict):
    """An appointment as the counter shows it: the slot and the first name only."""

    pk: int
    starts_at: datetime
    household__first_name: str


def appointments_for_day(*, service: Organisation, day: date) -> list[DayAppointment]:
    """That day's appointments at the counter, by time: the slot and the first name only.

    The counter needs nothing more to greet a household: no name, no partner.
    """
    start, end = local_days_bounds(day, 1)
    return list(
        Appointment.objects.filter(
            service=service, cancelled_at__isnull=True, starts_at__gte=start, starts_at__lt=end
        )
        .order_by("starts_at", "pk")
        .values("pk", "starts_at", "household__first_name")
    )


def appointment_get_for_user(*, user: User, appointment_id: int) -> Appointment:
    """One appointment of a household of the user's partners, or 404."""
    try:
        return (
            Appointment.objects.filter(scope_q(user, Perm.HOUSEHOLD_VIEW, "household__partner"))
            .select_related("household__partner", "service")
            .get(pk=appointment_id)
        )
    except (Appointment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@dataclass(frozen=True)
class BookingChoice:
    service: Organisation
    slots: list[Slot]


def appointment_choices_for_household(
    *, household: Household, today: date, days: int = 21
) -> list[BookingChoice]:
    """For the household page: each service of its active passes that has sessions by
    appointment, with the free slots of the next `days` days its passes cover."""
    passes = AccessPass.objects.filter(
        household=household, status=AccessPass.Status.ACTIVE, valid_until__gte=today
    ).prefetch_related("services")
    services: dict[int, Organisation] = {}
    covered: dict[int, list[tuple[date, date]]] = {}
    for access_pass in passes:
        for service in access_pass.services.all():
            services[service.pk] = service
            covered.setdefault(service.pk, []).append(
                (access_pass.valid_from, access_pass.valid_until)
            )
    by_appointment = set(
        OpeningRule.objects.filter(service_id__in=services, by_appointment=True).values_list(
            "service_id", flat=True
        )
    )
    choices = []
    for service_id in sorted(by_appointment, key=lambda pk: services[pk].name):
        slots = appointment_slots(
            service=services[service_id], start_day=today, days=days, household=household
        )
        slots = [s for s in slots if any(a <= s.day <= b for a, b in covered[service_id])]
        choices.append(BookingChoice(service=services[service_id], slots=slots))
    return choices


def appointments_upcoming_for_household(
    *, household: Household, now: datetime
) -> list[Appointment]:
    return list(
        Appointment.objects.filter(
            household=household, cancelled_at__isnull=True, starts_at__gte=now
        )
        .select_related("service")
        .order_by("starts_at", "pk")
    )
