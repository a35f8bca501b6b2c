"""What the stock reads: lots first-expired first out, what is on hand, alerts, a product's history."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce

from network.models import Membership, Organisation, Role, User
from stock.models import Lot, Product, ServicePrice, StockMovement


def service_prices(service: Organisation, product_ids: list[int]) -> dict[int, ServicePrice]:
    """The service's prices of these products (a product missing is not sold there)."""
    return {
        price.product_id: price
        for price in ServicePrice.objects.filter(
            service=service, product_id__in=product_ids, product__is_active=True
        )
    }


# What planning a take reads of a lot and its product (`shop.pricing.plan_takes`).
TAKE_COLUMNS = ("product_id", "on_hand", "household_price", "best_before", "product__market_price")


def lots_fefo(
    service: Organisation, product_ids: Iterable[int], today: date, *, lock: bool = False
) -> list[Lot]:
    """The lots of these products at `service` still holding something and not past
    their date, first-expired first out (undated last), with their products.

    With `lock` (inside a transaction), one locking read in one order (product,
    date, id), so concurrent takes queue instead of overselling or deadlocking."""
    queryset = Lot.objects.filter(
        service=service, product_id__in=list(product_ids), on_hand__gt=0
    ).filter(Lot.in_date(today))
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    return list(
        queryset.select_related("product")
        .only(*TAKE_COLUMNS)
        .order_by("product_id", F("best_before").asc(nulls_last=True), "id")
    )


def lots_needed(
    service: Organisation, wanted: Mapping[int, Decimal], today: date, *, lock: bool = False
) -> list[Lot]:
    """First-expired first out, only the lots a take of `wanted` (product id → quantity)
    needs as the balances stand: a lot counts while the lots before it hold less than
    wanted (a running sum); when they all hold too little, all of them. One statement:
    the window picks the ids, the outer query reads (and with `lock`, locks) them.

    A concurrent take may empty a picked lot before the lock is granted: the caller
    then finds the plan short and locks every candidate (`lots_fefo(lock=True)`)."""
    if not wanted:
        return []
    before = Window(
        Sum("on_hand"),
        partition_by=[F("product_id")],
        order_by=[F("best_before").asc(nulls_last=True), F("id").asc()],
    ) - F("on_hand")
    wanted_here = Case(
        *[
            When(product_id=product_id, then=Value(quantity))
            for product_id, quantity in wanted.items()
        ],
        output_field=DecimalField(max_digits=12, decimal_places=3),
    )
    needed = (
        Lot.objects.filter(service=service, product_id__in=list(wanted), on_hand__gt=0)
        .filter(Lot.in_date(today))
        .annotate(before=before, wanted=wanted_here)
        .filter(before__lt=F("wanted"))
        .values("id")
    )
    lots = Lot.objects.filter(pk__in=needed)
    if lock:
        lots = lots.select_for_update(of=("self",))
    return list(
        lots.select_related("product")
        .only(*TAKE_COLUMNS)
        .order_by("product_id", F("best_before").asc(nulls_last=True), "id")
    )


@dataclass(frozen=True)
class ShortProduct:
    product: Product
    on_hand: Decimal


@dataclass(frozen=True)
class DatedLot:
    lot: Lot
    # The lot to put forward: the first of its product to leave (first-expired first out).
    first_out: bool


@dataclass(frozen=True)
class StockAlerts:
    under_minimum: list[ShortProduct]
    # Lots whose date comes within the alert's days, soonest first.
    reaching_date: list[DatedLot]
    # Lots past their date still counted on the shelves: to take off and record as waste.
    past_date: list[Lot]

    def __bool__(self) -> bool:
        return bool(self.under_minimum or self.reaching_date or self.past_date)


def stock_alerts(service: Organisation, today: date, days: int) -> StockAlerts:
    """What a manager must act on today (four queries)."""
    in_date = Lot.in_date(today)
    stock = (
        Lot.objects.filter(in_date, service=service, product=OuterRef("pk"), on_hand__gt=0)
        .order_by()
        .values("product")
        .annotate(total=Sum("on_hand"))
        .values("total")
    )
    short = (
        Product.objects.filter(is_active=True, minimum_stock__gt=0)
        .filter(
            Exists(ServicePrice.objects.filter(service=service, product=OuterRef("pk")))
            | Exists(Lot.objects.filter(service=service, product=OuterRef("pk")))
        )
        .annotate(stock=Coalesce(Subquery(stock), Decimal(0)))
        .filter(stock__lt=F("minimum_stock"))
        .order_by("category", "name")
    )
    held = Lot.objects.filter(service=service, on_hand__gt=0).select_related("product")
    soon = list(
        held.filter(best_before__gte=today, best_before__lte=today + timedelta(days=days)).order_by(
            "best_before", "product__name", "id"
        )
    )
    first_of_product: dict[int, int] = {}
    for lot in lots_fefo(service, {lot.product_id for lot in soon}, today):
        first_of_product.setdefault(lot.product_id, lot.pk)
    return StockAlerts(
        under_minimum=[ShortProduct(p, p.stock) for p in short],
        reaching_date=[
            DatedLot(lot, first_of_product.get(lot.product_id) == lot.pk) for lot in soon
        ],
        past_date=list(held.filter(best_before__lt=today).order_by("best_before", "id")),
    )


def alert_recipients() -> dict[Organisation, list[User]]:
    """Who gets each service's stock alerts by e-mail: its managers (an active role in an
    active collective service), active and with an e-mail address (one query)."""
    memberships = (
        Membership.objects.filter(
            role=Role.MANAGER,
            is_active=True,
            organisation__kind=Organisation.Kind.SERVICE,
            organisation__is_active=True,
            user__is_active=True,
        )
        .exclude(user__email="")
        .select_related("organisation", "user")
        .order_by("organisation__name", "organisation_id", "user__username")
    )
    recipients: dict[Organisation, list[User]] = {}
    for membership in memberships:
        recipients.setdefault(membership.organisation, []).append(membership.user)
    return recipients


def _in_date_stock(service: Organisation, today: date) -> Subquery:
    """Per product (an OuterRef), what its lots at `service` hold in date."""
    return Subquery(
        Lot.objects.filter(
            Lot.in_date(today),
            service=service,
            product=OuterRef("pk"),
            on_hand__gt=0,
        )
        .order_by()
        .values("product")
        .annotate(total=Sum("on_hand"))
        .values("total")
    )


@dataclass(frozen=True)
class StockRow:
    """A catalogue product as the manager of a service sees it."""

    product: Product
    stock: Decimal  # in date, at this service
    price: ServicePrice | None  # None: not sold here
    barcodes: tuple[str, ...]

    @property
    def under_minimum(self) -> bool:
        return self.product.minimum_stock > 0 and self.stock < self.product.minimum_stock


def stock_products(
    service: Organisation,
    today: date,
    *,
    query: str = "",
    category: str = "",
    product_id: int | None = None,
    limit: int = 300,
) -> list[StockRow]:
    """The catalogue with each product's stock in date and price at `service`, filtered by a
    name or barcode typed, a category, or one product (three queries)."""
    products = Product.objects.annotate(stock=Coalesce(_in_date_stock(service, today), Decimal(0)))
    if product_id is not None:
        products = products.filter(pk=product_id)
    query = " ".join(query.split())
    if query.isdigit():
        products = products.filter(barcodes__code__startswith=query)
    elif query:
        products = products.filter(name__icontains=query)
    if category:
        products = products.filter(category=category)
    found = list(
        products.prefetch_related("barcodes").order_by("category", "name").distinct()[:limit]
    )
    prices = service_prices(service, [p.pk for p in found])
    return [
        StockRow(
            product,
            product.stock,
            prices.get(product.pk),
            tuple(b.code for b in product.barcodes.all()),
        )
        for product in found
    ]


def product_lots(service: Organisation, product: Product) -> list[Lot]:
    """A product's lots at `service` that still hold something, first out first."""
    return list(
        Lot.objects.filter(service=service, product=product, on_hand__gt=0)
        .select_related("receipt")
        .order_by(F("best_before").asc(nulls_last=True), "id")
    )


def product_movements(
    service: Organisation, product: Product, limit: int = 30
) -> list[StockMovement]:
    return list(
        StockMovement.objects.filter(lot__service=service, lot__product=product)
        .select_related("actor", "lot")
        .order_by("-at", "-id")[:limit]
    )
