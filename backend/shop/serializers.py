"""The shop API's shapes: baskets with their quote, sales and corrections, product look-ups."""

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from shop.models import Sale
from shop.selectors import OfferItem, Quote, ReceiptLineView
from stock.serializers import money, quantity


class BasketOpenSerializer(serializers.Serializer[dict[str, Any]]):
    visit = serializers.IntegerField(help_text="The accepted visit (from the scan) of today.")
    service = serializers.IntegerField(
        required=False, allow_null=True, help_text="The counter; optional when the caller has one."
    )


class BasketPutSerializer(serializers.Serializer[dict[str, Any]]):
    barcode = serializers.CharField(
        required=False, allow_blank=True, max_length=40, help_text="EAN-8 or EAN-13, as scanned."
    )
    product = serializers.IntegerField(required=False, allow_null=True)
    quantity = quantity(default=Decimal(1))
    mode = serializers.ChoiceField(
        choices=["add", "set"],
        default="add",
        help_text="`add` the quantity to the line, or `set` it (0 takes the product out).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("barcode") and not attrs.get("product"):
            raise serializers.ValidationError({"barcode": ["Un code-barres ou un produit."]})
        return attrs


class CheckoutSerializer(serializers.Serializer[dict[str, Any]]):
    payment = serializers.ChoiceField(choices=Sale.Payment.choices)
    tendered = money(
        required=False, allow_null=True, min_value=Decimal(0), help_text="Cash received."
    )


class ReturnSerializer(serializers.Serializer[dict[str, Any]]):
    product = serializers.IntegerField()
    quantity = quantity()


class CorrectionSerializer(serializers.Serializer[dict[str, Any]]):
    reason = serializers.CharField(max_length=200, allow_blank=True)
    returns = ReturnSerializer(
        many=True, required=False, help_text="What comes back; left out, the whole sale."
    )


class QuoteLineSerializer(serializers.Serializer[dict[str, Any]]):
    product = serializers.IntegerField()
    name = serializers.CharField()
    quantity = quantity()
    amount = money()
    market_value = money()


class BudgetSerializer(serializers.Serializer[dict[str, Any]]):
    period = serializers.CharField()
    total = money()
    used = money(help_text="By earlier sales this period.")
    left_after = money(help_text="What is left after this basket.")


class BasketSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    status = serializers.CharField()
    visit = serializers.IntegerField()
    lines = QuoteLineSerializer(many=True)
    market_total = money()
    amount_due = money()
    cash_amount = money(help_text="Amount due paid in cash.")
    aid = money(help_text="Market value less amount due.")
    budget = BudgetSerializer(allow_null=True)


class SaleLineSerializer(serializers.Serializer[dict[str, Any]]):
    product = serializers.IntegerField()
    name = serializers.CharField()
    quantity = quantity()
    amount = money()
    market_value = money()


class SaleSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    corrects = serializers.IntegerField(allow_null=True)
    lines = SaleLineSerializer(many=True)
    market_total = money()
    amount_due = money()
    amount_paid = money()
    aid_given = money()
    payment = serializers.CharField()
    tendered = money(allow_null=True)
    change = money(allow_null=True)
    reason = serializers.CharField()
    replayed = serializers.BooleanField()


class ProductSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    category = serializers.CharField()
    unit = serializers.CharField()
    market_price = money()
    price = money(help_text="What a household pays here.")
    available = quantity(help_text="On the shelves, in date.")


def basket_data(basket_id: int, status: str, visit_id: int, quote: Quote) -> dict[str, Any]:
    budget = quote.budget
    return {
        "id": basket_id,
        "status": status,
        "visit": visit_id,
        "lines": [
            {
                "product": line.product.pk,
                "name": line.product.name,
                "quantity": line.quantity,
                "amount": line.amount,
                "market_value": line.market_value,
            }
            for line in quote.lines
        ],
        "market_total": quote.market_total,
        "amount_due": quote.amount_due,
        "cash_amount": quote.cash_amount,
        "aid": quote.aid,
        "budget": {
            "period": budget.period,
            "total": budget.total,
            "used": budget.used,
            "left_after": quote.budget_left_after,
        }
        if budget
        else None,
    }


def sale_data(
    sale: Sale, lines: list[ReceiptLineView], *, replayed: bool = False
) -> dict[str, Any]:
    return {
        "id": sale.pk,
        "at": sale.at,
        "corrects": sale.corrects_id,
        "lines": [
            {
                "product": line.product.pk,
                "name": line.product.name,
                "quantity": line.quantity,
                "amount": line.amount,
                "market_value": line.market_value,
            }
            for line in lines
        ],
        "market_total": sale.market_total,
        "amount_due": sale.amount_due,
        "amount_paid": sale.amount_paid,
        "aid_given": sale.aid_given,
        "payment": sale.payment,
        "tendered": sale.tendered,
        "change": sale.change,
        "reason": sale.reason,
        "replayed": replayed,
    }


def product_data(item: OfferItem) -> dict[str, Any]:
    product = item.product
    return {
        "id": product.pk,
        "name": product.name,
        "category": product.category,
        "unit": product.unit,
        "market_price": product.market_price,
        "price": item.unit_price,
        "available": item.available,
    }


# --- the manager's stock ------------------------------------------------------------------
