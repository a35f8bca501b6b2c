from datetime import timedelta
from decimal import Decimal

from django import template
from django.utils.translation import ngettext

from comptoir import money

register = template.Library()


@register.filter
def euros(value: Decimal | float | None) -> str:
    """An amount in euros, written the way the reader's language writes it."""
    if value is None or value == "":
        return ""
    return money.euros(value)


@register.filter
def quantity(value: Decimal | None) -> str:
    """A quantity without trailing zeros: 3, 0,5, 1,25 (in the reader's language)."""
    if value is None or value == "":
        return ""
    from django.utils import formats

    return formats.number_format(money.plain(Decimal(value)))


APP_NAME = "Comptoir"


@register.filter(is_safe=True)
def page_title(value: str) -> str:
    """A page's own title followed by the app's name, once: « Ménages · Comptoir »;
    the app's name alone for a page without a title of its own."""
    title = " ".join(str(value).split())
    if not title or title == APP_NAME or title.endswith(f"· {APP_NAME}"):
        return title or APP_NAME
    return f"{title} · {APP_NAME}"


@register.filter
def duration(value: timedelta) -> str:
    """A lock-out or delay as words: "15 minutes", "1 heure"."""
    minutes = max(1, round(value.total_seconds() / 60))
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(count)d heure", "%(count)d heures", hours) % {"count": hours}
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


@register.filter
def isodate(value: str) -> str:
    """A date kept as ISO text (in a history's details) shown the reader's way."""
    from datetime import date

    from django.utils import formats

    try:
        return formats.date_format(date.fromisoformat(value), "SHORT_DATE_FORMAT")
    except (TypeError, ValueError):
        return value or ""
