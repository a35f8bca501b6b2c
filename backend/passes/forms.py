"""Forms of the social workers' pages: they parse and check input, the services decide."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.db.models import QuerySet
from django.forms import BoundField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from comptoir.forms import form_field
from network.models import Convention, Organisation
from passes.models import Assessment, AssessmentReason, Household, HouseholdMember
from passes.services import MemberData

postal_code_validator = RegexValidator(
    r"^\d{4,5}$", _("Un code postal a 4 chiffres (Belgique) ou 5 chiffres (France).")
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def member_field_name(band: str, sex: str) -> str:
    return f"members_{band.replace('-', '_').replace('+', 'plus')}_{sex}"


class HouseholdForm(forms.ModelForm[Household]):
    """The reference person, the address area, the language, the legal basis, and the
    other members counted by age band and sex (a grid of numbers, quick to fill)."""

    class Meta:
        model = Household
        fields = [
            "first_name",
            "last_name",
            "birth_year",
            "postal_code",
            "commune",
            "language",
            "legal_basis",
            "legal_basis_recorded_on",
            *Household.FOOD_AID_FIELDS,
        ]
        widgets = {"legal_basis_recorded_on": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["postal_code"].validators.append(postal_code_validator)
        self.fields["birth_year"].widget.attrs.update(
            {"min": 1900, "max": timezone.localdate().year}
        )
        if not self.instance.pk:
            self.fields["legal_basis_recorded_on"].initial = timezone.localdate()
        self._food_aid_fields_prepare()
        counts: dict[tuple[str, str], int] = {}
        if self.instance.pk:
            for member in self.instance.members.all():
                key = (member.age_band, member.sex)
                counts[key] = counts.get(key, 0) + 1
        self.member_grid: list[tuple[StrOrPromise, list[str]]] = []
        for band, band_label in HouseholdMember.AgeBand.choices:
            row = []
            for sex, sex_label in HouseholdMember.Sex.choices:
                name = member_field_name(band, sex)
                self.fields[name] = forms.IntegerField(
                    label=f"{band_label} · {sex_label}",
                    min_value=0,
                    max_value=20,
                    required=False,
                    initial=counts.get((band, sex), 0),
                    widget=forms.NumberInput(attrs={"class": "input-count"}),
                )
                row.append(name)
            self.member_grid.append((band_label, row))
        self.sex_labels = [label for _value, label in HouseholdMember.Sex.choices]

    def _food_aid_fields_prepare(self) -> None:
        """The fieldset's help says what the numbers are: no help repeated under each."""
        holder_sex = form_field(self, "holder_sex", forms.ChoiceField)
        holder_sex.choices = [("", _("Non indiqué")), *HouseholdMember.Sex.choices]
        for name in Household.FOOD_AID_COUNTS:
            field = self.fields[name]
            field.error_messages["min_value"] = _(
                "Indiquez un nombre de personnes : 0 ou plus, ou laissez vide."
            )
            field.widget.attrs.update({"class": "input-count", "min": 0})

    def food_aid_rows(self) -> list[BoundField]:
        return [self[name] for name in Household.FOOD_AID_FIELDS]

    def member_rows(self) -> list[tuple[StrOrPromise, list[BoundField]]]:
        return [(label, [self[name] for name in names]) for label, names in self.member_grid]

    def clean_birth_year(self) -> int:
        year: int = self.cleaned_data["birth_year"]
        oldest, latest = Household.birth_year_bounds(timezone.localdate())
        if not oldest <= year <= latest:
            raise forms.ValidationError(
                _("Indiquez une année de naissance entre %(oldest)s et %(year)s."),
                params={"oldest": oldest, "year": latest},
            )
        return year

    def clean_legal_basis_recorded_on(self) -> date:
        day: date = self.cleaned_data["legal_basis_recorded_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("Cette date ne peut pas être dans le futur."))
        return day

    def clean_first_name(self) -> str:
        return " ".join(self.cleaned_data["first_name"].split())

    def clean_last_name(self) -> str:
        return " ".join(self.cleaned_data["last_name"].split())

    def household_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def members(self) -> list[MemberData]:
        members: list[MemberData] = []
        for band, _label in HouseholdMember.AgeBand.choices:
            for sex, _sex_label in HouseholdMember.Sex.choices:
                count = self.cleaned_data.get(member_field_name(band, sex)) or 0
                members.extend(MemberData(age_band=band, sex=sex) for _i in range(count))
        return members


class AssessmentForm(forms.Form):
    assessed_on = forms.DateField(label=_("Date de l'enquête"), widget=DateInput())
    outcome = forms.ChoiceField(
        label=_("Décision"), choices=Assessment.Outcome.choices, widget=forms.RadioSelect
    )
    reasons = forms.ModelMultipleChoiceField(
        label=_("Motifs"),
        queryset=AssessmentReason.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label=_("Notes (lisibles par votre service seulement)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assessed_on"].initial = timezone.localdate()
        reasons = form_field(self, "reasons", forms.ModelMultipleChoiceField)
        reasons.queryset = AssessmentReason.objects.filter(is_active=True)


class PassIssueForm(forms.Form):
    convention = forms.ModelChoiceField(label=_("Convention"), queryset=Convention.objects.none())
    valid_from = forms.DateField(label=_("Valable du"), widget=DateInput(), required=False)
    valid_until = forms.DateField(
        label=_("Valable jusqu'au"),
        widget=DateInput(),
        required=False,
        help_text=_("Laissez vide pour la durée la plus longue que permet la convention."),
    )
    services = forms.ModelMultipleChoiceField(
        label=_("Services collectifs ouverts"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Laissez tout décoché pour ouvrir tous les services de la convention."),
    )

    def __init__(self, *args: Any, conventions: QuerySet[Convention], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        convention = form_field(self, "convention", forms.ModelChoiceField)
        convention.queryset = conventions
        convention.empty_label = None
        services = form_field(self, "services", forms.ModelMultipleChoiceField)
        services.queryset = Organisation.objects.filter(
            service_conventions__in=conventions
        ).distinct()
        self.fields["valid_from"].initial = timezone.localdate()


class PassRenewForm(forms.Form):
    convention = forms.ModelChoiceField(label=_("Convention"), queryset=Convention.objects.none())
    valid_until = forms.DateField(
        label=_("Nouvelle date de fin"),
        widget=DateInput(),
        required=False,
        help_text=_("Laissez vide pour la durée la plus longue que permet la convention."),
    )
    reason = forms.CharField(label=_("Motif"), max_length=500)

    def __init__(self, *args: Any, conventions: QuerySet[Convention], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        convention = form_field(self, "convention", forms.ModelChoiceField)
        convention.queryset = conventions
        convention.empty_label = None


class PassReasonForm(forms.Form):
    reason = forms.CharField(label=_("Motif"), max_length=500)


class HouseholdSearchForm(forms.Form):
    q = forms.CharField(label=_("Rechercher"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Accès-pass"),
        required=False,
        choices=[
            ("", _("Tous les ménages")),
            ("active", _("Avec un accès-pass actif")),
            ("expiring", _("Accès-pass expirant ce mois-ci")),
            ("none", _("Sans accès-pass en cours")),
        ],
    )
    partner = forms.TypedChoiceField(
        label=_("Service"), required=False, coerce=int, empty_value=None
    )
    page = forms.IntegerField(required=False, min_value=1)

    def __init__(self, *args: Any, partners: Sequence[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "partner", forms.ChoiceField).choices = [("", _("Tous mes services"))] + [
            (p.pk, p.name) for p in partners
        ]
        self.show_partner = len(partners) > 1


# --- vouchers -----------------------------------------------------------------------


def _days_field(default: int) -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Valable (jours)"),
        initial=default,
        widget=forms.NumberInput(attrs={"class": "input-count", "min": 1, "max": 180}),
    )


class _VoucherForm(forms.Form):
    """Where a voucher is for: one of the services offered. The service checks the rest
    (what a referral covers, the days, the count) and its refusals land on the fields."""

    service = forms.ModelChoiceField(label=_("Service"), queryset=Organisation.objects.none())

    def __init__(self, *args: Any, services: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        service = form_field(self, "service", forms.ModelChoiceField)
        service.queryset = services
        service.empty_label = None


class ReferralForm(_VoucherForm):
    """Where the household goes matters more than a default: the worker picks it."""

    covers = forms.CharField(
        label=_("Ce que le bon couvre"),
        required=False,
        max_length=200,
        help_text=_("Le vestiaire lit ce texte : restez général, sans nom ni raison de santé."),
        widget=forms.TextInput(
            attrs={"placeholder": _("vêtements d'hiver pour 3 personnes"), "size": 40}
        ),
    )
    valid_days = _days_field(30)

    def __init__(self, *args: Any, services: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, services=services, **kwargs)
        form_field(self, "service", forms.ModelChoiceField).empty_label = _("Choisissez un service")


class MealTicketsForm(_VoucherForm):
    count = forms.IntegerField(
        label=_("Nombre de tickets"),
        initial=10,
        help_text=_("De 1 à 30 : un ticket vaut un repas."),
        widget=forms.NumberInput(attrs={"class": "input-count", "min": 1, "max": 30}),
    )
    valid_days = _days_field(90)

    def __init__(self, *args: Any, services: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, services=services, **kwargs)
        self.fields["service"].label = _("Restaurant social")


class VoucherRevokeForm(forms.Form):
    reason = forms.CharField(label=_("Motif"), max_length=200, required=False)
