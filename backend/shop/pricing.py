"""The arithmetic of a basket: which lots it takes, what it costs, what is paid in cash.

Pure values and functions, shared by the basket's quote (read as the volunteer
builds it) and the checkout (the same plan on the locked lots), so that the
screen and the receipt always agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from shop.models import CENT, Lot, Product, ServicePrice

# Cash totals are rounded to the smallest coin in use where a country says so:
# Belgium rounds cash payments to the nearest 5 cents (law of 19 December 2019);
# card payments, and France, keep the cent.
CASH_ROUNDING: dict[str, Decimal] = {"BE": Decimal("0.05")}


def cash_round(amount: Decimal, country: str) -> Decimal:
    """`amount` as paid in cash in `country` (0.02 → 0.00, 0.03 → 0.05 in Belgium)."""
    step = CASH_ROUNDING.get(country)
    if step is None:
        return amount
    sign = -1 if amount < 0 else 1
    return sign * (abs(amount) / step).quantize(Decimal(1), ROUND_HALF_UP) * step


@dataclass(frozen=True)
class Take:
    """A quantity of one lot, at the prices it leaves at."""

    lot: Lot
    quantity: Decimal
    unit_price: Decimal
    market_unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(CENT, ROUND_HALF_UP)

    @property
    def market_value(self) -> Decimal:
        return (self.quantity * self.market_unit_price).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class Plan:
    """The lots a basket takes, first-expired first out, and what is short."""

    takes: tuple[Take, ...]
    # product id → (quantity wanted, quantity available)
    short: Mapping[int, tuple[Decimal, Decimal]]

    @property
    def amount_due(self) -> Decimal:
        return sum((t.amount for t in self.takes), Decimal(0))

    @property
    def market_total(self) -> Decimal:
        return sum((t.market_value for t in self.takes), Decimal(0))


def lot_unit_price(lot: Lot, product: Product, price: ServicePrice) -> Decimal:
    """What one unit of `lot` costs a household: the lot's own price, else the service's."""
    if lot.household_price is not None:
        return lot.household_price
    return price.unit_price(product.market_price)


def plan_takes(
    lots: Iterable[Lot],
    wanted: Mapping[int, Decimal],
    prices: Mapping[int, ServicePrice],
) -> Plan:
    """Take `wanted` (product id → quantity) from `lots`, given in first-expired-first-out
    order, priced with `prices` (product id → the service's price). Each lot must have
    its `product` loaded."""
    left = dict(wanted)
    takes: list[Take] = []
    for lot in lots:
        need = left.get(lot.product_id, Decimal(0))
        if need <= 0 or lot.on_hand <= 0:
            continue
        quantity = min(need, lot.on_hand)
        left[lot.product_id] = need - quantity
        product = lot.product
        takes.append(
            Take(
                lot=lot,
                quantity=quantity,
                unit_price=lot_unit_price(lot, product, prices[product.pk])
                if product.pk in prices
                else Decimal(0),
                market_unit_price=product.market_price,
            )
        )
    short = {
        product_id: (wanted[product_id], wanted[product_id] - need)
        for product_id, need in left.items()
        if need > 0
    }
    return Plan(tuple(takes), short)
