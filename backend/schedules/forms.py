from typing import Any

from django import forms
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from schedules.models import OpeningRule
from schedules.recurrence import WEEK_LABELS, WEEKS, RulePattern, recurrence_build
from schedules.services import OpeningRuleData

WEEKDAY_CHOICES = [(day, WEEKDAYS[day]) for day in range(7)]
WEEK_CHOICES = [(week, WEEK_LABELS[week]) for week in WEEKS]
EVERY_WEEK, SOME_WEEKS = "weekly", "monthly"


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class OpeningRuleForm(forms.Form):
    """One session rule in the words of the week and the month; `rule_data()` turns it
    into RFC 5545 text through dateutil, `initial_from()` reads a stored rule back."""

    weekdays = forms.TypedMultipleChoiceField(
        label=_("Jours"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Cochez au moins un jour de la semaine.")},
    )
    frequency = forms.ChoiceField(
        label=_("Quelles semaines"),
        choices=[
            (EVERY_WEEK, _("Chaque semaine")),
            (SOME_WEEKS, _("Certaines semaines du mois")),
        ],
        initial=EVERY_WEEK,
        widget=forms.RadioSelect,
    )
    weeks = forms.TypedMultipleChoiceField(
        label=_("Semaines du mois"),
        choices=WEEK_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Par exemple le 1er et le 3e : « le 1er et le 3e jeudi du mois »."),
    )
    except_week = forms.TypedChoiceField(
        label=_("Sauf le"),
        choices=[("", "—"), *WEEK_CHOICES],
        coerce=int,
        empty_value=None,
        required=False,
    )
    except_weekday = forms.TypedChoiceField(
        label=_("jour"),
        choices=[("", "—"), *WEEKDAY_CHOICES],
        coerce=int,
        empty_value=None,
        required=False,
    )
    starts_at = forms.TimeField(label=_("De"), widget=_time_input())
    ends_at = forms.TimeField(label=_("À"), widget=_time_input())
    by_appointment = forms.BooleanField(label=_("Sur rendez-vous"), required=False)
    slot_minutes = forms.IntegerField(
        label=_("Durée d'un créneau (minutes)"), min_value=5, max_value=480, initial=15
    )
    slot_capacity = forms.IntegerField(
        label=_("Ménages par créneau"), min_value=1, max_value=99, initial=1
    )
    closes_on_public_holidays = forms.BooleanField(
        label=_("Fermé les jours fériés"), required=False, initial=True
    )
    valid_from = forms.DateField(
        label=_("Valable à partir du"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["valid_from"].initial = timezone.localdate

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("frequency") == SOME_WEEKS and not data.get("weeks"):
            self.add_error(
                "weeks",
                _("Cochez au moins une semaine du mois, ou choisissez « Chaque semaine »."),
            )
        except_week, except_weekday = data.get("except_week"), data.get("except_weekday")
        if (except_week is None) != (except_weekday is None):
            self.add_error(
                "except_weekday",
                _("Pour une exception, choisissez la semaine et le jour (ou aucun des deux)."),
            )
        elif except_weekday is not None and except_weekday not in (data.get("weekdays") or []):
            self.add_error(
                "except_weekday", _("L'exception porte sur un des jours cochés ci-dessus.")
            )
        return data

    def pattern(self) -> RulePattern:
        data = self.cleaned_data
        return RulePattern(
            weekdays=tuple(data["weekdays"]),
            weeks=tuple(data["weeks"]) if data["frequency"] == SOME_WEEKS else (),
            except_week=data.get("except_week"),
            except_weekday=data.get("except_weekday"),
        )

    def rule_data(self) -> OpeningRuleData:
        data = self.cleaned_data
        return OpeningRuleData(
            recurrence=recurrence_build(self.pattern()),
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            by_appointment=data["by_appointment"],
            slot_minutes=data["slot_minutes"],
            slot_capacity=data["slot_capacity"],
            closes_on_public_holidays=data["closes_on_public_holidays"],
            valid_from=data["valid_from"],
        )

    @staticmethod
    def initial_from(rule: OpeningRule) -> dict[str, Any] | None:
        """The form's fields for a stored rule, or None if the form cannot express it."""
        pattern = rule.pattern()
        if pattern is None:
            return None
        return {
            "weekdays": list(pattern.weekdays),
            "frequency": SOME_WEEKS if pattern.weeks else EVERY_WEEK,
            "weeks": list(pattern.weeks),
            "except_week": pattern.except_week,
            "except_weekday": pattern.except_weekday,
            "starts_at": rule.starts_at,
            "ends_at": rule.ends_at,
            "by_appointment": rule.by_appointment,
            "slot_minutes": rule.slot_minutes,
            "slot_capacity": rule.slot_capacity,
            "closes_on_public_holidays": rule.closes_on_public_holidays,
            "valid_from": rule.valid_from,
        }


class ClosureForm(forms.Form):
    starts_on = forms.DateField(
        label=_("Fermé du"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    ends_on = forms.DateField(
        label=_("au (inclus)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Laissez vide pour un seul jour."),
    )
    reason = forms.CharField(
        label=_("Motif affiché"),
        max_length=120,
        required=False,
        help_text=_("Par exemple : congé d'été, inventaire."),
    )


class AppointmentBookForm(forms.Form):
    """One slot of one service, as the household page's select posts it."""

    service = forms.IntegerField(widget=forms.HiddenInput)
    starts_at = forms.DateTimeField(
        label=_("Créneau"),
        error_messages={"required": _("Choisissez un créneau.")},
    )
