"""What food aid reads: the parcel for a household's size, as the stock allows it today."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, F, Q, Sum

from comptoir.dates import local_midnight
from counter.models import Visit
from foodaid.models import Distribution, ParcelTemplate
from network.models import Organisation
from stock.models import Lot, Product
from stock.selectors import TAKE_COLUMNS, StockRow, stock_products
from stock.takes import Plan, plan_takes

# The manager's page counts complete parcels up to this many (a few plans, whatever the stock).
PARCELS_COUNTED_MAX = 999


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


def parcel_template_get(service: Organisation, template_id: int) -> ParcelTemplate | None:
    """One of the service's templates, with its lines and products; None for any other."""
    return (
        ParcelTemplate.objects.filter(service=service, pk=template_id)
        .prefetch_related("lines__product")
        .first()
    )


def parcel_products(service: Organisation, today: date) -> list[StockRow]:
    """The catalogue a manager picks a parcel's products from: the products offered, by
    category and name, with what `service` holds of each in date today."""
    return [row for row in stock_products(service, today, limit=5000) if row.product.is_active]


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


def parcel_plan(template: ParcelTemplate, lots: list[Lot], *, times: int = 1) -> ParcelPlan:
    """The parcel `template` makes from `lots` (from `parcel_lots`), or `times` parcels
    at once (the manager's count of what the stock allows).

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
        quantity = line.quantity * times
        given = min(quantity, available[line.product_id])
        available[line.product_id] -= given
        missing = quantity - given
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


@dataclass(frozen=True)
class ParcelCapacity:
    """What today's stock allows of a template."""

    template: ParcelTemplate
    # Complete parcels the stock makes, up to PARCELS_COUNTED_MAX.
    parcels: int
    # What the next parcel would lack: the template's products short, with how much.
    short: tuple[ParcelLine, ...]

    @property
    def at_most(self) -> bool:
        return self.parcels >= PARCELS_COUNTED_MAX


def parcel_capacity(template: ParcelTemplate, lots: list[Lot]) -> ParcelCapacity:
    """How many complete parcels `template` makes from `lots` (from `parcel_lots`), and what
    the one after would lack. Doubles, then halves, the number of parcels planned at once:
    about twenty plans at most, whatever the stock."""
    done, trying = 0, 1
    plan = parcel_plan(template, lots, times=trying)
    while not plan.short_lines:
        done = trying
        if done >= PARCELS_COUNTED_MAX:
            return ParcelCapacity(template, PARCELS_COUNTED_MAX, ())
        trying = min(trying * 2, PARCELS_COUNTED_MAX)
        plan = parcel_plan(template, lots, times=trying)
    while trying - done > 1:
        middle = (done + trying) // 2
        middle_plan = parcel_plan(template, lots, times=middle)
        if middle_plan.short_lines:
            trying, plan = middle, middle_plan
        else:
            done = middle
    return ParcelCapacity(template, done, tuple(plan.short_lines))


def parcel_capacities(service: Organisation, today: date) -> list[ParcelCapacity]:
    """Each template of `service`, smallest households first, with what today's stock
    allows of it (one query for the templates, one for each template's lots)."""
    return [
        parcel_capacity(template, parcel_lots(service, template, today))
        for template in parcel_templates(service)
    ]


def parcel_visit(service: Organisation, visit_id: int) -> Visit | None:
    """An accepted visit at `service` that a parcel may follow, with its household; None
    for any other (refused, unknown, another counter's)."""
    return (
        Visit.objects.filter(pk=visit_id, service=service, accepted=True, access_pass__isnull=False)
        .select_related("access_pass__household")
        .first()
    )


def distribution_for_counter(service: Organisation, distribution_id: int) -> Distribution | None:
    """A distribution of `service` (a parcel or a correction), with its lines and products."""
    return (
        Distribution.objects.filter(pk=distribution_id, service=service)
        .select_related("template")
        .prefetch_related("lines__product", "lines__substitutes", "corrections")
        .first()
    )


def distribution_for_visit(visit: Visit) -> Distribution | None:
    return Distribution.objects.filter(visit=visit, corrects__isnull=True).first()


def distributions_of_day(service: Organisation, day: date) -> list[Distribution]:
    """The day's parcels at `service` (with their corrections and the household's first
    name), latest first."""
    return list(
        Distribution.objects.filter(
            service=service,
            at__gte=local_midnight(day),
            at__lt=local_midnight(day + timedelta(days=1)),
            corrects__isnull=True,
        )
        .select_related("access_pass__household")
        .prefetch_related("lines__product", "corrections__lines")
        .order_by("-at", "-id")
    )


@dataclass(frozen=True)
class ParcelsDay:
    # Parcels given (a correction, even of a whole parcel, is not one less given).
    parcels: int
    # Their value at market prices, corrections deducted.
    market_total: Decimal


def parcels_day(service: Organisation, day: date) -> ParcelsDay:
    """How many parcels `service` gave on `day`, and what they were worth (one query)."""
    figures = Distribution.objects.filter(
        service=service,
        at__gte=local_midnight(day),
        at__lt=local_midnight(day + timedelta(days=1)),
    ).aggregate(
        parcels=Count("pk", filter=Q(corrects__isnull=True)),
        market_total=Sum("market_total"),
    )
    return ParcelsDay(figures["parcels"], figures["market_total"] or Decimal(0))
