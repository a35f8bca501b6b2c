"""Sections added to a household's page (vouchers, appointments, later parcels).

The household page belongs to `passes`; what other apps know about a household
lives above it. They register a function here (in their AppConfig.ready) that
renders their section, so `passes` never imports them. `passes` registers its own
vouchers section the same way, so that the section and its htmx answers are one.
"""

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.safestring import SafeString

from passes.models import Household

HouseholdSection = Callable[[HttpRequest, Household], SafeString]

_sections: dict[str, HouseholdSection] = {}


def household_section_register(name: str, render: HouseholdSection) -> None:
    """Add (or replace) the section `name` at the bottom of every household page."""
    _sections[name] = render


def household_sections_render(
    request: HttpRequest, household: Household, replaced: dict[str, SafeString] | None = None
) -> list[SafeString]:
    """Every registered section, in registration order; `replaced` gives some already made."""
    replaced = replaced or {}
    return [replaced.get(name) or render(request, household) for name, render in _sections.items()]
