"""What the shop reads: a household's budget, a basket's quote, the products on offer, sales."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import (
    Sum,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.dates import local_midnight
from counter.models import Visit
from counter.selectors import household_size_at
from counter.verdict import euros_words, period_window
from network.models import Organisation
from network.rules import RuleKind
from passes.models import AccessPass
from shop.models import Basket, BasketLine, Sale, SaleLine
from shop.pricing import cash_round
from stock.models import Lot, Product, ServicePrice
from stock.selectors import lots_fefo, lots_needed, service_prices
from stock.takes import Plan, plan_takes


@dataclass(frozen=True)
class Budget:
    """A household's purchase budget at a shop for the period, and what sales drew."""

    period: str
    total: Decimal
    used: Decimal

    @property
    def left(self) -> Decimal:
        return max(self.total - self.used, Decimal(0))


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


def sales_said(visits: list[Visit]) -> dict[int, str]:
    """« Achats : 12,40 € payés, aide 28,10 € » for each visit with a sale (corrections
    deducted), for the household's « ce qu'il a reçu » list."""
    rows = (
        Sale.objects.filter(visit__in=[v.pk for v in visits])
        .values("visit_id")
        .annotate(paid=Sum("amount_paid"), market=Sum("market_total"), due=Sum("amount_due"))
    )
    return {
        row["visit_id"]: _("Achats : %(paid)s payés, aide %(aid)s")
        % {
            "paid": euros_words(int(row["paid"] * 100)),
            "aid": euros_words(int((row["market"] - row["due"]) * 100)),
        }
        for row in rows
    }
