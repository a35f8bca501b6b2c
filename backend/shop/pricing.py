"""What a household pays in cash: the total rounded to the smallest coin in use."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

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
