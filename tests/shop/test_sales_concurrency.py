"""Sales under concurrency, on PostgreSQL with real threads released together."""

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from counter.services import visit_record
from passes.selectors import pass_token
from passes.services import pass_issue
from shop.models import Sale
from shop.offline import offline_sales_record
from shop.services import basket_open, basket_put, sale_checkout
from stock.models import Lot, OfflineHandout, StockMovement
from stock.offline import HandoutSent
from stock.services import StockRefused, stock_check
from tests.concurrency import run_together
from tests.factories import assess, convention_make, household_make
from tests.stock.conftest import NAPPIES_EAN, OIL_EAN

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal
MORNING = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Europe/Brussels"))


def accepted_visit(service, volunteer, access_pass, moment=MORNING):
    verdict = visit_record(
        text=pass_token(access_pass=access_pass),
        service=service,
        user=volunteer,
        idempotency_key=uuid.uuid4().hex,
        moment=moment,
    )
    assert verdict.accepted, verdict.reason
    return verdict.visit


def passes_for(count, social_worker, partner, service, **rules):
    convention = convention_make(partner, [service], max_active_passes=count, **rules)
    made = []
    for _ in range(count):
        household = household_make(social_worker, partner)
        assess(social_worker, household)
        made.append(pass_issue(actor=social_worker, household=household, convention=convention))
    return made


def outcome(call) -> str:
    try:
        call()
    except StockRefused as refusal:
        return refusal.code
    return "sold"


def test_twenty_tablets_buying_the_last_five_units_sell_exactly_five(
    postgres,
    frozen_day,
    pass_keys,
    open_s,
    catalogue,
    service_s,
    volunteer_s,
    social_worker_a,
    partner_a,
):
    Lot.objects.filter(product=catalogue["oil"]).update(on_hand=D(5))  # as received: 5
    baskets = []
    for access_pass in passes_for(20, social_worker_a, partner_a, service_s):
        visit = accepted_visit(service_s, volunteer_s, access_pass)
        basket = basket_open(actor=volunteer_s, service=service_s, visit_id=visit.pk)
        basket_put(
            actor=volunteer_s,
            service=service_s,
            basket_id=basket.pk,
            barcode=OIL_EAN,
            quantity=D(1),
        )
        baskets.append(basket)

    outcomes = run_together(
        20,
        lambda i: outcome(
            lambda: sale_checkout(
                actor=volunteer_s, service=service_s, basket_id=baskets[i].pk, payment="card"
            )
        ),
    )

    assert outcomes.count("sold") == 5, outcomes
    assert set(outcomes) == {"sold", "out_of_stock"}, outcomes
    assert Lot.objects.get(product=catalogue["oil"]).on_hand == 0
    assert Sale.objects.count() == 5
    assert StockMovement.objects.filter(kind="sale").count() == 5
    assert stock_check() == []


def test_two_tablets_checking_out_one_basket_make_one_sale(
    postgres, frozen_day, pass_keys, open_s, catalogue, service_s, volunteer_s, visit_a
):
    basket = basket_open(actor=volunteer_s, service=service_s, visit_id=visit_a.pk)
    basket_put(
        actor=volunteer_s, service=service_s, basket_id=basket.pk, barcode=OIL_EAN, quantity=D(2)
    )

    results = run_together(
        2,
        lambda i: sale_checkout(
            actor=volunteer_s, service=service_s, basket_id=basket.pk, payment="card"
        ),
    )

    assert sorted(result.replayed for result in results) == [False, True], results
    assert results[0].sale.pk == results[1].sale.pk
    assert Sale.objects.count() == 1
    assert Lot.objects.get(product=catalogue["oil"]).on_hand == 3
    assert stock_check() == []


def test_two_sales_at_once_never_overspend_a_households_budget(
    postgres,
    frozen_day,
    pass_keys,
    open_s,
    catalogue,
    service_s,
    volunteer_s,
    social_worker_a,
    partner_a,
):
    # One person: a budget of 40 € a month; nappies at 2.50 €; two visits allowed a day.
    (access_pass,) = passes_for(
        1, social_worker_a, partner_a, service_s, visits_per_week=None, budget=(4000, 1500)
    )
    Lot.objects.filter(product=catalogue["nappies"]).update(on_hand=D(40))
    StockMovement.objects.filter(lot__product=catalogue["nappies"]).update(quantity=D(40))
    baskets = []
    for minutes in (0, 30):
        visit = accepted_visit(
            service_s, volunteer_s, access_pass, MORNING + timedelta(minutes=minutes)
        )
        basket = basket_open(actor=volunteer_s, service=service_s, visit_id=visit.pk)
        # 12 × 2.50 = 30 € each: either fits the budget, both do not.
        basket_put(
            actor=volunteer_s,
            service=service_s,
            basket_id=basket.pk,
            barcode=NAPPIES_EAN,
            quantity=D(12),
        )
        baskets.append(basket)

    outcomes = run_together(
        2,
        lambda i: outcome(
            lambda: sale_checkout(
                actor=volunteer_s, service=service_s, basket_id=baskets[i].pk, payment="card"
            )
        ),
    )

    assert sorted(outcomes) == ["over_budget", "sold"], outcomes
    assert Sale.objects.get().amount_due == D(30)
    assert stock_check() == []


def test_a_lot_emptied_while_a_checkout_waits_for_it_sends_it_to_the_next_lot(
    postgres,
    frozen_day,
    pass_keys,
    open_s,
    catalogue,
    service_s,
    volunteer_s,
    social_worker_a,
    partner_a,
    manager_s,
):
    """The checkout locks only the lots it needs as it reads them; when another tablet
    empties one of them before the lock is granted, it locks the others and still sells."""
    import threading
    import time

    from django.db import connection, transaction

    from stock.services import ReceiptLine, stock_receive

    oil = catalogue["oil"]
    Lot.objects.filter(product=oil).update(on_hand=D(1))  # the first lot: one bottle left
    StockMovement.objects.filter(lot__product=oil).update(quantity=D(1))
    stock_receive(
        actor=manager_s,
        service=service_s,
        origin="purchase",
        lines=[ReceiptLine(oil, D(5), frozen_day + timedelta(days=300))],
    )
    baskets = []
    for access_pass in passes_for(2, social_worker_a, partner_a, service_s):
        visit = accepted_visit(service_s, volunteer_s, access_pass)
        basket = basket_open(actor=volunteer_s, service=service_s, visit_id=visit.pk)
        basket_put(
            actor=volunteer_s,
            service=service_s,
            basket_id=basket.pk,
            barcode=OIL_EAN,
            quantity=D(1),
        )
        baskets.append(basket)
    first_sold, release = threading.Event(), threading.Event()
    outcomes: dict[str, str] = {}

    def first() -> None:
        try:
            with transaction.atomic():  # holds the first lot's lock until released
                sale_checkout(
                    actor=volunteer_s,
                    service=service_s,
                    basket_id=baskets[0].pk,
                    payment="card",
                )
                first_sold.set()
                release.wait(10)
            outcomes["first"] = "sold"
        finally:
            connection.close()

    def second() -> None:
        try:
            first_sold.wait(10)
            outcomes["second"] = outcome(
                lambda: sale_checkout(
                    actor=volunteer_s,
                    service=service_s,
                    basket_id=baskets[1].pk,
                    payment="card",
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_sold.wait(10)
    time.sleep(0.5)  # the second checkout is now waiting for the first lot
    release.set()
    for thread in threads:
        thread.join(30)

    assert outcomes == {"first": "sold", "second": "sold"}
    assert sorted(Lot.objects.filter(product=oil).values_list("on_hand", flat=True)) == [
        D(0),
        D(4),
    ]
    assert stock_check() == []


def offline_sale(visit, product, key=None):
    """A sale a tablet made offline after `visit`, as the sync receives it."""
    return HandoutSent(
        idempotency_key=key or uuid.uuid4().hex,
        visit_key=visit.idempotency_key,
        at=visit.at + timedelta(minutes=1),
        lines=[{"product": product.pk, "quantity": "1"}],
        payment="card",
    )


def test_ten_tablets_syncing_offline_sales_of_the_last_five_units_record_five(
    postgres,
    frozen_day,
    pass_keys,
    open_s,
    catalogue,
    service_s,
    volunteer_s,
    social_worker_a,
    partner_a,
):
    Lot.objects.filter(product=catalogue["oil"]).update(on_hand=D(5))  # as received: 5
    visits = [
        accepted_visit(service_s, volunteer_s, access_pass)
        for access_pass in passes_for(10, social_worker_a, partner_a, service_s)
    ]

    results = run_together(
        10,
        lambda i: (
            offline_sales_record(
                service=service_s,
                user=volunteer_s,
                sales=[offline_sale(visits[i], catalogue["oil"])],
            )[0].status
        ),
    )

    # Nothing lost: five sales, five waiting for the manager; never below zero.
    assert sorted(results) == ["pending"] * 5 + ["recorded"] * 5, results
    assert Sale.objects.count() == 5
    assert OfflineHandout.objects.count() == 10
    assert Lot.objects.get(product=catalogue["oil"]).on_hand == 0
    assert stock_check() == []


def test_one_offline_sale_synced_twice_at_once_is_recorded_once(
    postgres, frozen_day, pass_keys, open_s, catalogue, service_s, volunteer_s, visit_a
):
    sent = offline_sale(visit_a, catalogue["oil"])

    results = run_together(
        2,
        lambda i: offline_sales_record(service=service_s, user=volunteer_s, sales=[sent])[0].status,
    )

    assert sorted(results) == ["recorded", "replayed"], results
    assert Sale.objects.count() == 1
    assert OfflineHandout.objects.get().status == "recorded"
    assert Lot.objects.get(product=catalogue["oil"]).on_hand == 4
    assert stock_check() == []
