"""Showing a month's figures: each in its unit, with its label."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format

from comptoir import money
from reports.indicators import ALL, Unit
from reports.selectors import Row

register = template.Library()


def figure_text(key: str, value: int | None) -> str:
    if value is None:
        return "–"
    unit = ALL[key].unit if key in ALL else Unit.COUNT
    if unit == Unit.CENTS:
        return money.euros(Decimal(value) / 100)
    if unit == Unit.GRAMS:
        return number_format(Decimal(value) / 1000, decimal_pos=1, force_grouping=True)
    return number_format(value, force_grouping=True)


@register.filter
def cell(row: Row, key: str) -> str:
    return figure_text(key, row.value(key))


@register.filter
def figure(value: int | None, key: str) -> str:
    return figure_text(key, value)


@register.filter
def label(key: str) -> str:
    return str(ALL[key].label) if key in ALL else key


@register.filter
def quota_use(row: Row) -> str:
    """Active passes as a share of the convention's quota."""
    if not row.value("quota"):
        return "–"
    share = 100 * row.value("passes_active") / row.value("quota")
    return f"{number_format(share, decimal_pos=0)} %"


@register.filter
def get(mapping: dict[object, int], key: object) -> int:
    return mapping.get(key, 0)


@register.filter
def reason_label(code: str) -> str:
    from reports.indicators import reason_labels

    return str(reason_labels().get(code, code))
