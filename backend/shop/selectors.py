"""What the shop reads: a household's budget, a basket's quote, the products on offer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
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
from django.utils import timezone

from comptoir.dates import local_midnight
from counter.models import Visit
from counter.verdict import period_window
from network.models import Organisation
from network.rules import RuleKind
from passes.models import AccessPass
from shop.models import (
    Basket,
    BasketLine,
    Lot,
    Product,
    Sale,
    SaleLine,
    ServicePrice,
    StockMovement,
)
from shop.pricing import Plan, cash_round, plan_takes


@dataclass(frozen=True)
class Budget:
    """A household's purchase budget at a shop for the period, and what sales drew."""

    period: str
    total: Decimal
    used: Decimal

    @property
    def left(self) -> Decimal:
        return max(self.total - self.used, Decimal(0))


def household_size_at(visit: Visit) -> int:
    """The household's size as the scan counted it (kept on the visit's answer)."""
    size = visit.answer.get("household_size") if visit.answer else None
    return int(size) if size else 1


def budget_for(
    access_pass: AccessPass, service: Organisation, household_size: int, moment: datetime
) -> Budget | None:
    """The pass's budget rule at `service` scaled by household size, drawn down by the
    sales (less their corrections) since the period began; None when there is no
    budget rule (nothing limits the basket then). One aggregate query."""
    rule = next(
        (r for r in access_pass.rule_snapshots(service.pk) if r.kind == RuleKind.BUDGET), None
    )
    if rule is None:
        return None
    start = local_midnight(period_window(rule.period, timezone.localdate(moment))[0])
    used = Sale.objects.filter(access_pass=access_pass, service=service, at__gte=start).aggregate(
        used=Sum("amount_due")
    )["used"] or Decimal(0)
    total = Decimal(rule.budget_cents_for(household_size)) / 100
    return Budget(rule.period, total, used)


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
class QuoteLine:
    product: Product
    quantity: Decimal
    amount: Decimal
    market_value: Decimal
    # Part of it comes from EU food aid (free) or a lot with its own price.
    mixed_prices: bool

    @property
    def aid(self) -> Decimal:
        return self.market_value - self.amount

    @property
    def one_less(self) -> Decimal:
        return max(self.quantity - 1, Decimal(0))

    @property
    def one_more(self) -> Decimal:
        return self.quantity + 1


@dataclass(frozen=True)
class Quote:
    """A basket priced on the stock as it is now: what the screen shows."""

    lines: tuple[QuoteLine, ...]
    market_total: Decimal
    amount_due: Decimal
    cash_amount: Decimal
    budget: Budget | None
    short: Mapping[int, tuple[Decimal, Decimal]]
    # Products of the basket the service does not sell (any longer).
    not_sold: frozenset[int] = frozenset()
    basket: Basket | None = None

    @property
    def aid(self) -> Decimal:
        return self.market_total - self.amount_due

    @property
    def budget_left_after(self) -> Decimal | None:
        if self.budget is None:
            return None
        return self.budget.total - self.budget.used - self.amount_due

    @property
    def over_budget(self) -> bool:
        left = self.budget_left_after
        return left is not None and left < 0


def quote_lines(
    plan: Plan, wanted: Mapping[int, Decimal], products: Mapping[int, Product]
) -> tuple[QuoteLine, ...]:
    """Group a plan's takes by product, in the order of `wanted`."""
    lines = []
    for product_id, quantity in wanted.items():
        takes = [t for t in plan.takes if t.lot.product_id == product_id]
        prices = {t.unit_price for t in takes}
        lines.append(
            QuoteLine(
                product=products[product_id],
                quantity=quantity,
                amount=sum((t.amount for t in takes), Decimal(0)),
                market_value=sum((t.market_value for t in takes), Decimal(0)),
                mixed_prices=len(prices) > 1,
            )
        )
    return tuple(lines)


def basket_quote(basket: Basket, moment: datetime | None = None) -> Quote:
    """The basket priced on the lots that would leave now (four queries; only the lots
    a take would use are read)."""
    moment = moment or timezone.now()
    lines = list(BasketLine.objects.filter(basket=basket).select_related("product"))
    wanted = {line.product_id: line.quantity for line in lines}
    products = {line.product_id: line.product for line in lines}
    ids = list(wanted)
    prices = service_prices(basket.service, ids)
    plan = plan_takes(
        lots_needed(basket.service, wanted, timezone.localdate(moment)), wanted, prices
    )
    visit = basket.visit
    assert visit.access_pass is not None
    budget = budget_for(visit.access_pass, basket.service, household_size_at(visit), moment)
    return Quote(
        lines=quote_lines(plan, wanted, products),
        market_total=plan.market_total,
        amount_due=plan.amount_due,
        cash_amount=cash_round(plan.amount_due, basket.service.country),
        budget=budget,
        short=plan.short,
        not_sold=frozenset(wanted) - frozenset(prices),
        basket=basket,
    )


def sale_of_basket(basket: Basket) -> Sale | None:
    return Sale.objects.filter(basket=basket).first()


def sales_of_day(service: Organisation, day: date) -> list[Sale]:
    start = local_midnight(day)
    end = local_midnight(date.fromordinal(day.toordinal() + 1))
    return list(
        Sale.objects.filter(service=service, at__gte=start, at__lt=end)
        .select_related("access_pass__household", "sold_by", "corrects")
        .order_by("-at", "-id")
    )


@dataclass(frozen=True)
class OfferItem:
    """A product on sale at a service now: its price there and what is on the shelves."""

    product: Product
    unit_price: Decimal
    available: Decimal


def shop_offer(service: Organisation, today: date) -> dict[str, list[OfferItem]]:
    """The products sold at `service` with stock that may leave today, by category label
    (two queries)."""
    on_hand = dict(
        Lot.objects.filter(service=service, on_hand__gt=0)
        .filter(Lot.in_date(today))
        .values("product_id")
        .annotate(total=Sum("on_hand"))
        .values_list("product_id", "total")
    )
    offer: dict[str, list[OfferItem]] = {}
    prices = (
        ServicePrice.objects.filter(service=service, product__is_active=True)
        .select_related("product")
        .order_by("product__category", "product__name")
    )
    for price in prices:
        available = on_hand.get(price.product_id)
        if available:
            product = price.product
            offer.setdefault(product.get_category_display(), []).append(
                OfferItem(product, price.unit_price(product.market_price), available)
            )
    return offer


def product_offer(service: Organisation, product: Product, today: date) -> OfferItem | None:
    """One product as `service` sells it today, or None when it is not sold there."""
    price = ServicePrice.objects.filter(
        service=service, product=product, product__is_active=True
    ).first()
    if price is None:
        return None
    available = sum((lot.on_hand for lot in lots_fefo(service, [product.pk], today)), Decimal(0))
    return OfferItem(product, price.unit_price(product.market_price), available)


def basket_for_counter(service: Organisation, basket_id: int) -> Basket | None:
    """A basket of this counter, with its visit, pass and household for the screen."""
    return (
        Basket.objects.select_related("visit__access_pass__household", "service")
        .filter(pk=basket_id, service=service)
        .first()
    )


def sale_for_counter(service: Organisation, sale_id: int) -> Sale | None:
    """A sale of this counter (not a correction), with what its receipt shows."""
    return (
        Sale.objects.select_related("access_pass__household", "service", "sold_by")
        .filter(pk=sale_id, service=service, corrects__isnull=True)
        .first()
    )


@dataclass(frozen=True)
class ReceiptLineView:
    product: Product
    quantity: Decimal
    amount: Decimal
    market_value: Decimal


def receipt_lines(sale: Sale) -> list[ReceiptLineView]:
    """A sale's lines by product (its lots merged), in the order they were sold."""
    merged: dict[int, ReceiptLineView] = {}
    for line in SaleLine.objects.filter(sale=sale).select_related("product"):
        seen = merged.get(line.product_id)
        merged[line.product_id] = ReceiptLineView(
            line.product,
            line.quantity + (seen.quantity if seen else 0),
            line.amount + (seen.amount if seen else 0),
            line.market_value + (seen.market_value if seen else 0),
        )
    return list(merged.values())


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
