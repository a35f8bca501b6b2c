"""When a counter is open: its sessions, closures and public holidays, in Brussels time."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.core.cache import caches
from django.utils.translation import get_language

from network.access import ROLE_PERMS, Perm, user_memberships
from network.models import Organisation
from shop.models import Closure, OpeningRule

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


def counter_schedule(*, service: Organisation, day: date) -> list[Session]:
    """The sessions from `day` on, for 90 days, cached a minute in the process.

    The scan asks "open now? next opening?" on every card: this keeps it to no
    query and a list scan, without depending on Redis.
    """
    key = f"counter-schedule:{service.pk}:{day.isoformat()}"
    cache = caches["process"]
    sessions = cache.get(key)
    if sessions is None:
        zone = ZoneInfo(settings.TIME_ZONE)
        start = datetime.combine(day, time(0), tzinfo=zone)
        end = datetime.combine(day + timedelta(days=SCHEDULE_DAYS), time(0), tzinfo=zone)
        sessions = opening_sessions_between(service=service, start=start, end=end)
        cache.set(key, sessions, timeout=SCHEDULE_CACHE_SECONDS)
    return sessions


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


# --- the counter ---------------------------------------------------------------------


def counters_for_user(user: Any) -> list[Organisation]:
    """The collective services where the user may scan (volunteers and managers)."""
    return [
        m.organisation
        for m in user_memberships(user)
        if Perm.COUNTER_SCAN in ROLE_PERMS[m.role]
        and m.organisation.kind == Organisation.Kind.SERVICE
    ]


def counter_get_for_user(*, user: Any, service_id: int | None) -> Organisation | None:
    """The counter a device scans for: the one named, or the user's only one.

    None when the user may not scan there or must say which counter.
    """
    counters = counters_for_user(user)
    if service_id is None:
        return counters[0] if len(counters) == 1 else None
    return next((c for c in counters if c.pk == service_id), None)


def counter_day(*, service: Organisation, user: Any, day: date, recent: int = 8) -> dict:
    """Today's count of accepted visits at the counter and the user's last scans.

    Only what the counter needs: a first name, a time, the verdict.
    """
    from passes.models import Visit

    zone = ZoneInfo(settings.TIME_ZONE)
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    today = Visit.objects.filter(service=service, at__gte=start, at__lt=end)
    count = today.filter(accepted=True, undone_at__isnull=True).count()
    last = list(
        today.filter(recorded_by=user)
        .select_related("access_pass__household")
        .only(
            "at",
            "accepted",
            "reason",
            "undone_at",
            "access_pass__household__first_name",
        )
        .order_by("-at", "-id")[:recent]
    )
    return {"accepted_count": count, "recent": last}
