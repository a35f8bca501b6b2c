"""Usage rules as a pass carries them: typed, frozen snapshots of a convention's rules.

A pass copies its convention's rules when it is issued or renewed (so an amended
convention changes only later passes). The copy is stored as JSON on the pass;
everything that reads it goes through `RuleSnapshot`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from babel.numbers import format_currency
from django.db import models
from django.utils.translation import get_language, gettext_lazy, ngettext, to_locale
from django.utils.translation import gettext as _


class RuleKind(models.TextChoices):
    VISITS = "visits", gettext_lazy("Passages")
    BUDGET = "budget", gettext_lazy("Budget d'achats")
    PARCELS = "parcels", gettext_lazy("Colis alimentaires")
    MEAL_TICKETS = "meal_tickets", gettext_lazy("Tickets-repas")
    USES = "uses", gettext_lazy("Utilisations (comptées seulement)")


class RulePeriod(models.TextChoices):
    DAY = "day", gettext_lazy("par jour")
    WEEK = "week", gettext_lazy("par semaine")
    FORTNIGHT = "fortnight", gettext_lazy("toutes les deux semaines")
    MONTH = "month", gettext_lazy("par mois")
    YEAR = "year", gettext_lazy("par an")


# Rules that count uses against a quantity (a budget is drawn down by sales instead).
COUNTED_KINDS = frozenset({RuleKind.VISITS, RuleKind.PARCELS, RuleKind.MEAL_TICKETS, RuleKind.USES})


@dataclass(frozen=True)
class RuleSnapshot:
    """One rule of a pass at one collective service (ids and numbers only)."""

    service_id: int
    kind: str
    period: str
    quantity: int | None = None
    budget_base_cents: int | None = None
    budget_per_extra_member_cents: int | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RuleSnapshot:
        return cls(
            service_id=int(data["service_id"]),
            kind=str(data["kind"]),
            period=str(data["period"]),
            quantity=data.get("quantity"),
            budget_base_cents=data.get("budget_base_cents"),
            budget_per_extra_member_cents=data.get("budget_per_extra_member_cents"),
        )

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def counted(self) -> bool:
        return self.kind in COUNTED_KINDS

    def quantity_for(self, household_size: int) -> int:
        """What a counted rule allows a household of this size per period: meals are
        granted per person, visits, parcels and uses per household."""
        per_household = self.quantity or 0
        if self.kind == RuleKind.MEAL_TICKETS:
            return per_household * max(household_size, 1)
        return per_household

    def budget_cents_for(self, household_size: int) -> int:
        """A budget rule for a household of this size, in cents."""
        extra = max(household_size - 1, 0) * (self.budget_per_extra_member_cents or 0)
        return (self.budget_base_cents or 0) + extra

    def describe(self) -> str:
        """The rule in plain words, in the active language: « 1 passage par semaine »."""
        period = RulePeriod(self.period).label
        locale = to_locale(get_language() or "fr")
        if self.kind == RuleKind.BUDGET:
            base = format_currency((self.budget_base_cents or 0) / 100, "EUR", locale=locale)
            extra = self.budget_per_extra_member_cents or 0
            if extra:
                more = format_currency(extra / 100, "EUR", locale=locale)
                return _("budget de %(base)s %(period)s, plus %(more)s par personne en plus") % {
                    "base": base,
                    "period": period,
                    "more": more,
                }
            return _("budget de %(base)s %(period)s") % {"base": base, "period": period}
        count = self.quantity or 0
        if self.kind == RuleKind.VISITS:
            text = ngettext("%(count)d passage", "%(count)d passages", count)
        elif self.kind == RuleKind.PARCELS:
            text = ngettext("%(count)d colis", "%(count)d colis", count)
        elif self.kind == RuleKind.MEAL_TICKETS:
            # Meals are granted per person: a household of three gets three times as many.
            text = ngettext("%(count)d repas par personne", "%(count)d repas par personne", count)
        else:
            text = ngettext("%(count)d utilisation", "%(count)d utilisations", count)
        return f"{text % {'count': count}} {period}"
