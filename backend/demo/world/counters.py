"""When a counter is open: its opening rules (RFC 5545 recurrences in Brussels time)."""

from __future__ import annotations

from datetime import time

from network.models import Organisation
from schedules.models import OpeningRule
from schedules.selectors import counter_schedules_forget

# Midnight to the day's last second: a scan in the day's last minute still finds it open.
DAY_STARTS = time(0, 0)
DAY_ENDS = time(23, 59, 59)


def opening_rule_make(
    *,
    service: Organisation,
    recurrence: str,
    starts_at: time,
    ends_at: time,
    by_appointment: bool = False,
    slot_minutes: int = 15,
    slot_capacity: int = 1,
    closes_on_public_holidays: bool = True,
) -> OpeningRule:
    """The service's session rule for this recurrence and start, made the first time."""
    rule, created = OpeningRule.objects.get_or_create(
        service=service,
        recurrence=recurrence,
        starts_at=starts_at,
        defaults={
            "ends_at": ends_at,
            "by_appointment": by_appointment,
            "slot_minutes": slot_minutes,
            "slot_capacity": slot_capacity,
            "closes_on_public_holidays": closes_on_public_holidays,
        },
    )
    if created:
        # As the opening-hours service does: this process's cached schedules are stale.
        counter_schedules_forget()
    return rule


def counter_open_all_day(service: Organisation) -> OpeningRule:
    """Open every day from midnight to the day's last second, public holidays included."""
    return opening_rule_make(
        service=service,
        recurrence="FREQ=DAILY",
        starts_at=DAY_STARTS,
        ends_at=DAY_ENDS,
        closes_on_public_holidays=False,
    )
