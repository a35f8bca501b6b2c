"""Which lots a take uses, first-expired first out, and what it is worth.

Pure values and functions, shared by a basket's quote and its checkout, and by a
parcel's preview and its distribution, so that the screen and the ledger agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from stock.models import CENT, Lot, Product, ServicePrice


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


def returns_plan(
    left: Mapping[tuple[int, int], tuple[Decimal, Decimal, Decimal]],
    returns: Mapping[int, Decimal],
) -> Plan:
    """Which lots take back `returns` (product id → quantity), from what a sale or a
    distribution left by (product, lot) → (quantity, unit price, market unit price): the
    last lot taken first (a correction of the last item)."""
    takes = []
    wanted = dict(returns)
    for (product_id, lot_id), (quantity, unit_price, market_unit_price) in sorted(
        left.items(), key=lambda item: item[0][1], reverse=True
    ):
        need = wanted.get(product_id, Decimal(0))
        if need <= 0 or quantity <= 0:
            continue
        back = min(need, quantity)
        wanted[product_id] = need - back
        takes.append(
            Take(
                lot=Lot(pk=lot_id, product_id=product_id),
                quantity=back,
                unit_price=unit_price,
                market_unit_price=market_unit_price,
            )
        )
    return Plan(tuple(takes), {})
