"""The sale benchmark's shop: a catalogue, its prices and stock, and baskets ready to pay.

A social shop of the scan benchmark's partner (`bench-scan`), open to its
100,000 passes: 1,000 products with one EAN-13 each and a price at the shop,
20 lots of each (20,000), dated months ahead and holding more than any run
sells, and the volunteer `bench.vendeur` with a device token. The partner's
convention gets a budget rule at the shop so large that no checkout is refused:
the checkout still reads the budget, as it does at a real shop.

Rows are bulk-written, as in `demo.bench.seed`: the catalogue's and the stock's
services write one audit entry per change. The baskets a run pays are written
the same way, with their accepted visits of now: what the benchmark measures is
the checkout, not the scan nor the basket being filled.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import DateField, ExpressionWrapper, F, Min
from django.utils import timezone
from rest_framework.authtoken.models import Token
from stdnum import ean

from counter.models import Visit
from demo.bench.seed import BATCH, BenchWorld, bench_password
from demo.world import RuleSpec, counter_open_all_day, organisation_make, usage_rule_make, user_make
from network.models import Organisation, Role, UsageRule, User
from passes.models import AccessPass
from shop.models import Basket, BasketLine, Sale, SaleLine
from stock.models import Barcode, Lot, Product, ServicePrice, StockMovement

SELLER = "bench.vendeur"
PRODUCTS = 1000
LOTS_PER_PRODUCT = 20
# 100,000 of each product in stock: a run sells a few hundred of one.
LOT_QUANTITY = Decimal(5000)
# EAN-13 numbers 299…: the in-store range (20–29) that no manufacturer's product carries.
BARCODE_PREFIX = "299"
# 10,000 € a month: a budget rule the checkout reads, and that never refuses.
BUDGET_CENTS = 1_000_000
# The first lot stays at least this far from its date; a later run moves the dates on.
FRESH_DAYS = 60
CATEGORIES = [c for c, _label in Product.Category.choices]
NAMES = {
    "dry": ("Pâtes", "Riz", "Lentilles", "Farine", "Sucre", "Café", "Biscuits"),
    "fresh": ("Yaourt", "Fromage", "Beurre", "Jambon", "Lait frais"),
    "frozen": ("Légumes surgelés", "Poisson pané", "Frites surgelées"),
    "fruit_veg": ("Pommes", "Carottes", "Oignons", "Bananes", "Tomates"),
    "drinks": ("Eau", "Jus d'orange", "Lait UHT"),
    "baby": ("Langes", "Lait infantile", "Petits pots"),
    "hygiene": ("Savon", "Dentifrice", "Shampooing", "Papier toilette"),
    "household": ("Liquide vaisselle", "Lessive", "Éponges"),
    "other": ("Piles", "Bougies"),
}


@dataclass(frozen=True)
class BenchShop:
    """The shop, its volunteer, and its catalogue by index (0 to PRODUCTS - 1)."""

    service: Organisation
    seller: User
    products: list[int]  # product ids
    barcodes: list[str]
    first_lots: list[int]  # the lot a checkout takes first, of each product


def barcode_for(index: int) -> str:
    """The benchmark's EAN-13 of product `index`, with its check digit."""
    digits = f"{BARCODE_PREFIX}{index:09d}"
    return digits + str(ean.calc_check_digit(digits))


def shop_setup(world: BenchWorld) -> tuple[Organisation, User]:
    """The shop, its volunteer with a device token, and its rules in the convention."""
    slug = world.partner.slug
    service = organisation_make(
        kind=Organisation.Kind.SERVICE,
        slug=f"{slug}-magasin",
        name="Magasin social de Benchmark",
        service_kind=Organisation.ServiceKind.SHOP,
        postal_code="5000",
        city="Namur",
    )
    seller = user_make(
        username=SELLER,
        password=bench_password(),
        first_name="Bench",
        last_name="Vendeur",
        email="vendeur@example.org",
        roles=[(service, Role.VOLUNTEER)],
    )
    Token.objects.get_or_create(user=seller)
    counter_open_all_day(service)
    world.convention.services.add(service)
    for rule in (RuleSpec.visits(1, UsageRule.Period.DAY), RuleSpec.budget(BUDGET_CENTS)):
        usage_rule_make(convention=world.convention, service=service, rule=rule)
    return service, seller


def passes_open_shop(world: BenchWorld, service: Organisation) -> int:
    """Every pass of the partner valid at the shop, with the convention's rules as they
    are now (those of the shop included); the number of passes changed."""
    rules = [rule.as_snapshot().as_json() for rule in world.convention.rules.all()]
    changed = (
        AccessPass.objects.filter(partner=world.partner).exclude(rules=rules).update(rules=rules)
    )
    through = AccessPass.services.through
    opened = set(
        through.objects.filter(organisation_id=service.pk).values_list("accesspass_id", flat=True)
    )
    missing = [
        pk
        for pk in AccessPass.objects.filter(partner=world.partner).values_list("pk", flat=True)
        if pk not in opened
    ]
    for first in range(0, len(missing), BATCH):
        through.objects.bulk_create(
            [
                through(accesspass_id=pk, organisation_id=service.pk)
                for pk in missing[first : first + BATCH]
            ]
        )
    return max(changed, len(missing))


def catalogue_setup(
    service: Organisation, seller: User, today: date, seed: int, products_count: int
) -> int:
    """The products, their barcodes and prices at the shop, and their lots (made once);
    the number of products made."""
    codes = [barcode_for(i) for i in range(products_count)]
    known = dict(
        Barcode.objects.filter(code__startswith=BARCODE_PREFIX).values_list("code", "product_id")
    )
    rng = random.Random(seed)  # noqa: S311  (names and prices, not secrets)
    missing = [i for i, code in enumerate(codes) if code not in known]
    made = Product.objects.bulk_create([product_for(i, rng) for i in missing], batch_size=BATCH)
    Barcode.objects.bulk_create(
        [Barcode(product=p, code=codes[i]) for i, p in zip(missing, made, strict=True)],
        batch_size=BATCH,
    )
    known.update({codes[i]: p.pk for i, p in zip(missing, made, strict=True)})
    products = [known[code] for code in codes]

    priced = set(ServicePrice.objects.filter(service=service).values_list("product_id", flat=True))
    ServicePrice.objects.bulk_create(
        [price_for(service, pk, rng) for pk in products if pk not in priced], batch_size=BATCH
    )
    stocked = set(Lot.objects.filter(service=service).values_list("product_id", flat=True))
    lots_receive(service, seller, [pk for pk in products if pk not in stocked], today, rng)
    return len(made)


def product_for(index: int, rng: random.Random) -> Product:
    category = CATEGORIES[index % len(CATEGORIES)]
    names = NAMES[category]
    return Product(
        name=f"{names[index // len(CATEGORIES) % len(names)]} n° {index + 1}",
        category=category,
        unit=Product.Unit.PIECE,
        market_price=Decimal(rng.randint(50, 999)) / 100,
    )


def price_for(service: Organisation, product_id: int, rng: random.Random) -> ServicePrice:
    """A share of the market price (most), or a fixed price (one in five)."""
    if rng.random() < 0.2:
        return ServicePrice(
            service=service,
            product_id=product_id,
            mode=ServicePrice.Mode.FIXED,
            price=Decimal(rng.randint(5, 50)) / 100,
        )
    return ServicePrice(
        service=service,
        product_id=product_id,
        mode=ServicePrice.Mode.PERCENT,
        percent=Decimal(rng.choice((20, 25, 30))),
    )


def lots_receive(
    service: Organisation, seller: User, products: Sequence[int], today: date, rng: random.Random
) -> None:
    """LOTS_PER_PRODUCT lots of each product, oldest date first (the ids follow the
    dates: a product's first lot out has the lowest id), with their receipt movements."""
    now = timezone.now()
    origins = (Lot.Origin.FOOD_BANK, Lot.Origin.FOOD_BANK, Lot.Origin.DONATION, Lot.Origin.PURCHASE)
    for first in range(0, len(products), BATCH // LOTS_PER_PRODUCT):
        lots = Lot.objects.bulk_create(
            [
                Lot(
                    service=service,
                    product_id=product_id,
                    origin=rng.choice(origins),
                    supplier="Banque alimentaire de Benchmark",
                    received_on=today - timedelta(days=7),
                    best_before=today + timedelta(days=FRESH_DAYS + 120 + 7 * k),
                    quantity_received=LOT_QUANTITY,
                    on_hand=LOT_QUANTITY,
                    received_by=seller,
                )
                for product_id in products[first : first + BATCH // LOTS_PER_PRODUCT]
                for k in range(LOTS_PER_PRODUCT)
            ]
        )
        StockMovement.objects.bulk_create(
            StockMovement(
                lot=lot,
                kind=StockMovement.Kind.RECEIPT,
                quantity=lot.quantity_received,
                at=now,
                actor=seller,
            )
            for lot in lots
        )


def lots_refresh(service: Organisation, today: date) -> int:
    """Move every lot's date on when the first ones come near (a later run); how many."""
    first = Lot.objects.filter(service=service).aggregate(first=Min("best_before"))["first"]
    if first is None or first >= today + timedelta(days=FRESH_DAYS):
        return 0
    shift = today + timedelta(days=FRESH_DAYS + 120) - first
    return Lot.objects.filter(service=service, best_before__isnull=False).update(
        best_before=ExpressionWrapper(F("best_before") + shift, output_field=DateField())
    )


def shop_seed(
    world: BenchWorld, seed: int, products: int = PRODUCTS
) -> tuple[BenchShop, list[str]]:
    """The shop, ready for the benchmark (idempotent); and what was done, in words."""
    said = []
    with transaction.atomic():
        service, seller = shop_setup(world)
        made = catalogue_setup(service, seller, world.today, seed, products)
        if made:
            said.append(f"{made} products with their barcodes, prices and lots")
        moved = lots_refresh(service, world.today)
        if moved:
            said.append(f"{moved} lots dated months ahead again")
    opened = passes_open_shop(world, service)
    if opened:
        said.append(f"{opened} passes opened to the shop")
    # Fresh statistics, as in `bench_seed` (not inside a test's transaction: VACUUM refuses).
    if connection.vendor == "postgresql" and not connection.in_atomic_block and (made or opened):
        with connection.cursor() as cursor:
            for model in (AccessPass, Product, Barcode, ServicePrice, Lot, StockMovement):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
            cursor.execute(f"VACUUM ANALYZE {AccessPass.services.through._meta.db_table}")
    return shop_load(world.partner.slug), said


def shop_load(partner_slug: str) -> BenchShop:
    """The benchmark's shop as seeded, its catalogue by index (the order of the codes)."""
    service = Organisation.objects.get(slug=f"{partner_slug}-magasin")
    catalogue = list(
        Barcode.objects.filter(code__startswith=BARCODE_PREFIX)
        .order_by("code")
        .values_list("code", "product_id")
    )
    codes = [code for code, _product in catalogue]
    products = [product for _code, product in catalogue]
    first_lots = dict(
        Lot.objects.filter(service=service)
        .values("product_id")
        .annotate(first=Min("pk"))
        .values_list("product_id", "first")
    )
    return BenchShop(
        service=service,
        seller=User.objects.get(username=SELLER),
        products=products,
        barcodes=codes,
        first_lots=[first_lots[pk] for pk in products],
    )


# --- the baskets of a run -------------------------------------------------------------------


def baskets_prepare(
    shop: BenchShop,
    *,
    passes: Sequence[int],
    lines: int,
    tag: str,
    rng: random.Random,
) -> list[int]:
    """One open basket per pass in `passes`, on an accepted visit of now at the shop, with
    `lines` distinct products (one of each); the baskets' ids, in the order of `passes`.

    `tag` makes the visits' idempotency keys unique: a different one for each call.
    """
    now = timezone.now()
    # The figures an accepted scan keeps; the size only scales the (large) budget.
    answer = {
        "household_size": 1,
        "allowances": [],
        "exhausted": None,
        "last_accepted_at": None,
        "next_session": None,
    }
    baskets: list[int] = []
    for first in range(0, len(passes), BATCH):
        with transaction.atomic():
            visits = Visit.objects.bulk_create(
                Visit(
                    service=shop.service,
                    access_pass_id=pass_id,
                    card_version=1,
                    at=now,
                    accepted=True,
                    recorded_by=shop.seller,
                    idempotency_key=f"{tag}-{first + n}",
                    answer=answer,
                )
                for n, pass_id in enumerate(passes[first : first + BATCH])
            )
            made = Basket.objects.bulk_create(
                Basket(service=shop.service, visit=visit, opened_by=shop.seller, opened_at=now)
                for visit in visits
            )
            BasketLine.objects.bulk_create(
                (
                    BasketLine(
                        basket=basket,
                        product_id=shop.products[index],
                        quantity=Decimal(1),
                        added_at=now,
                    )
                    for basket in made
                    for index in rng.sample(range(len(shop.products)), lines)
                ),
                batch_size=BATCH,
            )
        baskets += [basket.pk for basket in made]
    return baskets


def shop_reset(service: Organisation) -> int:
    """Delete the shop's baskets, sales and visits and put every lot back to what it
    received (bare SQL: no audit, no signals), then VACUUM; the sales deleted.

    Each run starts from the same shop: the first lot of each product is the one a
    checkout takes, and the tables do not grow from run to run.
    """
    movement, lot, sale = (m._meta.db_table for m in (StockMovement, Lot, Sale))
    sale_line, basket, basket_line = (m._meta.db_table for m in (SaleLine, Basket, BasketLine))
    visit = Visit._meta.db_table
    statements = (
        f"DELETE FROM {movement} WHERE kind <> 'receipt' "  # noqa: S608
        f"AND lot_id IN (SELECT id FROM {lot} WHERE service_id = %s)",
        f"DELETE FROM {sale_line} WHERE sale_id IN (SELECT id FROM {sale} WHERE service_id = %s)",  # noqa: S608
        f"DELETE FROM {sale} WHERE service_id = %s",  # noqa: S608
        f"DELETE FROM {basket_line} "  # noqa: S608
        f"WHERE basket_id IN (SELECT id FROM {basket} WHERE service_id = %s)",
        f"DELETE FROM {basket} WHERE service_id = %s",  # noqa: S608
        f"DELETE FROM {visit} WHERE service_id = %s",  # noqa: S608
        f"UPDATE {lot} SET on_hand = quantity_received "  # noqa: S608
        "WHERE service_id = %s AND on_hand <> quantity_received",
    )
    sales = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for index, statement in enumerate(statements):
            cursor.execute(statement, [service.pk])
            if index == 2:  # the sales
                sales = cursor.rowcount
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            for table in (movement, sale_line, sale, basket_line, basket, visit, lot):
                cursor.execute(f"VACUUM ANALYZE {table}")
    return sales
