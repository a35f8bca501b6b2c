"""Euros and quantities written the way the reader's language writes them: 12,50 € or € 12,50."""

from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency
from django.utils import translation

BABEL_LOCALES = {"fr": "fr_BE", "nl": "nl_BE", "en": "en_IE"}


def euros(value: Decimal | float | int) -> str:
    """An amount in euros in the active language."""
    locale = BABEL_LOCALES.get((translation.get_language() or "fr")[:2], "fr_BE")
    return format_currency(Decimal(str(value)), "EUR", locale=locale)


def plain(number: Decimal) -> Decimal:
    """`number` without trailing zeros, never in exponent form: 10.000 → 10, 2.50 → 2.5."""
    if number == number.to_integral_value():
        return number.quantize(Decimal(1))
    return number.normalize()


def decimal_typed(text: str | None, default: str = "") -> Decimal | None:
    """A number as typed in a page ("2", "0,5", "7.50"); None when it is not one."""
    try:
        value = Decimal((text or default).strip().replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
