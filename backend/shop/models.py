from datetime import date, datetime, time

from dateutil.rrule import rrulestr
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from network.models import Organisation


class OpeningRule(models.Model):
    """A recurring session of a counter, as an RFC 5545 rule and a time range.

    "Thursday 14:00–16:00" is `FREQ=WEEKLY;BYDAY=TH` from 14:00 to 16:00, in the
    counter's local time (Europe/Brussels).
    """

    service = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="opening_rules",
        limit_choices_to={"kind": Organisation.Kind.SERVICE},
        verbose_name=_("service collectif"),
    )
    recurrence = models.CharField(
        _("récurrence (RRULE)"),
        max_length=200,
        help_text=_("Règle RFC 5545, par exemple FREQ=WEEKLY;BYDAY=TH"),
    )
    starts_at = models.TimeField(_("début"))
    ends_at = models.TimeField(_("fin"))
    by_appointment = models.BooleanField(_("sur rendez-vous"), default=False)
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

    def rule(self):
        start = datetime.combine(self.valid_from, time(0, 0))
        return rrulestr(self.recurrence, dtstart=start)
