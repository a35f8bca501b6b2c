from datetime import date, datetime, time

from dateutil.rrule import rruleset, rrulestr
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from network.models import Organisation
from schedules.recurrence import (
    RulePattern,
    pattern_describe,
    pattern_exception_describe,
    recurrence_read,
)


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
    slot_minutes = models.PositiveSmallIntegerField(
        _("durée d'un créneau (minutes)"),
        default=15,
        help_text=_("Pour une permanence sur rendez-vous."),
    )
    slot_capacity = models.PositiveSmallIntegerField(
        _("ménages par créneau"),
        default=1,
        help_text=_("Pour une permanence sur rendez-vous."),
    )
    closes_on_public_holidays = models.BooleanField(_("fermé les jours fériés"), default=True)
    valid_from = models.DateField(_("valable à partir du"), default=date(2024, 1, 1))

    class Meta:
        verbose_name = _("permanence")
        verbose_name_plural = _("permanences")
        ordering = ["service", "starts_at"]
        constraints = [
            models.CheckConstraint(
                name="opening_rule_ends_after_start", condition=Q(ends_at__gt=models.F("starts_at"))
            ),
            models.CheckConstraint(
                name="opening_rule_slot_positive",
                condition=Q(slot_minutes__gte=5, slot_capacity__gte=1),
            ),
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

    def pattern(self) -> RulePattern | None:
        """The rule as the opening-hours form shows it; None if only the admin can edit it."""
        return recurrence_read(self.recurrence)

    def describe(self) -> str:
        """The session in plain words, in the active language:
        « Le 1er et le 3e jeudi du mois, 14:00–17:30 ». A rule the form cannot
        express is named by its hours only; the page shows its text beside."""
        pattern = self.pattern()
        days = pattern_describe(pattern) if pattern else gettext("selon une règle avancée")
        parts = [days, f"{self.starts_at:%H:%M}–{self.ends_at:%H:%M}"]
        if pattern and pattern.except_week is not None:
            parts.append(pattern_exception_describe(pattern))
        if self.by_appointment:
            per_slot = ngettext(
                "%(count)d ménage par créneau", "%(count)d ménages par créneau", self.slot_capacity
            ) % {"count": self.slot_capacity}
            parts.append(
                gettext("sur rendez-vous (créneaux de %(minutes)d min, %(per_slot)s)")
                % {"minutes": self.slot_minutes, "per_slot": per_slot}
            )
        if not self.closes_on_public_holidays:
            parts.append(gettext("ouvert les jours fériés"))
        text = ", ".join(parts)
        return text[:1].upper() + text[1:]


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


class Appointment(models.Model):
    """A household booked into one slot of a by-appointment session of a counter."""

    service = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="appointments",
        limit_choices_to={"kind": Organisation.Kind.SERVICE},
        verbose_name=_("service collectif"),
    )
    household = models.ForeignKey(
        "passes.Household",
        on_delete=models.CASCADE,
        related_name="appointments",
        verbose_name=_("ménage"),
    )
    starts_at = models.DateTimeField(_("créneau"))
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    booked_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(_("annulé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("rendez-vous")
        verbose_name_plural = _("rendez-vous")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["service", "starts_at"], name="appointment_day_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "household", "starts_at"],
                condition=Q(cancelled_at__isnull=True),
                name="appointment_once_per_slot",
            )
        ]

    def __str__(self) -> str:
        return f"{self.service_id} {self.starts_at:%Y-%m-%d %H:%M} #{self.household_id}"
