"""What the passes app reads about vouchers: where a household may be referred, its
vouchers as its page lists them, and one voucher or sheet scoped to the user.

Beside `passes.selectors` (households, passes, the card check), which stays the home of
`voucher_token` and of the card decoder the counter uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from network.access import Perm, scope_q
from network.models import Organisation, User
from passes.models import Household, Voucher


def voucher_services_for_household(
    *, household: Household, today: date, restaurants_only: bool = False
) -> QuerySet[Organisation]:
    """The collective services the household's partner has a convention in force with
    today, that take vouchers: the vestiaires for a referral, the restaurants for meal
    tickets."""
    services = Organisation.objects.filter(
        kind=Organisation.Kind.SERVICE,
        is_active=True,
        service_conventions__partner_id=household.partner_id,
        service_conventions__starts_on__lte=today,
        service_conventions__ends_on__gte=today,
    )
    services = services.filter(
        service_kind=Organisation.ServiceKind.RESTAURANT
        if restaurants_only
        else Organisation.ServiceKind.VESTIAIRE
    )
    return services.distinct().order_by("name")


@dataclass(frozen=True)
class VoucherLine:
    voucher: Voucher
    state: str  # `Voucher.state_on(today)`: valid, used, expired or revoked


@dataclass(frozen=True)
class VoucherRow:
    """One row of a household's vouchers: a referral, or one printed sheet of meal tickets."""

    kind: str
    lines: tuple[VoucherLine, ...]

    @property
    def first(self) -> Voucher:
        return self.lines[0].voucher

    def count(self, state: str) -> int:
        return sum(line.state == state for line in self.lines)

    # For the page, which cannot pass an argument: how many lines are in each state.
    @property
    def valid(self) -> int:
        return self.count("valid")

    @property
    def used(self) -> int:
        return self.count("used")

    @property
    def expired(self) -> int:
        return self.count("expired")

    @property
    def revoked(self) -> int:
        return self.count("revoked")


def voucher_list_for_household(*, household: Household) -> QuerySet[Voucher]:
    """The household's vouchers, newest first, with the services their rows name."""
    return Voucher.objects.filter(household=household).select_related("service", "used_service")


def voucher_rows_for_household(*, household: Household, today: date) -> list[VoucherRow]:
    """The household's vouchers as its page lists them, newest first: one row per
    referral, one per printed sheet of meal tickets (its tickets in printed order)."""
    groups: dict[object, list[VoucherLine]] = {}
    for voucher in voucher_list_for_household(household=household):
        key = voucher.batch or voucher.pk
        groups.setdefault(key, []).append(VoucherLine(voucher, voucher.state_on(today)))
    return [
        VoucherRow(lines[0].voucher.kind, tuple(sorted(lines, key=lambda line: line.voucher.pk)))
        for lines in groups.values()
    ]


def voucher_get_for_user(*, user: User, voucher_id: int) -> Voucher:
    """One voucher of the user's partners, or 404 (as for their households)."""
    try:
        return (
            Voucher.objects.filter(scope_q(user, Perm.HOUSEHOLD_VIEW, "partner"))
            .select_related("household__partner", "partner", "service", "used_service")
            .get(pk=voucher_id)
        )
    except (Voucher.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def meal_ticket_sheet_for_user(*, user: User, batch: UUID) -> list[Voucher]:
    """The meal tickets printed together on one sheet, in printed order, or 404."""
    tickets = list(
        Voucher.objects.filter(
            scope_q(user, Perm.HOUSEHOLD_VIEW, "partner"), batch=batch, kind=Voucher.Kind.MEAL
        )
        .select_related("household__partner", "partner", "service")
        .order_by("id")
    )
    if not tickets:
        raise Http404
    return tickets
