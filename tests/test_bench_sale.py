"""The sale benchmark's seeding, on a small scale: the shop, its catalogue and baskets that
the real API pays; and how its pgbench script finds the ids in a checkout's SQL."""

import random
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from bench.sale_sql import KINDS, column_at, number_spans
from demo.bench.seed import batch_write, counter_setup, world_setup
from demo.bench.shop import LOTS_PER_PRODUCT, baskets_prepare, shop_reset, shop_seed
from passes.models import AccessPass
from shop.models import Basket, Sale
from stock.models import Barcode, Lot, Product, ServicePrice
from stock.services import barcode_clean, stock_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = world_setup("bench-scan", timezone.localdate(), "active")
    counter_setup(world.service)
    rng = random.Random(1)  # noqa: S311  (names, not secrets)
    batch_write(world, 12, rng, {"households": 0, "members": 0, "passes": 0})
    return world


def test_the_shop_is_seeded_once_and_its_baskets_are_paid_through_the_api(world):
    shop, said = shop_seed(world, 2024, products=8)
    again, said_again = shop_seed(world, 2024, products=8)

    assert said and not said_again
    assert again == shop
    assert (Product.objects.count(), Barcode.objects.count()) == (8, 8)
    assert ServicePrice.objects.filter(service=shop.service).count() == 8
    assert Lot.objects.filter(service=shop.service).count() == 8 * LOTS_PER_PRODUCT
    assert all(barcode_clean(code) == code for code in shop.barcodes)
    first = Lot.objects.get(pk=shop.first_lots[3])
    assert first.product_id == shop.products[3]
    assert first.best_before == min(
        Lot.objects.filter(product_id=shop.products[3]).values_list("best_before", flat=True)
    )
    assert first.best_before > timezone.localdate() + timedelta(days=30)
    # Every pass of the partner may buy at the shop, under a budget rule of its own.
    access_pass = AccessPass.objects.filter(partner=world.partner).first()
    assert shop.service in access_pass.services.all()
    assert {r.kind for r in access_pass.rule_snapshots(shop.service.pk)} == {"visits", "budget"}

    passes = list(AccessPass.objects.filter(partner=world.partner).values_list("pk", flat=True))
    rng = random.Random(2)  # noqa: S311  (an order, not a secret)
    baskets = baskets_prepare(shop, passes=passes[:3], lines=5, tag="t", rng=rng)
    token = Token.objects.get(user=shop.seller).key
    client = Client(headers={"Authorization": f"Token {token}"})
    for basket in baskets:
        response = client.post(
            f"/api/shop/baskets/{basket}/checkout/?service={shop.service.pk}",
            {"payment": "card"},
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
        assert len(response.json()["lines"]) == 5
    empty = baskets_prepare(shop, passes=passes[3:4], lines=0, tag="u", rng=rng)[0]
    scanned = client.post(
        f"/api/shop/baskets/{empty}/lines/?service={shop.service.pk}",
        {"barcode": shop.barcodes[0], "quantity": "1"},
        content_type="application/json",
    )
    assert scanned.status_code == 200, scanned.content
    assert stock_check() == []

    assert shop_reset(shop.service) == 3
    assert not Sale.objects.exists() and not Basket.objects.exists()
    assert set(Lot.objects.values_list("on_hand", flat=True)) == {Lot.objects.first().on_hand}
    assert stock_check() == []


def test_the_pgbench_script_finds_each_number_s_column():
    sql = (
        'INSERT INTO "shop_saleline" ("sale_id", "product_id", "lot_id", "quantity") '
        "SELECT * FROM UNNEST(('{779,779}'::int2[])::bigint[], ('{138,583}'::int2[])::bigint[], "
        "('{2741,11641}'::int2[])::bigint[], ('{1.000,1.000}'::numeric[])::numeric[])"
    )
    found = {sql[a:b]: KINDS.get(column_at(sql, a)) for a, b in number_spans(sql)}
    assert found == {"779": "id", "138": "p", "583": "p", "2741": "l", "11641": "l", "1.000": None}

    sql = (
        'SELECT "shop_lot"."id" FROM "shop_lot" WHERE ("shop_lot"."product_id" IN (138, 583) '
        'AND "shop_lot"."service_id" = 3 AND "shop_lot"."best_before" >= \'2026-12-02\'::date) '
        'ORDER BY "shop_lot"."id" LIMIT 21'
    )
    found = {sql[a:b]: KINDS.get(column_at(sql, a)) for a, b in number_spans(sql)}
    assert found == {"138": "p", "583": "p", "3": None, "21": None}
