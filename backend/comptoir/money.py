"""Euros written the way the reader's language writes them: 12,50 € or € 12,50."""

from decimal import Decimal

from babel.numbers import format_currency
from django.utils import translation

BABEL_LOCALES = {"fr": "fr_BE", "nl": "nl_BE", "en": "en_IE"}


def euros(value: Decimal | float | int) -> str:
    """An amount in euros in the active language."""
    locale = BABEL_LOCALES.get((translation.get_language() or "fr")[:2], "fr_BE")
    return format_currency(Decimal(str(value)), "EUR", locale=locale)
