"""The sale: baskets on an accepted visit, checkout, budget, cash rounding, corrections."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from comptoir.errors import ErrorKind
from counter.services import visit_undo
from shop.models import Basket, Sale, SaleLine
from shop.pricing import cash_round
from shop.selectors import basket_quote
from shop.services import basket_abandon, basket_open, basket_put, sale_checkout, sale_correct
from stock.models import Lot, StockMovement
from stock.services import (
    ReceiptLine,
    StockRefused,
    product_create,
    service_price_set,
    stock_check,
    stock_receive,
)
from tests.factories import membership, organisation, user
from tests.stock.conftest import NAPPIES_EAN, OIL_EAN, PASTA_EAN, scan

pytestmark = pytest.mark.django_db
D = Decimal


def refusal_of(call) -> StockRefused:
    with pytest.raises(StockRefused) as caught:
        call()
    return caught.value


@pytest.fixture
def basket(catalogue, visit_a, volunteer_s, service_s) -> Basket:
    return basket_open(actor=volunteer_s, service=service_s, visit_id=visit_a.pk)


def put(basket, volunteer, service, code, quantity="1", **kw):
    return basket_put(
        actor=volunteer,
        service=service,
        basket_id=basket.pk,
        barcode=code,
        quantity=D(quantity),
        **kw,
    )


# --- prices ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "paid"),
    [
        ("0.01", "0.00"),
        ("0.02", "0.00"),
        ("0.03", "0.05"),
        ("0.07", "0.05"),
        ("0.08", "0.10"),
        ("12.42", "12.40"),
        ("12.43", "12.45"),
        ("-1.02", "-1.00"),
    ],
)
def test_cash_in_belgium_rounds_to_five_cents(due, paid):
    assert cash_round(D(due), "BE") == D(paid)
    assert cash_round(D(due), "FR") == D(due)


def test_the_quote_shows_market_value_amount_due_aid_and_budget(basket, volunteer_s, service_s):
    put(basket, volunteer_s, service_s, PASTA_EAN, "3")
    put(basket, volunteer_s, service_s, OIL_EAN)

    quote = basket_quote(basket)

    # Pasta: 2 from the EU lot (free, older) then 1 from the food bank at 30 % of 1.29.
    assert [(line.product.name, line.quantity, line.amount) for line in quote.lines] == [
        ("Pâtes 500 g", D(3), D("0.39")),
        ("Huile de tournesol 1 l", D(1), D("1.00")),
    ]
    assert quote.market_total == D("7.36")  # 3 × 1.29 + 3.49
    assert quote.amount_due == D("1.39")
    assert quote.aid == D("5.97")
    assert quote.cash_amount == D("1.40")
    assert quote.budget is not None
    assert (quote.budget.total, quote.budget.used) == (D(70), D(0))  # 40 € + 2 × 15 €
    assert quote.budget_left_after == D("68.61")


# --- the basket ---------------------------------------------------------------------------


def test_a_basket_opens_once_per_visit_and_survives_a_reload(
    basket, visit_a, volunteer_s, service_s
):
    again = basket_open(actor=volunteer_s, service=service_s, visit_id=visit_a.pk)
    assert again.pk == basket.pk
    put(basket, volunteer_s, service_s, PASTA_EAN, "2")
    put(basket, volunteer_s, service_s, PASTA_EAN)
    assert [(line.product.name, line.quantity) for line in basket.lines.all()] == [
        ("Pâtes 500 g", D(3))
    ]


def test_setting_a_quantity_to_zero_takes_the_product_out(
    basket, volunteer_s, service_s, catalogue
):
    put(basket, volunteer_s, service_s, OIL_EAN, "2")
    basket_put(
        actor=volunteer_s,
        service=service_s,
        basket_id=basket.pk,
        product_id=catalogue["oil"].pk,
        quantity=D(0),
        add=False,
    )
    assert not basket.lines.exists()


@pytest.mark.parametrize(
    ("code", "quantity", "expected"),
    [
        ("5410000000018", "1", "barcode_invalid"),  # wrong check digit
        ("hello", "1", "barcode_invalid"),
        ("5400000000003", "1", "unknown_barcode"),
        (PASTA_EAN, "0", "quantity_invalid"),
        (PASTA_EAN, "-2", "quantity_invalid"),
        (PASTA_EAN, "1.5", "quantity_whole"),
        (PASTA_EAN, "5410000000019", "quantity_invalid"),
        (OIL_EAN, "6", "out_of_stock"),
    ],
)
def test_bad_lines_are_refused_and_the_basket_is_unchanged(
    basket, volunteer_s, service_s, code, quantity, expected
):
    put(basket, volunteer_s, service_s, NAPPIES_EAN)
    refusal = refusal_of(lambda: put(basket, volunteer_s, service_s, code, quantity))
    assert refusal.code == expected
    assert refusal.message
    assert [(line.product.name, line.quantity) for line in basket.lines.all()] == [
        ("Langes taille 4", D(1))
    ]


def test_a_product_not_sold_here_is_refused(basket, volunteer_s, service_s, manager_s):
    product_create(
        actor=manager_s,
        service=service_s,
        name="Café 250 g",
        category="dry",
        unit="piece",
        market_price=D("3.20"),
        barcodes=["5410000000040"],
    )
    refusal = refusal_of(lambda: put(basket, volunteer_s, service_s, "5410000000040"))
    assert refusal.code == "not_sold_here"
    assert refusal.message == "Café 250 g n'est pas vendu à Épicerie S."


def test_a_product_whose_only_stock_is_past_its_date_is_refused_as_expired(
    basket, volunteer_s, service_s, catalogue
):
    Lot.objects.filter(product=catalogue["oil"]).update(best_before=date(2026, 3, 1))
    assert refusal_of(lambda: put(basket, volunteer_s, service_s, OIL_EAN)).code == "expired"


def test_over_budget_is_refused_in_the_volunteers_language(basket, volunteer_s, service_s):
    # Nappies at 2.50 €: 10 units make 25 €; the budget is 70 €, so refuse at the 29th euro.
    Lot.objects.filter(product__name="Langes taille 4").update(on_hand=40)
    StockMovement.objects.filter(lot__product__name="Langes taille 4").update(quantity=40)
    put(basket, volunteer_s, service_s, NAPPIES_EAN, "28")
    with translation.override("nl"):
        refusal = refusal_of(lambda: put(basket, volunteer_s, service_s, NAPPIES_EAN))
    assert refusal.code == "over_budget"
    assert "Budget" in refusal.message and "70,00" in refusal.message
    assert basket.lines.get().quantity == D(28)


@pytest.mark.parametrize("case", ["refused", "undone", "other_day", "not_a_shop", "sold"])
def test_a_basket_needs_an_accepted_visit_of_today_at_a_shop(
    case, catalogue, visit_a, volunteer_s, service_s, pass_a, frozen_day
):
    visit_id = visit_a.pk
    service = service_s
    moment = None
    if case == "refused":
        visit_id = scan(service_s, volunteer_s, pass_a).pk  # already served this week
    elif case == "undone":
        visit_undo(visit_id=visit_a.pk, service=service_s, user=volunteer_s, reason="erreur")
    elif case == "other_day":
        moment = datetime(2026, 3, 3, 9, 0, tzinfo=ZoneInfo("Europe/Brussels"))
    elif case == "not_a_shop":
        service_s.service_kind = "food_aid"
        service_s.save()
    else:
        basket = basket_open(actor=volunteer_s, service=service_s, visit_id=visit_a.pk)
        put(basket, volunteer_s, service_s, OIL_EAN)
        sale_checkout(actor=volunteer_s, service=service_s, basket_id=basket.pk, payment="card")
    refusal = refusal_of(
        lambda: basket_open(actor=volunteer_s, service=service, visit_id=visit_id, moment=moment)
    )
    assert (
        refusal.code
        == {
            "refused": "visit_not_accepted",
            "undone": "visit_undone",
            "other_day": "visit_not_today",
            "not_a_shop": "not_a_shop",
            "sold": "visit_already_sold",
        }[case]
    )


def test_a_social_worker_or_another_counter_cannot_touch_a_basket(
    basket, social_worker_a, volunteer_s, service_s
):
    refusal = refusal_of(lambda: put(basket, social_worker_a, service_s, OIL_EAN))
    assert (refusal.code, refusal.kind) == ("not_allowed", ErrorKind.FORBIDDEN)
    other = organisation(kind="service", name="Autre", slug="autre", service_kind="shop")
    membership(volunteer_s, other, "volunteer")
    volunteer = type(volunteer_s).objects.get(pk=volunteer_s.pk)
    refusal = refusal_of(lambda: put(basket, volunteer, other, OIL_EAN))
    assert refusal.kind == ErrorKind.NOT_FOUND


# --- checkout -----------------------------------------------------------------------------


def test_a_cash_checkout_takes_fefo_records_the_sale_and_gives_change(
    basket, volunteer_s, service_s, catalogue
):
    put(basket, volunteer_s, service_s, PASTA_EAN, "3")
    put(basket, volunteer_s, service_s, OIL_EAN)

    sale = sale_checkout(
        actor=volunteer_s, service=service_s, basket_id=basket.pk, payment="cash", tendered=D(5)
    ).sale

    assert (sale.market_total, sale.amount_due, sale.amount_paid) == (
        D("7.36"),
        D("1.39"),
        D("1.40"),
    )
    assert sale.change == D("3.60")
    assert sale.aid_given == D("5.97")
    eu_lot = Lot.objects.get(origin="eu_food_aid")
    assert eu_lot.on_hand == 0  # the older, free lot left first
    assert list(
        SaleLine.objects.filter(sale=sale).values_list("lot__origin", "quantity", "amount")
    ) == [
        ("eu_food_aid", D(2), D(0)),
        ("food_bank", D(1), D("0.39")),
        ("food_bank", D(1), D("1.00")),
    ]
    assert sale.movements.filter(kind="sale").count() == 3
    basket.refresh_from_db()
    assert basket.status == "paid"
    assert stock_check() == []


def test_card_payments_are_not_rounded_and_free_baskets_pay_nothing(
    basket, volunteer_s, service_s, manager_s, pass_b
):
    put(basket, volunteer_s, service_s, PASTA_EAN, "3")
    sale = sale_checkout(
        actor=volunteer_s, service=service_s, basket_id=basket.pk, payment="card"
    ).sale
    assert (sale.amount_due, sale.amount_paid, sale.payment) == (D("0.39"), D("0.39"), "card")

    milk = product_create(
        actor=manager_s,
        service=service_s,
        name="Lait UHT 1 l",
        category="drinks",
        unit="piece",
        market_price=D("1.05"),
        barcodes=["5410000000057"],
    )
    service_price_set(actor=manager_s, service=service_s, product=milk, price=D("0.30"))
    stock_receive(
        actor=manager_s,
        service=service_s,
        origin="eu_food_aid",
        lines=[ReceiptLine(milk, D(6), None)],
    )
    free = basket_open(
        actor=volunteer_s, service=service_s, visit_id=scan(service_s, volunteer_s, pass_b).pk
    )
    put(free, volunteer_s, service_s, "5410000000057", "2")
    sale = sale_checkout(
        actor=volunteer_s, service=service_s, basket_id=free.pk, payment="cash"
    ).sale
    assert (sale.market_total, sale.amount_due, sale.payment, sale.tendered) == (
        D("2.10"),
        D(0),
        "none",
        None,
    )


@pytest.mark.parametrize(
    ("payment", "tendered", "code"),
    [
        ("none", None, "payment_required"),
        ("cash", "1.00", "tendered_short"),
        ("", None, "payment_required"),
    ],
)
def test_payment_refusals_leave_the_basket_open(
    basket, volunteer_s, service_s, payment, tendered, code
):
    put(basket, volunteer_s, service_s, NAPPIES_EAN)
    refusal = refusal_of(
        lambda: sale_checkout(
            actor=volunteer_s,
            service=service_s,
            basket_id=basket.pk,
            payment=payment,
            tendered=D(tendered) if tendered else None,
        )
    )
    assert refusal.code == code
    basket.refresh_from_db()
    assert basket.status == "open"
    assert not Sale.objects.exists() and not StockMovement.objects.filter(kind="sale").exists()


def test_a_checkout_sent_twice_makes_one_sale(basket, volunteer_s, service_s):
    put(basket, volunteer_s, service_s, OIL_EAN)
    first = sale_checkout(actor=volunteer_s, service=service_s, basket_id=basket.pk, payment="card")
    second = sale_checkout(
        actor=volunteer_s, service=service_s, basket_id=basket.pk, payment="card"
    )
    assert second.replayed and second.sale.pk == first.sale.pk
    assert Sale.objects.count() == 1


def test_an_empty_or_abandoned_basket_does_not_check_out(basket, volunteer_s, service_s):
    assert (
        refusal_of(
            lambda: sale_checkout(
                actor=volunteer_s, service=service_s, basket_id=basket.pk, payment="card"
            )
        ).code
        == "basket_empty"
    )
    basket_abandon(actor=volunteer_s, service=service_s, basket_id=basket.pk)
    assert (
        refusal_of(
            lambda: sale_checkout(
                actor=volunteer_s, service=service_s, basket_id=basket.pk, payment="card"
            )
        ).code
        == "basket_abandoned"
    )


def test_stock_sold_by_another_tablet_meanwhile_refuses_the_checkout_whole(
    basket, volunteer_s, service_s, catalogue
):
    put(basket, volunteer_s, service_s, OIL_EAN, "3")
    put(basket, volunteer_s, service_s, NAPPIES_EAN)
    Lot.objects.filter(product=catalogue["oil"]).update(on_hand=2)
    refusal = refusal_of(
        lambda: sale_checkout(
            actor=volunteer_s, service=service_s, basket_id=basket.pk, payment="card"
        )
    )
    assert refusal.code == "out_of_stock"
    assert "2 disponible" in refusal.message
    assert not Sale.objects.exists()
    assert Lot.objects.get(product=catalogue["nappies"]).on_hand == 10


def test_the_budget_is_drawn_down_by_each_sale_of_the_month(
    catalogue, visit_a, volunteer_s, service_s, pass_a
):
    Lot.objects.filter(product__name="Langes taille 4").update(on_hand=40)
    StockMovement.objects.filter(lot__product__name="Langes taille 4").update(quantity=40)
    basket = basket_open(actor=volunteer_s, service=service_s, visit_id=visit_a.pk)
    put(basket, volunteer_s, service_s, NAPPIES_EAN, "20")  # 50 €
    sale_checkout(actor=volunteer_s, service=service_s, basket_id=basket.pk, payment="card")

    with time_machine.travel(
        datetime(2026, 3, 9, 10, tzinfo=ZoneInfo("Europe/Brussels")), tick=False
    ):
        visit = scan(service_s, volunteer_s, pass_a)
        assert visit.accepted, visit.reason
        second = basket_open(actor=volunteer_s, service=service_s, visit_id=visit.pk)
        quote = basket_quote(second)
        assert quote.budget is not None and quote.budget.left == D(20)
        put(second, volunteer_s, service_s, NAPPIES_EAN, "8")  # 20 €: exactly what is left
        assert (
            refusal_of(lambda: put(second, volunteer_s, service_s, OIL_EAN)).code == "over_budget"
        )

    with time_machine.travel(
        datetime(2026, 4, 7, 10, tzinfo=ZoneInfo("Europe/Brussels")), tick=False
    ):
        visit = scan(service_s, volunteer_s, pass_a)
        assert visit.accepted, visit.reason
        april = basket_open(actor=volunteer_s, service=service_s, visit_id=visit.pk)
        assert basket_quote(april).budget.left == D(70)  # a new month (after Easter Monday)


def test_a_checkout_costs_the_same_statements_for_one_line_or_three(
    catalogue, visit_a, volunteer_s, service_s, pass_b
):
    def checkout_queries(visit, codes):
        basket = basket_open(actor=volunteer_s, service=service_s, visit_id=visit.pk)
        for code in codes:
            put(basket, volunteer_s, service_s, code)
        with CaptureQueriesContext(connection) as capture:
            sale_checkout(actor=volunteer_s, service=service_s, basket_id=basket.pk, payment="card")
        return len(capture.captured_queries)

    one = checkout_queries(visit_a, [OIL_EAN])
    three = checkout_queries(
        scan(service_s, volunteer_s, pass_b), [PASTA_EAN, OIL_EAN, NAPPIES_EAN]
    )
    assert one == three
    assert one <= 15


# --- corrections --------------------------------------------------------------------------


@pytest.fixture
def sale(basket, volunteer_s, service_s) -> Sale:
    put(basket, volunteer_s, service_s, PASTA_EAN, "3")
    put(basket, volunteer_s, service_s, NAPPIES_EAN, "2")
    return sale_checkout(
        actor=volunteer_s, service=service_s, basket_id=basket.pk, payment="cash"
    ).sale


def test_returning_an_item_the_same_day_gives_back_stock_and_budget(
    sale, volunteer_s, service_s, catalogue
):
    assert sale.amount_due == D("5.39")
    correction = sale_correct(
        actor=volunteer_s,
        service=service_s,
        sale_id=sale.pk,
        reason="Langes trop petits",
        returns={catalogue["nappies"].pk: D(1)},
    )
    assert (correction.amount_due, correction.amount_paid, correction.corrects) == (
        D("-2.50"),
        D("-2.50"),
        sale,
    )
    assert Lot.objects.get(product=catalogue["nappies"]).on_hand == 9
    assert correction.movements.filter(kind="correction").count() == 1
    assert stock_check() == []
    basket = Basket.objects.get(sale=sale)
    assert basket_quote(basket).budget.used == D("2.89")
    assert Sale.objects.count() == 2  # nothing deleted


def test_cancelling_takes_back_everything_once(sale, volunteer_s, service_s, catalogue):
    sale_correct(actor=volunteer_s, service=service_s, sale_id=sale.pk, reason="Mauvaise carte")
    assert Lot.objects.get(origin="eu_food_aid").on_hand == 2
    assert Lot.objects.get(product=catalogue["nappies"]).on_hand == 10
    assert Sale.objects.filter(corrects=sale).get().amount_paid == D("-5.40")  # cash, rounded
    refusal = refusal_of(
        lambda: sale_correct(actor=volunteer_s, service=service_s, sale_id=sale.pk, reason="encore")
    )
    assert refusal.code == "already_cancelled"
    assert stock_check() == []


def test_correction_refusals(sale, volunteer_s, service_s, catalogue, manager_s):
    other_volunteer = membership(user("benevole.deux"), service_s, "volunteer").user
    cases = [
        (
            lambda: sale_correct(actor=volunteer_s, service=service_s, sale_id=sale.pk, reason=" "),
            "reason_required",
        ),
        (
            lambda: sale_correct(
                actor=other_volunteer, service=service_s, sale_id=sale.pk, reason="oups"
            ),
            "not_allowed",
        ),
        (
            lambda: sale_correct(
                actor=volunteer_s,
                service=service_s,
                sale_id=sale.pk,
                reason="trop",
                returns={catalogue["nappies"].pk: D(3)},
            ),
            "return_too_much",
        ),
        (
            lambda: sale_correct(
                actor=volunteer_s,
                service=service_s,
                sale_id=sale.pk,
                reason="zéro",
                returns={catalogue["nappies"].pk: D(0)},
            ),
            "quantity_invalid",
        ),
        (
            lambda: sale_correct(
                actor=volunteer_s,
                service=service_s,
                sale_id=sale.pk,
                reason="demain",
                moment=sale.at + timedelta(days=1),
            ),
            "correction_too_late",
        ),
    ]
    for call, code in cases:
        assert refusal_of(call).code == code
    assert Sale.objects.count() == 1
    # A manager may correct a volunteer's sale.
    sale_correct(actor=manager_s, service=service_s, sale_id=sale.pk, reason="Erreur de prix")


def test_a_visit_with_a_sale_cannot_be_undone_until_the_sale_is_cancelled(
    sale, volunteer_s, service_s
):
    from counter.services import UndoRefused

    with pytest.raises(UndoRefused) as caught:
        visit_undo(visit_id=sale.visit_id, service=service_s, user=volunteer_s, reason="erreur")
    assert caught.value.code == "visit_in_use"
    assert "annulez d'abord la vente" in caught.value.message


def test_a_basket_left_open_overnight_does_not_check_out_the_next_day(
    basket, volunteer_s, service_s
):
    put(basket, volunteer_s, service_s, OIL_EAN)
    tomorrow = datetime(2026, 3, 3, 9, 0, tzinfo=ZoneInfo("Europe/Brussels"))
    refusal = refusal_of(
        lambda: sale_checkout(
            actor=volunteer_s,
            service=service_s,
            basket_id=basket.pk,
            payment="card",
            moment=tomorrow,
        )
    )
    assert refusal.code == "visit_not_today"
    assert not Sale.objects.exists()


def test_the_household_page_lists_the_sale_for_its_social_worker(
    client, basket, volunteer_s, service_s, social_worker_a, household_a
):
    put(basket, volunteer_s, service_s, OIL_EAN)
    sale_checkout(actor=volunteer_s, service=service_s, basket_id=basket.pk, payment="card")
    client.force_login(social_worker_a)
    page = client.get(f"/households/{household_a.pk}/").content.decode()
    # Oil: 3.49 € at market, 1.00 € paid.
    assert "Achats : 1,00\xa0€ payés, aide 2,49\xa0€" in page
