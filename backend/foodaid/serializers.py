"""Food aid's REST shapes: parcel templates, a parcel's preview, distributions."""

from typing import Any

from rest_framework import serializers

from foodaid.models import Distribution, ParcelTemplate
from foodaid.selectors import ParcelPlan
from stock.serializers import money
from stock.serializers import quantity as quantity_field

# --- the manager's templates --------------------------------------------------------------


class ParcelTemplateLineSerializer(serializers.Serializer[dict[str, Any]]):
    product = serializers.IntegerField(help_text="A product of the catalogue.")
    quantity = quantity_field(help_text="How many in one parcel (pieces, kg or litres).")


class ParcelTemplateLineOutSerializer(ParcelTemplateLineSerializer):
    name = serializers.CharField()
    unit = serializers.CharField()


class ParcelTemplateSetSerializer(serializers.Serializer[dict[str, Any]]):
    min_persons = serializers.IntegerField(help_text="The smallest household the parcel is for.")
    max_persons = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The largest household; null or left out: and more.",
    )
    lines = ParcelTemplateLineSerializer(
        many=True, help_text="The products and quantities; a product twice adds up."
    )


class ParcelTemplateSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    min_persons = serializers.IntegerField()
    max_persons = serializers.IntegerField(allow_null=True, help_text="Null: and more.")
    band = serializers.CharField(help_text="The band in words, in the caller's language.")
    lines = ParcelTemplateLineOutSerializer(many=True)


def template_data(template: ParcelTemplate) -> dict[str, Any]:
    return {
        "id": template.pk,
        "min_persons": template.min_persons,
        "max_persons": template.max_persons,
        "band": template.band_label(),
        "lines": [
            {
                "product": line.product_id,
                "name": line.product.name,
                "unit": line.product.unit,
                "quantity": line.quantity,
            }
            for line in template.lines.all()
        ],
    }


# --- the counter's parcels ----------------------------------------------------------------


class ParcelPreviewLineSerializer(serializers.Serializer[dict[str, Any]]):
    product = serializers.IntegerField()
    name = serializers.CharField()
    unit = serializers.CharField()
    quantity = quantity_field(help_text="What the parcel gives of it today.")
    substitutes = serializers.IntegerField(
        allow_null=True, help_text="The template's product this one stands in for (it ran short)."
    )
    short = quantity_field(help_text="What of the template's quantity nothing in stock covers.")
    market_price = money(help_text="Market price of one unit.")


class ParcelPreviewSerializer(serializers.Serializer[dict[str, Any]]):
    visit = serializers.IntegerField()
    persons = serializers.IntegerField(help_text="The household's size as the scan counted it.")
    template = ParcelTemplateSerializer()
    lines = ParcelPreviewLineSerializer(many=True)
    market_total = money(help_text="What the parcel is worth at market prices.")
    empty = serializers.BooleanField(help_text="Nothing in stock for it: it cannot be given.")
    distribution = serializers.IntegerField(
        allow_null=True, help_text="The parcel already given on this visit, if any."
    )


def preview_data(
    visit_id: int, persons: int, parcel: ParcelPlan, given: Distribution | None
) -> dict[str, Any]:
    return {
        "visit": visit_id,
        "persons": persons,
        "template": template_data(parcel.template),
        "lines": [
            {
                "product": line.product.pk,
                "name": line.product.name,
                "unit": line.product.unit,
                "quantity": line.quantity,
                "substitutes": line.substitutes.pk if line.substitutes else None,
                "short": line.short,
                "market_price": line.product.market_price,
            }
            for line in parcel.lines
        ],
        "market_total": parcel.plan.market_total,
        "empty": parcel.empty,
        "distribution": given.pk if given else None,
    }


class DistributionGiveSerializer(serializers.Serializer[dict[str, Any]]):
    visit = serializers.IntegerField(help_text="The accepted visit (from the scan) of today.")
    service = serializers.IntegerField(
        required=False, allow_null=True, help_text="The counter; optional when the caller has one."
    )


class DistributionLineSerializer(serializers.Serializer[dict[str, Any]]):
    product = serializers.IntegerField()
    name = serializers.CharField()
    quantity = quantity_field(help_text="Negative on a correction.")
    market_unit_price = money()
    market_value = money()
    eu_food_aid = serializers.BooleanField(help_text="From EU food aid (FEAD / ESF+).")
    substitutes = serializers.IntegerField(
        allow_null=True, help_text="The template's product this one stood in for."
    )


class DistributionSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    visit = serializers.IntegerField()
    template = serializers.IntegerField(allow_null=True)
    corrects = serializers.IntegerField(
        allow_null=True, help_text="On a correction: the parcel it corrects."
    )
    corrections = serializers.ListField(
        child=serializers.IntegerField(), help_text="On a parcel: its corrections."
    )
    lines = DistributionLineSerializer(many=True, help_text="One line per lot the items left.")
    market_total = money(help_text="What it is worth at market prices; negative on a correction.")
    persons = serializers.IntegerField(help_text="Persons reached (0 on a correction).")
    reason = serializers.CharField(help_text="Why it was corrected (a correction only).")
    replayed = serializers.BooleanField(
        help_text="True when this visit's parcel had already been given (a repeated request)."
    )


def distribution_data(distribution: Distribution, *, replayed: bool = False) -> dict[str, Any]:
    return {
        "id": distribution.pk,
        "at": distribution.at,
        "visit": distribution.visit_id,
        "template": distribution.template_id,
        "corrects": distribution.corrects_id,
        "corrections": [c.pk for c in distribution.corrections.all()],
        "lines": [
            {
                "product": line.product_id,
                "name": line.product.name,
                "quantity": line.quantity,
                "market_unit_price": line.market_unit_price,
                "market_value": line.market_value,
                "eu_food_aid": line.eu_food_aid,
                "substitutes": line.substitutes_id,
            }
            for line in distribution.lines.all()
        ],
        "market_total": distribution.market_total,
        "persons": distribution.persons,
        "reason": distribution.reason,
        "replayed": replayed,
    }


class ParcelReturnSerializer(serializers.Serializer[dict[str, Any]]):
    product = serializers.IntegerField()
    quantity = quantity_field()


class DistributionCorrectSerializer(serializers.Serializer[dict[str, Any]]):
    reason = serializers.CharField(max_length=200, allow_blank=True)
    returns = ParcelReturnSerializer(
        many=True, required=False, help_text="What comes back; left out, the whole parcel."
    )
