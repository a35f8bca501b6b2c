"""Parcels under concurrency, on PostgreSQL with real threads released together."""

from decimal import Decimal

import pytest

from foodaid.models import Distribution
from foodaid.services import distribution_record, parcel_template_set
from stock.models import Lot
from stock.services import StockRefused, stock_check
from tests.concurrency import run_together
from tests.shop.test_sales_concurrency import accepted_visit, passes_for

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


def outcome(call) -> str:
    try:
        result = call()
    except StockRefused as refusal:
        return refusal.code
    return "replayed" if result.replayed else "given"


def test_two_tablets_giving_one_visits_parcel_give_it_once(
    postgres, frozen_day, pass_keys, open_s, service_s, manager_s, volunteer_s, catalogue, pass_a
):
    parcel_template_set(
        actor=manager_s,
        service=service_s,
        min_persons=1,
        max_persons=None,
        lines={catalogue["oil"].pk: D(1)},
    )
    visit = accepted_visit(service_s, volunteer_s, pass_a)
    results = run_together(
        2,
        lambda i: outcome(
            lambda: distribution_record(actor=volunteer_s, service=service_s, visit_id=visit.pk)
        ),
    )
    assert sorted(results) == ["given", "replayed"]
    assert Distribution.objects.count() == 1
    assert Lot.objects.get(product=catalogue["oil"]).on_hand == 4


def test_eight_parcels_of_two_packs_from_ten_give_five_and_refuse_three(
    postgres,
    frozen_day,
    pass_keys,
    open_s,
    service_s,
    manager_s,
    volunteer_s,
    catalogue,
    partner_a,
    social_worker_a,
):
    # Nappies have no stand-in in their category: the sixth parcel finds nothing.
    parcel_template_set(
        actor=manager_s,
        service=service_s,
        min_persons=1,
        max_persons=None,
        lines={catalogue["nappies"].pk: D(2)},
    )
    visits = [
        accepted_visit(service_s, volunteer_s, access_pass)
        for access_pass in passes_for(8, social_worker_a, partner_a, service_s)
    ]
    results = run_together(
        8,
        lambda i: outcome(
            lambda: distribution_record(actor=volunteer_s, service=service_s, visit_id=visits[i].pk)
        ),
    )
    assert sorted(results) == ["given"] * 5 + ["out_of_stock"] * 3
    assert Lot.objects.get(product=catalogue["nappies"]).on_hand == 0
    assert stock_check() == []
