from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from comptoir.forms import form_field
from network.models import Convention, NetworkSettings, Organisation, UsageRule
from network.services import RuleData


class LoginForm(AuthenticationForm):
    error_messages = {
        # One answer for a wrong password and an unknown user: nothing leaks.
        "invalid_login": _(
            "Identifiant ou mot de passe incorrect. Vérifiez la saisie (majuscules "
            "comprises) et réessayez."
        ),
        "inactive": _("Ce compte est désactivé."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    next = forms.CharField(required=False)


class ConventionForm(forms.ModelForm[Convention]):
    """The agreement itself; its usage rules come from `RuleFormSet`."""

    class Meta:
        model = Convention
        fields = [
            "partner",
            "reference",
            "starts_on",
            "ends_on",
            "max_active_passes",
            "max_pass_days",
            "services",
        ]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "services": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "partner", forms.ModelChoiceField).queryset = Organisation.objects.filter(
            kind=Organisation.Kind.PARTNER, is_active=True
        )
        # The services a convention may open: the choices of `services` and of its rules.
        self.service_choices = Organisation.objects.filter(
            kind=Organisation.Kind.SERVICE, is_active=True
        )
        form_field(self, "services", forms.ModelMultipleChoiceField).queryset = self.service_choices


class RuleForm(forms.Form):
    """One usage rule; amounts are typed in euros and kept in cents."""

    service = forms.TypedChoiceField(label=_("Service"), coerce=int)
    # Blank first choices: an untouched extra row posts nothing and is skipped.
    kind = forms.ChoiceField(label=_("Règle"), choices=[("", "—"), *UsageRule.Kind.choices])
    period = forms.ChoiceField(label=_("Période"), choices=[("", "—"), *UsageRule.Period.choices])
    quantity = forms.IntegerField(label=_("Nombre"), required=False, min_value=1, max_value=999)
    budget_base = forms.DecimalField(
        label=_("Budget (1 personne, €)"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=7,
        decimal_places=2,
    )
    budget_per_extra_member = forms.DecimalField(
        label=_("Par personne en plus (€)"),
        required=False,
        min_value=Decimal("0"),
        max_digits=7,
        decimal_places=2,
    )

    def __init__(self, *args: Any, services: Iterable[Organisation] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "service", forms.ChoiceField).choices = [("", "—")] + [
            (s.pk, s.name) for s in services
        ]

    def rule_data(self) -> RuleData:
        data = self.cleaned_data

        def cents(value: Decimal | None) -> int | None:
            return None if value is None else int(value * 100)

        return RuleData(
            service_id=data["service"],
            kind=data["kind"],
            period=data["period"],
            quantity=data.get("quantity"),
            budget_base_cents=cents(data.get("budget_base")),
            budget_per_extra_member_cents=cents(data.get("budget_per_extra_member")),
        )

    @staticmethod
    def initial_from(rule: UsageRule) -> dict[str, Any]:
        def euros(cents: int | None) -> Decimal | None:
            return None if cents is None else Decimal(cents) / 100

        return {
            "service": rule.service_id,
            "kind": rule.kind,
            "period": rule.period,
            "quantity": rule.quantity,
            "budget_base": euros(rule.budget_base_cents),
            "budget_per_extra_member": euros(rule.budget_per_extra_member_cents),
        }


RuleFormSet = forms.formset_factory(RuleForm, extra=2, can_delete=True, max_num=30)


def rule_formset_rules(formset: forms.BaseFormSet[RuleForm]) -> list[RuleData]:
    # Every filled row counts, changed or not: a row left out would delete its rule.
    return [
        form.rule_data()
        for form in formset.forms
        if form.is_valid() and form.cleaned_data.get("kind") and not form.cleaned_data.get("DELETE")
    ]


class PartnerForm(forms.ModelForm[Organisation]):
    class Meta:
        model = Organisation
        fields = [
            "name",
            "partner_kind",
            "street",
            "postal_code",
            "city",
            "country",
            "phone",
            "email",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        partner_kind = form_field(self, "partner_kind", forms.ChoiceField)
        partner_kind.required = True
        partner_kind.choices = Organisation.PartnerKind.choices


class NetworkSettingsForm(forms.Form):
    """The network's settings. The bounds are the service's to refuse, in its own words;
    the browser is told them too."""

    renewal_reminder_days = forms.IntegerField(
        label=_("Rappel de renouvellement (jours avant la fin)"),
        help_text=_(
            "Chaque travailleur·euse social·e reçoit un courriel, une fois par accès-pass, "
            "listant ses ménages dont l'accès-pass se termine dans ce délai (1 à 180 jours)."
        ),
        widget=forms.NumberInput(
            attrs={
                "min": NetworkSettings.REMINDER_DAYS_MIN,
                "max": NetworkSettings.REMINDER_DAYS_MAX,
            }
        ),
    )
    retention_months = forms.IntegerField(
        label=_("Conservation d'un dossier sans accès-pass (mois)"),
        help_text=_(
            "Un ménage sans accès-pass valable depuis ce délai est anonymisé : son nom, son "
            "adresse et les notes disparaissent, les statistiques restent (6 à 120 mois)."
        ),
        widget=forms.NumberInput(
            attrs={
                "min": NetworkSettings.RETENTION_MONTHS_MIN,
                "max": NetworkSettings.RETENTION_MONTHS_MAX,
            }
        ),
    )
