"""What a scan answers: the verdict, the allowances left, and their plain sentences.

Values only (frozen dataclasses and the words for them); deciding and recording
is `counter.services.visit_record`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from babel.numbers import format_currency
from django.utils import formats, timezone
from django.utils.translation import get_language, ngettext, to_locale
from django.utils.translation import gettext as _

from counter.models import Visit
from network.rules import RuleKind, RulePeriod
from passes.selectors import refusal_messages
from schedules.selectors import Session


def period_words() -> dict[str, str]:
    """« cette semaine », … in the active language (a function: translated when read)."""
    return {
        RulePeriod.DAY: _("aujourd'hui"),
        RulePeriod.WEEK: _("cette semaine"),
        RulePeriod.FORTNIGHT: _("sur 14 jours"),
        RulePeriod.MONTH: _("ce mois-ci"),
        RulePeriod.YEAR: _("cette année"),
    }


def day_words(day: date) -> str:
    return _day_in(day, get_language() or "fr")


def euros_words(cents: int) -> str:
    """« 12,50 € » in the active language."""
    return _euros_in(cents, to_locale(get_language() or "fr"))


# Kept: formatting a date or an amount costs more than the rest of a verdict's words.
@lru_cache(maxsize=1024)
def _day_in(day: date, language: str) -> str:
    return formats.date_format(day, "l j F")


@lru_cache(maxsize=4096)
def _euros_in(cents: int, locale: str) -> str:
    return format_currency(cents / 100, "EUR", locale=locale)


def period_window(period: str, today: date) -> tuple[date, date | None]:
    """(first day counted, first day of the next period) for a rule's period.

    Day, week (Monday), month and year are calendar periods; a fortnight is the last
    14 days, so « one parcel every two weeks » comes back 14 days after the last one.
    """
    if period == RulePeriod.DAY:
        return today, today + timedelta(days=1)
    if period == RulePeriod.WEEK:
        monday = today - timedelta(days=today.weekday())
        return monday, monday + timedelta(days=7)
    if period == RulePeriod.MONTH:
        first = today.replace(day=1)
        return first, (first + timedelta(days=32)).replace(day=1)
    if period == RulePeriod.YEAR:
        return today.replace(month=1, day=1), today.replace(year=today.year + 1, month=1, day=1)
    return today - timedelta(days=13), None


@dataclass(frozen=True)
class Allowance:
    """What a rule of the pass leaves at this counter after this scan."""

    kind: str
    period: str
    quantity: int | None = None
    used: int = 0
    budget_cents: int | None = None
    next_on: date | None = None
    # A budget drawn down by the amounts recorded at the counter (a convention that covers
    # culture tickets, a pharmacy or fuel): `used` is then in cents.
    amounts: bool = False

    @property
    def remaining(self) -> int | None:
        return None if self.quantity is None else max(self.quantity - self.used, 0)

    @property
    def amount_left_cents(self) -> int | None:
        """What an amounts budget has left, in cents (None for other rules)."""
        if not self.amounts or self.budget_cents is None:
            return None
        return max(self.budget_cents - self.used, 0)

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "period": self.period,
            "quantity": self.quantity,
            "used": self.used,
            "budget_cents": self.budget_cents,
            "next_on": self.next_on.isoformat() if self.next_on else None,
            "amounts": self.amounts,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Allowance:
        next_on = data.get("next_on")
        return cls(
            kind=data["kind"],
            period=data["period"],
            quantity=data.get("quantity"),
            used=data.get("used", 0),
            budget_cents=data.get("budget_cents"),
            next_on=date.fromisoformat(next_on) if next_on else None,
            amounts=data.get("amounts", False),
        )

    def describe(self) -> str:
        """« 0 passage restant cette semaine (1 par semaine) », in the active language."""
        if self.kind == RuleKind.BUDGET and self.amounts:
            left = self.amount_left_cents or 0
            values = {
                "left": euros_words(left),
                "cap": euros_words(self.budget_cents or 0),
                "period": period_words()[self.period],
            }
            if left == 0:
                text = _("Plafond atteint %(period)s (%(cap)s)") % values
                if self.next_on:
                    text += " · " + _("à nouveau le %(day)s") % {"day": day_words(self.next_on)}
                return text
            return _("%(left)s restants %(period)s (plafond %(cap)s)") % values
        if self.kind == RuleKind.BUDGET:
            amount = euros_words(self.budget_cents or 0)
            # The rule's amount: what sales left of it shows in the shop's basket.
            return _("Budget d'achats : %(amount)s %(period)s") % {
                "amount": amount,
                "period": RulePeriod(self.period).label,
            }
        remaining = self.remaining or 0
        if remaining == 0:
            none_left = {
                RuleKind.VISITS: _("Plus aucun passage"),
                RuleKind.PARCELS: _("Plus aucun colis"),
                RuleKind.MEAL_TICKETS: _("Plus aucun repas"),
                RuleKind.USES: _("Plus aucune utilisation"),
            }[RuleKind(self.kind)]
            text = f"{none_left} {period_words()[self.period]}"
            if self.next_on:
                text += " · " + _("à nouveau le %(day)s") % {"day": day_words(self.next_on)}
            return text
        labels = {
            RuleKind.VISITS: ngettext(
                "%(count)d passage restant", "%(count)d passages restants", remaining
            ),
            RuleKind.PARCELS: ngettext(
                "%(count)d colis restant", "%(count)d colis restants", remaining
            ),
            RuleKind.MEAL_TICKETS: ngettext(
                "%(count)d repas restant", "%(count)d repas restants", remaining
            ),
            RuleKind.USES: ngettext(
                "%(count)d utilisation restante", "%(count)d utilisations restantes", remaining
            ),
        }
        text = labels[RuleKind(self.kind)] % {"count": remaining}
        return f"{text} {period_words()[self.period]}"


def counter_refusal_messages() -> dict[str, str]:
    """Sentences for the counter's own refusals; %(…)s parts are filled by `Verdict.message`."""
    return {
        "not_valid_here": _("Cet accès-pass ne donne pas accès à ce comptoir."),
        "counter_closed": _("Le comptoir est fermé maintenant."),
        "counter_closed_next": _(
            "Le comptoir est fermé maintenant. Prochaine permanence : %(day)s à %(time)s."
        ),
        "appointment_required": _(
            "Cette permanence est sur rendez-vous et ce ménage n'en a pas aujourd'hui."
        ),
        "already_served": _("Déjà servi %(period)s : prochain passage le %(day)s."),
        "already_served_now": _("Cette carte a déjà été acceptée ici à %(time)s."),
        "quota_used_up": _(
            "Quota épuisé : %(quota)s déjà utilisés %(period)s ; à nouveau le %(day)s."
        ),
        "parcel_already_given": _("Colis déjà donné %(period)s : prochain colis le %(day)s."),
        "no_meals_left": _("Plus aucun repas %(period)s : à nouveau le %(day)s."),
        "not_enough_meals": _(
            "Il ne reste que %(left)s repas %(period)s : servez-en %(left)s au plus."
        ),
        "cap_reached": _("Plafond atteint %(period)s : à nouveau le %(day)s."),
        "voucher_used": _("Bon déjà utilisé le %(day)s à %(time)s, à %(service)s."),
        "voucher_other_service": _("Ce bon est pour %(service)s, pas pour ce comptoir."),
        "voucher_one_meal": _("Un ticket-repas vaut un repas : scannez un ticket par repas."),
        "amount_above_cap": _(
            "Il ne reste que %(left)s %(period)s : ce montant dépasse le plafond."
        ),
        # Decided by a tablet without the server (see counter.offline).
        "offline_unknown": _(
            "Carte absente de la liste du jour de ce comptoir : elle ne peut être vérifiée "
            "que quand la connexion revient."
        ),
        "offline_no_list": _(
            "Pas de liste du jour sur cette tablette : ouvrez la page du comptoir en ligne "
            "une fois aujourd'hui."
        ),
        "offline_voucher": _("Un bon se vérifie seulement en ligne : réessayez à la connexion."),
        "offline_refused": _("Refusé par la tablette hors ligne."),
    }


@dataclass(frozen=True)
class VoucherSeen:
    """The voucher a scan read: what it is for, and where it was already used."""

    kind: str
    covers: str
    valid_until: date
    service_name: str
    used_at: datetime | None = None
    used_where: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "covers": self.covers,
            "valid_until": self.valid_until.isoformat(),
            "service_name": self.service_name,
            "used_at": self.used_at.isoformat() if self.used_at else None,
            "used_where": self.used_where,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VoucherSeen:
        used_at = data.get("used_at")
        return cls(
            kind=data["kind"],
            covers=data.get("covers", ""),
            valid_until=date.fromisoformat(data["valid_until"]),
            service_name=data.get("service_name", ""),
            used_at=datetime.fromisoformat(used_at) if used_at else None,
            used_where=data.get("used_where", ""),
        )

    def describe(self) -> str:
        """« Bon d'orientation : vêtements d'hiver pour 3 personnes », « Ticket-repas : 1 repas »."""
        if self.kind == "meal":
            return _("Ticket-repas : 1 repas")
        return _("Bon d'orientation : %(covers)s") % {"covers": self.covers}


# Refusals that name the rule used up (`Verdict.exhausted`) and when it comes back.
EXHAUSTED_REASONS = frozenset(
    {"already_served", "quota_used_up", "parcel_already_given", "no_meals_left", "cap_reached"}
)


@dataclass(frozen=True)
class Verdict:
    """The answer to one scan, as the volunteer and the device see it."""

    visit: Visit
    first_name: str = ""
    household_size: int | None = None
    allowances: tuple[Allowance, ...] = ()
    next_session: Session | None = None
    # For the refusals of EXHAUSTED_REASONS, `not_enough_meals` and `amount_above_cap`:
    # the rule used up.
    exhausted: Allowance | None = None
    last_accepted_at: datetime | None = None
    replayed: bool = False
    # When a voucher was scanned instead of a card.
    voucher: VoucherSeen | None = None

    @property
    def accepted(self) -> bool:
        return self.visit.accepted

    @property
    def reason(self) -> str:
        return self.visit.reason

    def answer_json(self) -> dict[str, Any]:
        """What the visit keeps of this verdict, so that a retried request gets it whole.

        Not the first name: it stays on the household's record alone (a retry reads it
        there, as the first answer did)."""
        return {
            "household_size": self.household_size,
            "allowances": [a.as_json() for a in self.allowances],
            "exhausted": self.exhausted.as_json() if self.exhausted else None,
            "last_accepted_at": self.last_accepted_at.isoformat()
            if self.last_accepted_at
            else None,
            "next_session": {
                "starts": self.next_session.starts.isoformat(),
                "ends": self.next_session.ends.isoformat(),
                "by_appointment": self.next_session.by_appointment,
            }
            if self.next_session
            else None,
            "voucher": self.voucher.as_json() if self.voucher else None,
        }

    @property
    def message(self) -> str:
        """The one plain sentence a volunteer reads, in the active language."""
        reason = self.visit.reason
        if not reason:
            return _("Accès accepté.")
        counter = counter_refusal_messages()
        if reason == "counter_closed" and self.next_session:
            local = timezone.localtime(self.next_session.starts)
            return counter["counter_closed_next"] % {
                "day": day_words(local.date()),
                "time": formats.time_format(local.time(), "H:i"),
            }
        if reason == "voucher_used" and self.voucher and self.voucher.used_at:
            local = timezone.localtime(self.voucher.used_at)
            return counter["voucher_used"] % {
                "day": day_words(local.date()),
                "time": formats.time_format(local.time(), "H:i"),
                "service": self.voucher.used_where,
            }
        if reason == "voucher_other_service" and self.voucher:
            return counter["voucher_other_service"] % {"service": self.voucher.service_name}
        if reason == "amount_above_cap" and self.exhausted is not None:
            return counter[reason] % {
                "left": euros_words(self.exhausted.amount_left_cents or 0),
                "period": period_words()[self.exhausted.period],
            }
        if reason == "not_enough_meals" and self.exhausted is not None:
            return counter[reason] % {
                "left": self.exhausted.remaining,
                "period": period_words()[self.exhausted.period],
            }
        if reason in EXHAUSTED_REASONS:
            rule = self.exhausted
            if rule is None or rule.next_on is None:
                local = timezone.localtime(self.last_accepted_at or self.visit.at)
                return counter["already_served_now"] % {
                    "time": formats.time_format(local.time(), "H:i")
                }
            values = {"period": period_words()[rule.period], "day": day_words(rule.next_on)}
            if reason == "quota_used_up":
                values["quota"] = str(rule.quantity)
            return counter[reason] % values
        return counter.get(reason) or refusal_messages()[reason]
