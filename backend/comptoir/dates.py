"""Days in the network's wall-clock time (Europe/Brussels), for every app."""

import calendar
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings


def local_midnight(day: date) -> datetime:
    """The aware moment `day` starts where the counters are."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(settings.TIME_ZONE))


def local_days_bounds(first: date, days: int) -> tuple[datetime, datetime]:
    """[start, end) of `days` local days from `first`, right across daylight-saving changes."""
    return local_midnight(first), local_midnight(first + timedelta(days=days))


def month_end(day: date) -> date:
    """The last day of `day`'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])
