"""The manager's parcel template form: a band of household sizes and its lines.

The forms only parse what is typed; the bands, the products and the quantities are
checked by `foodaid.services.parcel_template_set`, whose refusals show next to the fields.
"""

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comptoir.money import plain
from foodaid.models import ParcelTemplate
from stock.models import Product
from stock.selectors import StockRow

# Blank lines under the template's own, and how many more "Ajouter des lignes" gives.
BLANK_LINES = 3
LINES_MAX = 60

# A select's choices: (category, [(product id, label), …]) groups.
ProductChoices = Sequence[tuple[Any, Any]]


class ParcelTemplateForm(forms.Form):
    min_persons = forms.IntegerField(
        label=gettext_lazy("À partir de (personnes)"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "input-persons"}),
    )
    max_persons = forms.IntegerField(
        label=gettext_lazy("Jusqu'à (personnes)"),
        required=False,
        help_text=gettext_lazy("Laissez vide pour « et plus »."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "input-persons"}),
    )

    @staticmethod
    def initial_from(template: ParcelTemplate) -> dict[str, Any]:
        return {"min_persons": template.min_persons, "max_persons": template.max_persons}


class ParcelLineForm(forms.Form):
    """One product of the parcel and how many; a blank line is left out."""

    product = forms.TypedChoiceField(
        label=gettext_lazy("Produit"), coerce=int, required=False, empty_value=None
    )
    quantity = forms.DecimalField(
        label=gettext_lazy("Quantité"),
        localize=True,
        required=False,
        max_digits=12,
        decimal_places=3,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "class": "input-quantity"}
        ),
    )

    def __init__(self, *args: Any, products: ProductChoices = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["product"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "—"), *products]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        product, quantity = data.get("product"), data.get("quantity")
        if product and quantity is None and "quantity" not in self.errors:
            self.add_error("quantity", _("Combien ?"))
        if quantity is not None and not product:
            self.add_error("product", _("Choisissez un produit."))
        return data


ParcelLineFormSet = forms.formset_factory(
    ParcelLineForm, extra=BLANK_LINES, max_num=LINES_MAX, absolute_max=LINES_MAX
)


def product_choices(
    rows: Iterable[StockRow], keep: Iterable[Product] = ()
) -> list[tuple[str, list[tuple[int, str]]]]:
    """The catalogue as a select's groups, by category: each product with what is in stock
    here, and the template's own products even if no longer offered."""
    groups: dict[str, list[tuple[int, str]]] = {}
    seen: set[int] = set()
    for row in rows:
        product = row.product
        seen.add(product.pk)
        label = _("%(name)s · %(stock)s en stock") % {
            "name": _product_name(product),
            "stock": _number(row.stock),
        }
        groups.setdefault(str(product.get_category_display()), []).append((product.pk, label))
    for product in keep:
        if product.pk not in seen:
            label = _("%(name)s (retiré du catalogue)") % {"name": _product_name(product)}
            groups.setdefault(str(product.get_category_display()), []).append((product.pk, label))
    return [(category, choices) for category, choices in groups.items()]


def _product_name(product: Product) -> str:
    if product.unit == Product.Unit.PIECE:
        return product.name
    return f"{product.name} ({product.get_unit_display()})"


def _number(value: Decimal) -> str:
    return formats.number_format(plain(value))


def lines_formset(
    data: Mapping[str, Any] | None = None,
    *,
    products: ProductChoices,
    initial: Sequence[Mapping[str, Any]] = (),
) -> forms.BaseFormSet[ParcelLineForm]:
    return ParcelLineFormSet(
        data, initial=list(initial), prefix="lines", form_kwargs={"products": products}
    )


def lines_typed(data: Mapping[str, Any]) -> list[dict[str, str]]:
    """The lines as typed in a posted form, blank ones left out (to show them again, with
    blank lines added, before anything is checked)."""
    try:
        total = min(int(data.get("lines-TOTAL_FORMS", 0)), LINES_MAX)
    except (TypeError, ValueError):
        total = 0
    typed = []
    for index in range(total):
        product = str(data.get(f"lines-{index}-product", "")).strip()
        quantity = str(data.get(f"lines-{index}-quantity", "")).strip()
        if product or quantity:
            typed.append({"product": product, "quantity": quantity})
    return typed[: LINES_MAX - BLANK_LINES]


def template_lines(formset: forms.BaseFormSet[ParcelLineForm]) -> dict[int, Decimal]:
    """Product id → quantity of a valid formset's filled lines; a product on two lines adds up."""
    lines: dict[int, Decimal] = {}
    for form in formset.forms:
        product, quantity = form.cleaned_data.get("product"), form.cleaned_data.get("quantity")
        if product and quantity is not None:
            lines[product] = lines.get(product, Decimal(0)) + quantity
    return lines
