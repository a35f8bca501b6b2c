"""What every part of the demo's history shares: when it ends, the real sessions it
happens in, and the demo households' passes that were valid there.

The history is anchored on the day the demo is loaded and stays before the current
week and month (`history_ends`), so that the cards offered to try today keep this
week's visit, this month's budget and this week's meals whole.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from comptoir.dates import local_midnight
from demo.namur.households import HOUSEHOLDS
from demo.namur.stories import household_find
from demo.world.counters import DAY_ENDS, DAY_STARTS
from network.models import Organisation
from passes.models import AccessPass, PassEvent
from passes.tokens import human_code_display
from schedules.selectors import Session, opening_sessions_between


def history_ends(today: date) -> date:
    """The first day of the current week or month, whichever comes first: the history
    stays before it, so it draws nothing from this week's visits nor this month's budget."""
    return min(today - timedelta(days=today.weekday()), today.replace(day=1))


def working_day(day: date) -> date:
    """`day`, or the Friday before when it falls on a weekend (offices are closed)."""
    return day - timedelta(days=max(day.weekday() - 4, 0))


def local_moment(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo(settings.TIME_ZONE))


def real_sessions(service: Organisation, begins: date, ends: date) -> list[Session]:
    """The service's walk-in sessions between two days: neither the demo's all-day
    opening nor the sessions by appointment."""
    sessions = opening_sessions_between(
        service=service, start=local_midnight(begins), end=local_midnight(ends)
    )
    return [
        session
        for session in sessions
        if not session.by_appointment
        and not (session.starts.time() == DAY_STARTS and session.ends.time() == DAY_ENDS)
    ]


def demo_passes(service: Organisation) -> list[AccessPass]:
    """The demo households' active passes that open `service`, oldest first. (Households
    a user added to the demo database are left out: their history is theirs; so is a
    pass whose card was replaced, today in the demo: the card it holds did not exist
    before.)"""
    households = [
        household_find(spec.partner, spec.first_name, spec.last_name) for spec in HOUSEHOLDS
    ]
    return list(
        AccessPass.objects.filter(
            household__in=[h for h in households if h is not None],
            status=AccessPass.Status.ACTIVE,
            services=service,
        )
        .exclude(events__action=PassEvent.Action.REPLACE)
        .select_related("household")
        .order_by("pk")
    )


def card_code(access_pass: AccessPass) -> str:
    """The short code of the pass's current card, as a volunteer types it."""
    card = access_pass.cards.get(version=access_pass.card_version)
    return human_code_display(card.human_code)


def day_of(session: Session) -> date:
    return timezone.localdate(session.starts)
