from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from network.models import Organisation
from shop.models import OpeningRule


@dataclass(frozen=True)
class Session:
    starts: datetime
    ends: datetime
    by_appointment: bool


def opening_sessions_between(
    *, service: Organisation, start: datetime, end: datetime
) -> list[Session]:
    """The counter's sessions that overlap [start, end), as aware local datetimes."""
    zone = ZoneInfo(settings.TIME_ZONE)
    local_start = start.astimezone(zone).replace(tzinfo=None)
    local_end = end.astimezone(zone).replace(tzinfo=None)
    sessions = []
    for rule in OpeningRule.objects.filter(service=service):
        day_start = local_start.replace(hour=0, minute=0, second=0, microsecond=0)
        for occurrence in rule.rule().between(day_start - timedelta(days=1), local_end, inc=True):
            # Wall-clock times: combining with the zone keeps 14:00 at 14:00 across DST.
            opens = datetime.combine(occurrence.date(), rule.starts_at, tzinfo=zone)
            closes = datetime.combine(occurrence.date(), rule.ends_at, tzinfo=zone)
            if closes > start and opens < end:
                sessions.append(Session(opens, closes, rule.by_appointment))
    return sorted(sessions, key=lambda s: s.starts)


def next_opening_sessions(*, service: Organisation, now: datetime, count: int = 3) -> list[Session]:
    """The current session (if open) and the next ones, looking ahead up to 90 days."""
    return opening_sessions_between(service=service, start=now, end=now + timedelta(days=90))[
        :count
    ]


def session_open_at(*, service: Organisation, moment: datetime) -> Session | None:
    sessions = opening_sessions_between(
        service=service, start=moment, end=moment + timedelta(seconds=1)
    )
    return sessions[0] if sessions else None
