"""Receipts entered line by line, inventory counts, and the manager's stock alerts."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from stock.models import InventoryCount, Lot, StockMovement, StockReceipt
from stock.selectors import stock_alerts
from stock.services import (
    StockRefused,
    inventory_close,
    inventory_record,
    inventory_start,
    receipt_line_add,
    receipt_post,
    receipt_start,
    stock_check,
)
from tests.stock.conftest import NAPPIES_EAN, OIL_EAN, PASTA_EAN

pytestmark = pytest.mark.django_db
D = Decimal


def refused(call) -> str:
    with pytest.raises(StockRefused) as caught:
        call()
    return caught.value.code


def test_a_receipt_is_entered_line_by_line_then_posted_once(
    frozen_day, manager_s, service_s, catalogue
):
    receipt = receipt_start(
        actor=manager_s, service=service_s, origin="donation", supplier="  Delhaize   Jambes "
    )
    assert receipt.supplier == "Delhaize Jambes"
    add = dict(actor=manager_s, service=service_s, receipt_id=receipt.pk)
    receipt_line_add(**add, barcode=OIL_EAN, quantity=D(12), best_before=date(2026, 8, 1))
    receipt_line_add(**add, product_id=catalogue["nappies"].pk, quantity=D(4))
    # Each line is checked as it comes: nothing bad waits for the posting.
    assert refused(lambda: receipt_line_add(**add, barcode="5400000000003", quantity=D(1))) == (
        "unknown_barcode"
    )
    assert refused(lambda: receipt_line_add(**add, barcode=OIL_EAN, quantity=D(0))) == (
        "quantity_invalid"
    )
    assert (
        refused(
            lambda: receipt_line_add(
                **add, barcode=OIL_EAN, quantity=D(1), best_before=date(2026, 3, 1)
            )
        )
        == "already_expired"
    )
    assert (
        refused(
            lambda: receipt_line_add(
                **add, barcode=OIL_EAN, quantity=D(1), household_price=D("9.99")
            )
        )
        == "price_above_market"
    )
    assert receipt.lines.count() == 2
    # Scanned again with the same date: the line counts up instead of doubling.
    receipt_line_add(**add, barcode=OIL_EAN, quantity=D(3), best_before=date(2026, 8, 1))
    assert receipt.lines.get(product=catalogue["oil"]).quantity == 15

    receipt_post(actor=manager_s, service=service_s, receipt_id=receipt.pk)
    receipt_post(actor=manager_s, service=service_s, receipt_id=receipt.pk)  # a second click

    assert sorted(Lot.objects.filter(receipt=receipt).values_list("on_hand", flat=True)) == [
        D(4),
        D(15),
    ]
    assert StockReceipt.objects.get().status == "posted"
    assert refused(lambda: receipt_line_add(**add, barcode=OIL_EAN, quantity=D(1))) == (
        "receipt_posted"
    )
    assert stock_check() == []


def test_an_eu_food_aid_receipt_refuses_a_price(frozen_day, manager_s, service_s, catalogue):
    receipt = receipt_start(actor=manager_s, service=service_s, origin="eu_food_aid")
    code = refused(
        lambda: receipt_line_add(
            actor=manager_s,
            service=service_s,
            receipt_id=receipt.pk,
            barcode=PASTA_EAN,
            quantity=D(10),
            household_price=D("0.10"),
        )
    )
    assert code == "eu_aid_free_only"


def test_a_receipt_cannot_be_dated_in_the_future_nor_have_no_origin(
    frozen_day, manager_s, service_s
):
    assert (
        refused(
            lambda: receipt_start(
                actor=manager_s, service=service_s, origin="donation", received_on=date(2026, 3, 3)
            )
        )
        == "received_in_future"
    )
    assert refused(lambda: receipt_start(actor=manager_s, service=service_s, origin="gift")) == (
        "origin_invalid"
    )


def test_a_volunteer_cannot_receive_or_count(frozen_day, volunteer_s, service_s):
    assert refused(
        lambda: receipt_start(actor=volunteer_s, service=service_s, origin="donation")
    ) == ("not_allowed")
    assert refused(lambda: inventory_start(actor=volunteer_s, service=service_s)) == "not_allowed"


def test_an_inventory_count_records_the_differences_as_adjustments(
    frozen_day, manager_s, service_s, catalogue
):
    count = inventory_start(actor=manager_s, service=service_s)
    assert inventory_start(actor=manager_s, service=service_s) == count  # one open at a time
    record = dict(actor=manager_s, service=service_s, count_id=count.pk)
    for _ in range(3):
        inventory_record(**record, barcode=OIL_EAN)  # three oils scanned on the shelf
    inventory_record(**record, barcode=NAPPIES_EAN, counted=D(12))  # typed: two more than held
    inventory_record(**record, barcode=PASTA_EAN, counted=D(22))  # as held (20 + 2 EU)

    inventory_close(**record)

    count = InventoryCount.objects.get()
    lines = {line.product.name: (line.expected, line.counted) for line in count.lines.all()}
    assert lines == {
        "Huile de tournesol 1 l": (D(5), D(3)),
        "Langes taille 4": (D(10), D(12)),
        "Pâtes 500 g": (D(22), D(22)),
    }
    adjustments = StockMovement.objects.filter(kind="adjustment", inventory=count)
    assert sorted(m.quantity for m in adjustments) == [D(-2), D(2)]
    assert Lot.objects.get(product=catalogue["oil"]).on_hand == 3
    assert stock_check() == []
    assert refused(lambda: inventory_record(**record, barcode=OIL_EAN)) == "count_closed"


def test_an_empty_count_cannot_be_closed_and_a_count_is_never_negative(
    frozen_day, manager_s, service_s, catalogue
):
    count = inventory_start(actor=manager_s, service=service_s)
    record = dict(actor=manager_s, service=service_s, count_id=count.pk)
    assert refused(lambda: inventory_close(**record)) == "count_empty"
    assert refused(lambda: inventory_record(**record, barcode=OIL_EAN, counted=D(-1))) == (
        "quantity_invalid"
    )


def test_the_alerts_list_short_products_and_dates_with_the_lot_to_put_forward(
    frozen_day, manager_s, service_s, catalogue
):
    oil = catalogue["oil"]
    oil.minimum_stock = D(6)
    oil.save()
    Lot.objects.filter(product=catalogue["pasta"], origin="eu_food_aid").update(
        best_before=frozen_day + timedelta(days=2)
    )
    Lot.objects.filter(product=catalogue["pasta"], origin="food_bank").update(
        best_before=frozen_day + timedelta(days=3)
    )
    Lot.objects.filter(product=catalogue["nappies"]).update(
        best_before=frozen_day - timedelta(days=1)
    )

    alerts = stock_alerts(service_s, frozen_day, days=3)

    assert [(s.product.name, s.on_hand) for s in alerts.under_minimum] == [
        ("Huile de tournesol 1 l", D(5))
    ]
    assert [(d.lot.origin, d.first_out) for d in alerts.reaching_date] == [
        ("eu_food_aid", True),
        ("food_bank", False),
    ]
    assert [lot.product.name for lot in alerts.past_date] == ["Langes taille 4"]


def test_a_transfer_makes_a_lot_at_the_other_service_and_keeps_eu_aid_free(
    frozen_day, manager_s, service_s, catalogue
):
    from stock.services import stock_transfer
    from tests.factories import organisation

    other = organisation(kind="service", name="La Fourmi", slug="fourmi", service_kind="coop")
    eu_lot = Lot.objects.get(origin="eu_food_aid")
    arrived = stock_transfer(
        actor=manager_s, service=service_s, lot_id=eu_lot.pk, to_service=other, quantity=D(1)
    )
    assert (arrived.service, arrived.on_hand, arrived.household_price) == (other, D(1), D(0))
    eu_lot.refresh_from_db()
    assert eu_lot.on_hand == 1
    kinds = sorted(
        StockMovement.objects.filter(kind__startswith="transfer").values_list("kind", "quantity")
    )
    assert kinds == [("transfer_in", D(1)), ("transfer_out", D(-1))]
    assert stock_check() == []
    assert (
        refused(
            lambda: stock_transfer(
                actor=manager_s,
                service=service_s,
                lot_id=eu_lot.pk,
                to_service=other,
                quantity=D(5),
            )
        )
        == "not_enough"
    )
    assert (
        refused(
            lambda: stock_transfer(
                actor=manager_s,
                service=service_s,
                lot_id=eu_lot.pk,
                to_service=service_s,
                quantity=D(1),
            )
        )
        == "transfer_target_invalid"
    )
