"""The manager's forms: products, prices, receipts, counts, losses. Rules stay in the services."""

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from stock.models import Lot, Product, StockMovement

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise


def euros_field(label: "StrOrPromise", **options: Any) -> forms.DecimalField:
    """Euros and cents, zero or more."""
    return forms.DecimalField(
        label=label, max_digits=10, decimal_places=2, min_value=Decimal(0), **options
    )


class ProductForm(forms.Form):
    name = forms.CharField(label=_("Nom"), max_length=120)
    category = forms.ChoiceField(label=_("Catégorie"), choices=Product.Category.choices)
    unit = forms.ChoiceField(label=_("Unité"), choices=Product.Unit.choices)
    market_price = euros_field(
        _("Prix de référence du marché (€)"),
        help_text=_("Ce que le produit coûte en magasin ordinaire."),
    )
    barcode = forms.CharField(
        label=_("Code-barres (EAN)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    minimum_stock = forms.DecimalField(
        label=_("Stock minimum"),
        max_digits=12,
        decimal_places=3,
        min_value=Decimal(0),
        required=False,
        help_text=_("Une alerte sur votre page en dessous."),
    )
    price = euros_field(_("Prix payé ici (€)"), required=False)
    percent = forms.DecimalField(
        label=_("ou part du prix du marché (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(100),
        required=False,
    )


class ServicePriceForm(forms.Form):
    price = euros_field(_("Prix fixe (€)"), required=False)
    percent = forms.DecimalField(
        label=_("ou part du prix du marché (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(100),
        required=False,
    )


class BarcodeForm(forms.Form):
    barcode = forms.CharField(
        label=_("Ajouter un code-barres"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class PriceBandForm(forms.Form):
    min_percent = forms.DecimalField(
        label=_("Part minimale (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(100),
    )
    max_percent = forms.DecimalField(
        label=_("Part maximale (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(100),
    )


class ReceiptStartForm(forms.Form):
    origin = forms.ChoiceField(label=_("Origine"), choices=Lot.Origin.choices)
    supplier = forms.CharField(label=_("Fournisseur ou donateur"), max_length=120, required=False)
    received_on = forms.DateField(
        label=_("Reçu le"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )


class ReceiptLineForm(forms.Form):
    barcode = forms.CharField(
        label=_("Code-barres scanné ou tapé"),
        max_length=40,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autofocus": True, "inputmode": "numeric"}
        ),
    )
    product = forms.IntegerField(required=False, widget=forms.HiddenInput)
    quantity = forms.DecimalField(
        localize=True,
        label=_("Quantité"),
        max_digits=12,
        decimal_places=3,
        initial=1,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    best_before = forms.DateField(
        label=_("À consommer de préférence avant"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    household_price = forms.DecimalField(
        localize=True,
        label=_("Prix payé pour ce lot (€, facultatif)"),
        required=False,
        max_digits=10,
        decimal_places=2,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("barcode") and not data.get("product"):
            self.add_error("barcode", _("Scannez ou tapez un code-barres."))
        return data


class CountForm(forms.Form):
    """A scan (one more of the product) or a typed count."""

    barcode = forms.CharField(
        label=_("Code-barres scanné ou tapé"),
        max_length=40,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autofocus": True, "inputmode": "numeric"}
        ),
    )
    product = forms.IntegerField(required=False, widget=forms.HiddenInput)
    counted = forms.DecimalField(
        localize=True,
        label=_("Compté (vide : un de plus)"),
        max_digits=12,
        decimal_places=3,
        required=False,
        min_value=Decimal(0),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("barcode") and not data.get("product"):
            self.add_error("barcode", _("Scannez ou tapez un code-barres."))
        return data


class LossForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Quoi"),
        choices=[
            (StockMovement.Kind.LOSS, StockMovement.Kind.LOSS.label),
            (StockMovement.Kind.WASTE, StockMovement.Kind.WASTE.label),
        ],
    )
    quantity = forms.DecimalField(label=_("Quantité"), max_digits=12, decimal_places=3)
    reason = forms.CharField(label=_("Motif"), max_length=200)
