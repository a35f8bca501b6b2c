from datetime import date, datetime, time

from dateutil.rrule import rruleset, rrulestr
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from network.models import Organisation


class OpeningRule(models.Model):
    """A recurring session of a counter, as RFC 5545 rules and a time range.

    "Thursday 14:00–16:00" is `FREQ=WEEKLY;BYDAY=TH` from 14:00 to 16:00, in the
    counter's local time (Europe/Brussels). "The 1st and 3rd Thursdays" is
    `FREQ=MONTHLY;BYDAY=1TH,3TH`. Exceptions are more lines, as in an iCalendar
    event: "Wednesdays, but not the 5th" is `RRULE:FREQ=WEEKLY;BYDAY=WE` then
    `EXRULE:FREQ=MONTHLY;BYDAY=5WE`. dateutil reads them; nothing here counts
    weeks by hand.
    """

    service = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="opening_rules",
        limit_choices_to={"kind": Organisation.Kind.SERVICE},
        verbose_name=_("service collectif"),
    )
    recurrence = models.TextField(
        _("récurrence (RRULE)"),
        max_length=500,
        help_text=_(
            "Règle RFC 5545, par exemple FREQ=WEEKLY;BYDAY=TH ; une ligne EXRULE: ou EXDATE: "
            "par exception."
        ),
    )
    starts_at = models.TimeField(_("début"))
    ends_at = models.TimeField(_("fin"))
    by_appointment = models.BooleanField(_("sur rendez-vous"), default=False)
    closes_on_public_holidays = models.BooleanField(_("fermé les jours fériés"), default=True)
    valid_from = models.DateField(_("valable à partir du"), default=date(2024, 1, 1))

    class Meta:
        verbose_name = _("permanence")
        verbose_name_plural = _("permanences")
        ordering = ["service", "starts_at"]
        constraints = [
            models.CheckConstraint(
                name="opening_rule_ends_after_start", condition=Q(ends_at__gt=models.F("starts_at"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.recurrence} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"

    def clean(self) -> None:
        try:
            self.rule()
        except (ValueError, TypeError) as exc:
            raise ValidationError(
                {"recurrence": _("Cette règle de récurrence n'est pas valide.")}
            ) from exc

    def rule(self) -> rruleset:
        start = datetime.combine(self.valid_from, time(0, 0))
        return rrulestr(self.recurrence.strip(), dtstart=start, forceset=True)


class Closure(models.Model):
    """Days a counter is closed outside public holidays: a single day or a period."""

    service = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="closures",
        limit_choices_to={"kind": Organisation.Kind.SERVICE},
        verbose_name=_("service collectif"),
    )
    starts_on = models.DateField(_("du"))
    ends_on = models.DateField(_("au (inclus)"))
    reason = models.CharField(_("motif affiché"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("fermeture")
        verbose_name_plural = _("fermetures")
        ordering = ["service", "starts_on"]
        constraints = [
            models.CheckConstraint(
                name="closure_ends_after_start", condition=Q(ends_on__gte=models.F("starts_on"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.starts_on} – {self.ends_on} {self.reason}"
