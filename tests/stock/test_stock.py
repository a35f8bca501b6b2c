"""The stock ledger: receipts, first-expired-first-out takes, losses, and the check."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from comptoir.errors import ErrorKind
from stock.models import Lot, Product, StockMovement
from stock.services import (
    ReceiptLine,
    StockRefused,
    stock_check,
    stock_lose,
    stock_receive,
    stock_take,
)

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 2)
D = Decimal


@pytest.fixture(autouse=True)
def _frozen_day():
    with time_machine.travel("2026-03-02 10:00 +0100", tick=False):
        yield


def product(name: str = "Pâtes 500 g", price: str = "1.29") -> Product:
    return Product.objects.create(name=name, category="dry", market_price=D(price))


def receive(manager, service, *lines: tuple[Product, str, date | None], origin="food_bank"):
    return stock_receive(
        actor=manager,
        service=service,
        origin=origin,
        supplier="Banque alimentaire de Namur",
        lines=[ReceiptLine(p, D(q), best_before) for p, q, best_before in lines],
    )


def take(manager, service, wanted: dict[Product, str]):
    with transaction.atomic():
        return stock_take(
            actor=manager,
            service=service,
            wanted={p.pk: D(q) for p, q in wanted.items()},
            kind=StockMovement.Kind.SALE,
        )


def on_hand(lot: Lot) -> Decimal:
    lot.refresh_from_db()
    return lot.on_hand


def test_a_receipt_makes_a_lot_and_a_movement_per_line(manager_s, service_s):
    pasta, rice = product(), product("Riz 1 kg", "2.10")
    lots = receive(manager_s, service_s, (pasta, "24", date(2026, 9, 1)), (rice, "10", None))

    assert [(lot.product, lot.on_hand) for lot in lots] == [(pasta, D(24)), (rice, D(10))]
    assert list(StockMovement.objects.values_list("kind", "quantity").order_by("id")) == [
        ("receipt", D(24)),
        ("receipt", D(10)),
    ]
    assert stock_check() == []


@pytest.mark.parametrize(
    ("quantity", "best_before", "code", "field"),
    [
        ("0", None, "quantity_invalid", "quantity"),
        ("-3", None, "quantity_invalid", "quantity"),
        ("5412345678908", None, "quantity_invalid", "quantity"),  # a barcode in the field
        ("5", date(2026, 3, 1), "already_expired", "best_before"),
    ],
)
def test_a_receipt_refuses_a_bad_line_and_saves_nothing(
    manager_s, service_s, quantity, best_before, code, field
):
    good, bad = product(), product("Lait 1 l", "0.95")
    with pytest.raises(StockRefused) as refused:
        receive(manager_s, service_s, (good, "12", None), (bad, quantity, best_before))

    assert (refused.value.code, refused.value.field, refused.value.kind) == (
        code,
        field,
        ErrorKind.INVALID,
    )
    assert refused.value.message
    assert not Lot.objects.exists() and not StockMovement.objects.exists()


def test_only_a_manager_of_the_service_receives_stock(volunteer_s, service_s):
    with pytest.raises(StockRefused) as refused:
        receive(volunteer_s, service_s, (product(), "1", None))
    assert (refused.value.code, refused.value.kind) == ("not_allowed", ErrorKind.FORBIDDEN)


def test_a_take_empties_the_first_expiring_lot_first_and_skips_expired_ones(manager_s, service_s):
    pasta = product()
    undated, late, early = receive(
        manager_s,
        service_s,
        (pasta, "5", None),
        (pasta, "5", date(2026, 6, 30)),
        (pasta, "3", date(2026, 3, 10)),
    )
    expired = receive(manager_s, service_s, (pasta, "9", date(2026, 3, 5)))[0]
    Lot.objects.filter(pk=expired.pk).update(best_before=date(2026, 3, 1))

    movements = take(manager_s, service_s, {pasta: "7"})

    assert [(m.lot_id, m.quantity) for m in movements] == [(early.pk, D(-3)), (late.pk, D(-4))]
    assert (on_hand(early), on_hand(late), on_hand(undated), on_hand(expired)) == (
        D(0),
        D(1),
        D(5),
        D(9),
    )
    assert stock_check() == []


def test_a_take_short_of_stock_is_refused_whole(manager_s, service_s):
    pasta, rice = product(), product("Riz 1 kg", "2.10")
    pasta_lot, rice_lot = receive(manager_s, service_s, (pasta, "5", None), (rice, "2", None))

    with pytest.raises(StockRefused) as refused:
        take(manager_s, service_s, {pasta: "1", rice: "3"})

    assert refused.value.code == "out_of_stock"
    assert "Riz 1 kg" in refused.value.message and "2 disponible" in refused.value.message
    assert (on_hand(pasta_lot), on_hand(rice_lot)) == (D(5), D(2))
    assert StockMovement.objects.count() == 2


def test_a_take_costs_the_same_statements_for_one_or_ten_products(manager_s, service_s):
    products = [product(f"Produit {i}") for i in range(10)]
    receive(manager_s, service_s, *[(p, "10", None) for p in products])

    def statements(chosen):
        with CaptureQueriesContext(connection) as captured:
            take(manager_s, service_s, {p: "2" for p in chosen})
        return len([q for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]])

    assert statements(products[:1]) == statements(products) == 3
    assert stock_check() == []


def test_a_loss_needs_a_reason_and_cannot_exceed_the_lot(manager_s, service_s):
    lot = receive(manager_s, service_s, (product(), "4", None))[0]

    for quantity, reason, code in [("1", "", "reason_required"), ("5", "Cassé", "not_enough")]:
        with pytest.raises(StockRefused) as refused:
            stock_lose(actor=manager_s, lot=lot, quantity=D(quantity), reason=reason)
        assert refused.value.code == code
    stock_lose(
        actor=manager_s, lot=lot, quantity=D(1), reason="Périmé", kind=StockMovement.Kind.WASTE
    )

    assert on_hand(lot) == D(3)
    assert stock_check() == []


def test_the_database_refuses_a_balance_below_zero(manager_s, service_s):
    lot = receive(manager_s, service_s, (product(), "1", None))[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Lot.objects.filter(pk=lot.pk).update(on_hand=D(-1))


def test_the_check_command_names_a_lot_whose_balance_left_its_ledger(manager_s, service_s):
    lot = receive(manager_s, service_s, (product(), "6", None))[0]
    call_command("stock_check")

    Lot.objects.filter(pk=lot.pk).update(on_hand=D(5))
    assert stock_check()[0].lot_id == lot.pk
    with pytest.raises(CommandError, match="1 lot"):
        call_command("stock_check")
