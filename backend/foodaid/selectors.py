"""What food aid reads: the parcel for a household's size, as the stock allows it today."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import F

from comptoir.dates import local_midnight
from counter.models import Visit
from foodaid.models import Distribution, ParcelTemplate
from network.models import Organisation
from stock.models import Lot, Product
from stock.selectors import TAKE_COLUMNS
from stock.takes import Plan, plan_takes


def parcel_templates(service: Organisation) -> list[ParcelTemplate]:
    """The service's templates, smallest households first, with their lines and products."""
    return list(
        ParcelTemplate.objects.filter(service=service)
        .prefetch_related("lines__product")
        .order_by("min_persons")
    )


def template_for(service: Organisation, persons: int) -> ParcelTemplate | None:
    """The template whose band holds a household of `persons` (with its lines)."""
    return next((t for t in parcel_templates(service) if t.fits(persons)), None)


@dataclass(frozen=True)
class ParcelLine:
    """One line of a parcel as it will leave: the template's product, or a stand-in."""

    product: Product
    quantity: Decimal
    # The template's product this one replaces (it ran short), or None.
    substitutes: Product | None = None
    # What of the template's line nothing could cover (on the template's own line).
    short: Decimal = Decimal(0)


@dataclass(frozen=True)
class ParcelPlan:
    template: ParcelTemplate
    lines: tuple[ParcelLine, ...]
    # The lots the parcel takes, first-expired first out, and their market value.
    plan: Plan

    @property
    def empty(self) -> bool:
        return not self.plan.takes

    @property
    def short_lines(self) -> list[ParcelLine]:
        return [line for line in self.lines if line.short > 0]


def parcel_lots(
    service: Organisation, template: ParcelTemplate, today: date, *, lock: bool = False
) -> list[Lot]:
    """The lots that may fill `template` today: its products', and those of the same
    categories that could stand in for a product short, first-expired first out.
    With `lock` (inside a distribution), one locking read in one order."""
    categories = {line.product.category for line in template.lines.all()}
    queryset = (
        Lot.objects.filter(
            service=service,
            on_hand__gt=0,
            product__category__in=categories,
            product__is_active=True,
        )
        .filter(Lot.in_date(today))
        .select_related("product")
        .only(*TAKE_COLUMNS, "product__name", "product__category", "product__unit")
        .order_by("product_id", F("best_before").asc(nulls_last=True), "id")
    )
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    return list(queryset)


def parcel_plan(template: ParcelTemplate, lots: list[Lot]) -> ParcelPlan:
    """The parcel `template` makes from `lots` (from `parcel_lots`).

    Each product is given up to what is in stock; a shortfall is made up with other
    products of the same category and unit (those reaching their date first), and what
    nothing covers is shown as short. Pure: the preview and the distribution agree."""
    available: dict[int, Decimal] = defaultdict(Decimal)
    earliest: dict[int, tuple[date, int]] = {}
    products: dict[int, Product] = {}
    for lot in lots:
        available[lot.product_id] += lot.on_hand
        products[lot.product_id] = lot.product
        key = (lot.best_before or date.max, lot.pk)
        earliest[lot.product_id] = min(earliest.get(lot.product_id, key), key)
    in_template = {line.product_id for line in template.lines.all()}
    stand_ins = sorted(
        (p for p in products.values() if p.pk not in in_template), key=lambda p: earliest[p.pk]
    )
    lines: list[ParcelLine] = []
    wanted: dict[int, Decimal] = defaultdict(Decimal)
    for line in template.lines.all():
        given = min(line.quantity, available[line.product_id])
        available[line.product_id] -= given
        missing = line.quantity - given
        substitutes: list[ParcelLine] = []
        for other in stand_ins:
            if missing <= 0:
                break
            if other.category != line.product.category or other.unit != line.product.unit:
                continue
            taken = min(missing, available[other.pk])
            if taken > 0:
                available[other.pk] -= taken
                missing -= taken
                wanted[other.pk] += taken
                substitutes.append(ParcelLine(other, taken, substitutes=line.product))
        if given > 0 or missing > 0:
            lines.append(ParcelLine(line.product, given, short=missing))
            wanted[line.product_id] += given
        lines.extend(substitutes)
    takes = plan_takes(lots, {p: q for p, q in wanted.items() if q > 0}, prices={})
    return ParcelPlan(template, tuple(lines), takes)


def distribution_for_visit(visit: Visit) -> Distribution | None:
    return Distribution.objects.filter(visit=visit, corrects__isnull=True).first()


def distributions_of_day(service: Organisation, day: date) -> list[Distribution]:
    """The day's distributions at `service` (with their corrections), latest first."""
    return list(
        Distribution.objects.filter(
            service=service,
            at__gte=local_midnight(day),
            at__lt=local_midnight(day + timedelta(days=1)),
            corrects__isnull=True,
        )
        .prefetch_related("lines__product", "corrections__lines")
        .order_by("-at", "-id")
    )
