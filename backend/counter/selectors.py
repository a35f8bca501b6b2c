"""What the counter reads: the counters a user may scan at, and the day's figures."""

from datetime import date
from typing import TypedDict

from comptoir.dates import local_days_bounds
from counter.models import Visit
from network.access import ROLE_PERMS, Perm, user_memberships
from network.models import Organisation, User


def counters_for_user(user: User) -> list[Organisation]:
    """The collective services where the user may scan (volunteers and managers)."""
    return [
        m.organisation
        for m in user_memberships(user)
        if Perm.COUNTER_SCAN in ROLE_PERMS[m.role]
        and m.organisation.kind == Organisation.Kind.SERVICE
    ]


def counter_get_for_user(*, user: User, service_id: int | None) -> Organisation | None:
    """The counter a device scans for: the one named, or the user's only one.

    None when the user may not scan there or must say which counter.
    """
    counters = counters_for_user(user)
    if service_id is None:
        return counters[0] if len(counters) == 1 else None
    return next((c for c in counters if c.pk == service_id), None)


class CounterDay(TypedDict):
    accepted_count: int
    recent: list[Visit]  # the user's last scans, newest first


def counter_day(*, service: Organisation, user: User, day: date, recent: int = 8) -> CounterDay:
    """Today's count of accepted visits at the counter and the user's last scans.

    Only what the counter needs: a first name, a time, the verdict.
    """
    start, end = local_days_bounds(day, 1)
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


def household_size_at(visit: Visit) -> int:
    """The household's size as the scan counted it (kept on the visit's answer)."""
    size = visit.answer.get("household_size") if visit.answer else None
    return int(size) if size else 1
