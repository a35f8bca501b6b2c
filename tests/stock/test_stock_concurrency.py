"""The stock under concurrent takes, on PostgreSQL with real threads released together."""

from decimal import Decimal

import pytest
from django.db import transaction

from stock.models import Lot, Product, StockMovement
from stock.services import ReceiptLine, StockRefused, stock_check, stock_receive, stock_take
from tests.concurrency import run_together


@pytest.mark.django_db(transaction=True)
def test_twenty_tablets_taking_the_last_five_units_sell_exactly_five(
    postgres, manager_s, service_s
):
    oil = Product.objects.create(name="Huile 1 l", category="dry", market_price=Decimal("3.49"))
    # The last units are spread over two lots, so a take may need to lock both.
    stock_receive(
        actor=manager_s,
        service=service_s,
        origin="donation",
        lines=[ReceiptLine(oil, Decimal(2)), ReceiptLine(oil, Decimal(3))],
    )

    def buy(index: int) -> str:
        try:
            with transaction.atomic():
                stock_take(
                    actor=manager_s,
                    service=service_s,
                    wanted={oil.pk: Decimal(1)},
                    kind=StockMovement.Kind.SALE,
                )
        except StockRefused as refusal:
            return refusal.code
        return "sold"

    outcomes = run_together(20, buy)

    assert outcomes.count("sold") == 5, outcomes
    assert set(outcomes) == {"sold", "out_of_stock"}, outcomes
    assert sorted(Lot.objects.values_list("on_hand", flat=True)) == [Decimal(0), Decimal(0)]
    assert StockMovement.objects.filter(kind="sale").count() == 5
    assert stock_check() == []
