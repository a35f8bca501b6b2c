"""The stock's REST shapes: the catalogue, lots, receipts, counts, alerts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from stock.models import InventoryCount, Lot, Product, StockReceipt
from stock.selectors import StockAlerts, StockRow


def money(**options: Any) -> serializers.DecimalField:
    """Euros and cents, as a decimal string."""
    return serializers.DecimalField(max_digits=10, decimal_places=2, **options)


def quantity(**options: Any) -> serializers.DecimalField:
    """Pieces, or kilograms and litres to the gram and the millilitre."""
    return serializers.DecimalField(max_digits=12, decimal_places=3, **options)


class ProductCreateSerializer(serializers.Serializer[dict[str, Any]]):
    name = serializers.CharField(max_length=120)
    category = serializers.ChoiceField(choices=Product.Category.choices)
    unit = serializers.ChoiceField(choices=Product.Unit.choices, default=Product.Unit.PIECE)
    market_price = money(min_value=Decimal(0))
    barcodes = serializers.ListField(
        child=serializers.CharField(max_length=20), required=False, default=list
    )
    minimum_stock = quantity(required=False, default=Decimal(0), min_value=Decimal(0))
    price = money(required=False, allow_null=True, help_text="Fixed price here.")
    percent = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="Or a share of the market price here.",
    )


class PriceSetSerializer(serializers.Serializer[dict[str, Any]]):
    price = money(required=False, allow_null=True)
    percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, allow_null=True
    )


class BarcodeAddSerializer(serializers.Serializer[dict[str, Any]]):
    barcode = serializers.CharField(max_length=20)


class StockRowSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    category = serializers.CharField()
    unit = serializers.CharField()
    market_price = money()
    minimum_stock = quantity()
    stock = quantity(help_text="In date, at this service.")
    price = money(allow_null=True, help_text="What a household pays here; null: not sold here.")
    barcodes = serializers.ListField(child=serializers.CharField())


class LotSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    product = serializers.IntegerField()
    origin = serializers.CharField()
    supplier = serializers.CharField()
    received_on = serializers.DateField()
    best_before = serializers.DateField(allow_null=True)
    quantity_received = quantity()
    on_hand = quantity()
    household_price = money(allow_null=True)
    receipt = serializers.IntegerField(allow_null=True)


class ReceiptStartSerializer(serializers.Serializer[dict[str, Any]]):
    origin = serializers.ChoiceField(choices=Lot.Origin.choices)
    supplier = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    received_on = serializers.DateField(required=False, allow_null=True)


class ReceiptLineAddSerializer(serializers.Serializer[dict[str, Any]]):
    barcode = serializers.CharField(required=False, allow_blank=True, max_length=40)
    product = serializers.IntegerField(required=False, allow_null=True)
    quantity = quantity()
    best_before = serializers.DateField(required=False, allow_null=True)
    household_price = money(required=False, allow_null=True)


class ReceiptLineViewSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    product = serializers.IntegerField()
    quantity = quantity()
    best_before = serializers.DateField(allow_null=True)
    household_price = money(allow_null=True)


class ReceiptSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    origin = serializers.CharField()
    supplier = serializers.CharField()
    received_on = serializers.DateField()
    status = serializers.CharField()
    lines = ReceiptLineViewSerializer(many=True)
    lots = serializers.ListField(child=serializers.IntegerField(), help_text="Once posted.")


class CountRecordSerializer(serializers.Serializer[dict[str, Any]]):
    barcode = serializers.CharField(required=False, allow_blank=True, max_length=40)
    product = serializers.IntegerField(required=False, allow_null=True)
    counted = quantity(required=False, allow_null=True, help_text="Left out: one more (a scan).")


class CountLineSerializer(serializers.Serializer[dict[str, Any]]):
    product = serializers.IntegerField()
    counted = quantity()
    expected = quantity(allow_null=True, help_text="Once closed.")
    difference = quantity(allow_null=True)


class CountSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    status = serializers.CharField()
    started_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    lines = CountLineSerializer(many=True)


class LossSerializer(serializers.Serializer[dict[str, Any]]):
    kind = serializers.ChoiceField(choices=["loss", "waste"], default="loss")
    quantity = quantity()
    reason = serializers.CharField(max_length=200, allow_blank=True)


class TransferSerializer(serializers.Serializer[dict[str, Any]]):
    to_service = serializers.IntegerField()
    quantity = quantity()


class AlertsSerializer(serializers.Serializer[dict[str, Any]]):
    under_minimum = serializers.ListField(child=serializers.DictField())
    reaching_date = serializers.ListField(child=serializers.DictField())
    past_date = serializers.ListField(child=serializers.DictField())


def lot_data(lot: Lot) -> dict[str, Any]:
    return {
        "id": lot.pk,
        "product": lot.product_id,
        "origin": lot.origin,
        "supplier": lot.supplier,
        "received_on": lot.received_on,
        "best_before": lot.best_before,
        "quantity_received": lot.quantity_received,
        "on_hand": lot.on_hand,
        "household_price": lot.household_price,
        "receipt": lot.receipt_id,
    }


def stock_row_data(row: StockRow) -> dict[str, Any]:
    product = row.product
    return {
        "id": product.pk,
        "name": product.name,
        "category": product.category,
        "unit": product.unit,
        "market_price": product.market_price,
        "minimum_stock": product.minimum_stock,
        "stock": row.stock,
        "price": row.price.unit_price(product.market_price) if row.price else None,
        "barcodes": list(row.barcodes),
    }


def receipt_data(receipt: StockReceipt) -> dict[str, Any]:
    return {
        "id": receipt.pk,
        "origin": receipt.origin,
        "supplier": receipt.supplier,
        "received_on": receipt.received_on,
        "status": receipt.status,
        "lines": [
            {
                "id": line.pk,
                "product": line.product_id,
                "quantity": line.quantity,
                "best_before": line.best_before,
                "household_price": line.household_price,
            }
            for line in receipt.lines.all()
        ],
        "lots": list(receipt.lots.values_list("pk", flat=True)),
    }


def count_data(count: InventoryCount) -> dict[str, Any]:
    return {
        "id": count.pk,
        "status": count.status,
        "started_at": count.started_at,
        "closed_at": count.closed_at,
        "lines": [
            {
                "product": line.product_id,
                "counted": line.counted,
                "expected": line.expected,
                "difference": line.difference,
            }
            for line in count.lines.all()
        ],
    }


def alerts_data(alerts: StockAlerts) -> dict[str, Any]:
    return {
        "under_minimum": [
            {
                "product": s.product.pk,
                "name": s.product.name,
                "on_hand": str(s.on_hand),
                "minimum": str(s.product.minimum_stock),
            }
            for s in alerts.under_minimum
        ],
        "reaching_date": [
            {
                "lot": d.lot.pk,
                "product": d.lot.product_id,
                "name": d.lot.product.name,
                "best_before": d.lot.best_before.isoformat() if d.lot.best_before else None,
                "on_hand": str(d.lot.on_hand),
                "first_out": d.first_out,
            }
            for d in alerts.reaching_date
        ],
        "past_date": [
            {
                "lot": lot.pk,
                "product": lot.product_id,
                "name": lot.product.name,
                "best_before": lot.best_before.isoformat() if lot.best_before else None,
                "on_hand": str(lot.on_hand),
            }
            for lot in alerts.past_date
        ],
    }


# --- what a tablet handed over offline (a sale, a parcel) ---------------------------------


class OfflineHandoutLineSerializer(serializers.Serializer[dict[str, Any]]):
    product = serializers.IntegerField(min_value=1)
    quantity = serializers.DecimalField(
        max_digits=12, decimal_places=3, min_value=Decimal("0.001"), max_value=Decimal(100_000)
    )


class OfflineHandoutSerializer(serializers.Serializer[dict[str, Any]]):
    idempotency_key = serializers.CharField(max_length=64)
    visit_key = serializers.CharField(
        max_length=64, help_text="The idempotency key of the scan this handout followed."
    )
    at = serializers.DateTimeField(help_text="When the tablet handed it over.")
    lines = serializers.ListField(
        child=OfflineHandoutLineSerializer(), max_length=200, required=False, default=list
    )
    payment = serializers.ChoiceField(
        choices=["cash", "card", "other", "none"], required=False, default=""
    )
    amount_asked = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        min_value=Decimal(0),
    )

    def validate_lines(self, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        products = [line["product"] for line in lines]
        if len(products) != len(set(products)):
            raise serializers.ValidationError(_("Chaque produit une seule fois, avec sa quantité."))
        return lines


class OfflineHandoutsSyncSerializer(serializers.Serializer[dict[str, Any]]):
    service = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The counter (collective service id); optional when the caller has one.",
    )
    handouts = serializers.ListField(child=OfflineHandoutSerializer(), max_length=200)


class OfflineHandoutResultSerializer(serializers.Serializer[dict[str, Any]]):
    idempotency_key = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["recorded", "differs", "pending", "replayed", "rejected"]
    )
    message = serializers.CharField()
