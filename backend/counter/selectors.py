"""What the counter reads: the counters a user may scan at, and the day's figures."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypedDict

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from comptoir.dates import local_days_bounds, local_midnight
from counter.actions import visit_details
from counter.models import Visit
from counter.verdict import euros_words
from network.access import ROLE_PERMS, Perm, user_memberships
from network.models import Organisation, User
from passes.models import Voucher


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


@dataclass(frozen=True)
class ServiceVouchers:
    """The vouchers partners gave for a service, as its manager follows them: no household
    names (the manager does not need them), what each covers and what became of it."""

    valid: int
    used: int
    expired: int
    revoked: int
    recent: list[Voucher]


def vouchers_for_service(service: Organisation, today: date, days: int = 90) -> ServiceVouchers:
    """The vouchers for `service` issued in the last `days` days: counts by state (one
    aggregate) and the latest hundred, with their partner and where they were used."""
    since = local_midnight(today - timedelta(days=days))
    issued = Voucher.objects.filter(service=service, issued_at__gte=since)
    counts = issued.aggregate(
        used=Count("pk", filter=Q(used_at__isnull=False)),
        revoked=Count("pk", filter=Q(used_at__isnull=True, revoked_at__isnull=False)),
        expired=Count(
            "pk", filter=Q(used_at__isnull=True, revoked_at__isnull=True, valid_until__lt=today)
        ),
        valid=Count(
            "pk", filter=Q(used_at__isnull=True, revoked_at__isnull=True, valid_until__gte=today)
        ),
    )
    recent = list(
        issued.select_related("partner").only(
            "kind",
            "covers",
            "valid_until",
            "issued_at",
            "used_at",
            "revoked_at",
            "partner__name",
            "service_id",
        )[:100]
    )
    return ServiceVouchers(
        valid=counts["valid"],
        used=counts["used"],
        expired=counts["expired"],
        revoked=counts["revoked"],
        recent=recent,
    )


def visits_of_household(household_id: int, since: date, limit: int = 60) -> list[Visit]:
    """The household's accepted visits since `since` (with its cards or its vouchers), not
    undone, latest first, with their service and voucher."""
    return list(
        Visit.objects.filter(
            Q(access_pass__household_id=household_id) | Q(voucher__household_id=household_id),
            accepted=True,
            undone_at__isnull=True,
            at__gte=local_midnight(since),
        )
        .select_related("service", "voucher")
        .order_by("-at", "-id")[:limit]
    )


# How far back a household's file shows what it received.
RECEIVED_DAYS = 90


def household_received(household_id: int, today: date) -> list[tuple[Visit, list[str]]]:
    """What the household received in the last RECEIVED_DAYS days, visit by visit: what
    the visit itself records (meals, an amount covered, a voucher) and what the apps
    above say of it (a parcel, a sale, a handout)."""
    visits = visits_of_household(household_id, today - timedelta(days=RECEIVED_DAYS))
    said = visit_details(visits)
    return [(visit, _visit_own_words(visit) + said.get(visit.pk, [])) for visit in visits]


def _visit_own_words(visit: Visit) -> list[str]:
    words = []
    if visit.voucher is not None:
        covers = f" : {visit.voucher.covers}" if visit.voucher.covers else ""
        words.append(visit.voucher.get_kind_display() + covers)
    if visit.service.service_kind == Organisation.ServiceKind.RESTAURANT:
        words.append(
            ngettext("%(count)d repas", "%(count)d repas", visit.units) % {"count": visit.units}
        )
    if visit.amount_cents is not None:
        words.append(_("%(amount)s couverts") % {"amount": euros_words(visit.amount_cents)})
    if visit.reference:
        words.append(_("réf. %(reference)s") % {"reference": visit.reference})
    return words


def offline_conflicts_for_day(*, service: Organisation, day: date) -> list[Visit]:
    """The scans a tablet accepted offline that the server's rules refused when they
    arrived on `day` (the same card served on two tablets, a card revoked meanwhile),
    oldest first."""
    start, end = local_days_bounds(day, 1)
    return list(
        Visit.objects.filter(
            service=service, offline_conflict=True, synced_at__gte=start, synced_at__lt=end
        )
        .select_related("access_pass__household", "recorded_by")
        .order_by("at", "id")
    )
