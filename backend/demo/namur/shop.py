"""The demo's social shops: their catalogue and prices, the stock received, weeks of sales.

Everything goes through the shop's and the counter's services, as a manager and
a volunteer would have done it: products and prices set by a manager, receipts
with their dates, and for each past sale an accepted scan of the household's
card, a basket and a checkout at that moment, in one of the shop's real sessions.

The sales history stays before the current week and month (`history_ends`): the
cards the demo offers to try today keep this week's visit and this month's budget
whole. A household has a history only while its pass was valid, and not when its
card was replaced (today, in the demo): the card it holds did not exist before.
Long-life goods arrive before the history and fresh goods after it, in the last
days, so that lots near their date are on the shelves today.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal

from django.utils import timezone
from stdnum import ean

from counter.services import visit_record
from demo.namur.history import (
    card_code,
    demo_passes,
    history_ends,
    local_moment,
    real_sessions,
)
from demo.namur.organisations import DemoNetwork
from demo.namur.shop_data import (
    BARCODE_PREFIX,
    BASKETS,
    CORRECTIONS,
    EU_FOOD_AID,
    EU_FOOD_AID_LINES,
    FREE_ORIGINS,
    HISTORY_WEEKS,
    NEAR_DATE,
    NON_FOOD,
    OPENING_DAYS_BEFORE,
    PERISHABLE_DAYS,
    PRICE_BAND,
    PRODUCTS,
    RECENT_DAYS_AGO,
    SHOPS,
    SUPPLIERS,
    DemoProduct,
    ShopStaff,
)
from network.models import Organisation, User
from passes.models import AccessPass
from schedules.selectors import Session
from shop.models import Sale
from shop.selectors import basket_quote
from shop.services import basket_open, basket_put, sale_checkout, sale_correct
from stock.models import Product
from stock.services import (
    ReceiptLine,
    price_band_set,
    product_create,
    service_price_set,
    stock_receive,
)

RECEIPT_TIME = time(8, 30)
SPECS = {spec.name: spec for spec in PRODUCTS}


@dataclass(frozen=True)
class Catalogue:
    products: dict[str, Product]  # by name
    barcodes: dict[str, str]  # by name, the code a volunteer scans (none for loose goods)


def shop_load(demo: DemoNetwork) -> None:
    """The shops' catalogue, prices, stock and sales history, the first time only."""
    if Product.objects.exists():
        return  # made by an earlier run, or the network's own catalogue: left as it is
    now = timezone.now()
    catalogue = catalogue_load(demo)
    ends = history_ends(demo.today)
    begins = ends - timedelta(weeks=HISTORY_WEEKS)
    sold = 0
    for slug, staff in SHOPS.items():
        shop = demo.orgs[slug]
        manager = demo.users[staff.manager]
        prices_set(manager, shop, staff, catalogue)
        stock_opening_receive(manager, shop, catalogue, begins, demo.today, now)
        sold += sales_history_load(demo, shop, demo.users[staff.volunteer], catalogue, begins, ends)
        stock_recent_receive(manager, shop, catalogue, demo.today, ends, now)
    if not sold:
        demo.notes.append(
            "the shops have no sales history: no card was valid there in the weeks "
            "before this week and this month."
        )


# --- the catalogue and its prices ---------------------------------------------------------


def barcode_make(number: int) -> str:
    """The demo's EAN-13 number `number`, with its check digit."""
    digits = f"{BARCODE_PREFIX}{number:05d}"
    return digits + str(ean.calc_check_digit(digits))


def catalogue_load(demo: DemoNetwork) -> Catalogue:
    """Every product of the network, made by La Cigogne's manager."""
    manager = demo.users[SHOPS["la-cigogne"].manager]
    service = demo.orgs["la-cigogne"]
    catalogue = Catalogue({}, {})
    number = 0
    for spec in PRODUCTS:
        codes = []
        for _index in range(spec.barcodes):
            number += 1
            codes.append(barcode_make(number))
        catalogue.products[spec.name] = product_create(
            actor=manager,
            service=service,
            name=spec.name,
            category=spec.category,
            unit=spec.unit,
            market_price=Decimal(spec.market_price),
            barcodes=codes,
            minimum_stock=Decimal(spec.minimum),
        )
        if codes:
            catalogue.barcodes[spec.name] = codes[0]
    return catalogue


def prices_set(manager: User, shop: Organisation, staff: ShopStaff, catalogue: Catalogue) -> None:
    """The shop's price band, and a price for each product it sells."""
    price_band_set(
        actor=manager, service=shop, min_percent=PRICE_BAND[0], max_percent=PRICE_BAND[1]
    )
    for spec in PRODUCTS:
        if shop.slug not in spec.shops:
            continue
        product = catalogue.products[spec.name]
        if spec.fixed is not None:
            service_price_set(
                actor=manager, service=shop, product=product, price=Decimal(spec.fixed)
            )
        else:
            percent = staff.non_food_percent if spec.category in NON_FOOD else staff.percent
            service_price_set(actor=manager, service=shop, product=product, percent=percent)


# --- the stock ----------------------------------------------------------------------------


def perishable(spec: DemoProduct) -> bool:
    return spec.keeps is not None and spec.keeps <= PERISHABLE_DAYS


def specs_by_origin(slug: str, *, fresh: bool) -> dict[str, list[DemoProduct]]:
    """The products the shop sells, fresh or long-life, by where they come from."""
    found: dict[str, list[DemoProduct]] = defaultdict(list)
    for spec in PRODUCTS:
        if slug in spec.shops and perishable(spec) == fresh:
            found[spec.origin].append(spec)
    return found


def receipt_line(
    spec: DemoProduct, catalogue: Catalogue, quantity: int, origin: str, received: date, today: date
) -> ReceiptLine:
    if spec.name in NEAR_DATE:
        best_before: date | None = today + timedelta(days=NEAR_DATE[spec.name])
    elif spec.keeps is not None:
        best_before = received + timedelta(days=spec.keeps)
    else:
        best_before = None
    return ReceiptLine(
        catalogue.products[spec.name],
        Decimal(quantity),
        best_before,
        household_price=Decimal(0) if origin in FREE_ORIGINS else None,
    )


def receive(
    manager: User,
    shop: Organisation,
    origin: str,
    day: date,
    lines: list[ReceiptLine],
    now: datetime,
) -> None:
    moment = min(now, local_moment(day, RECEIPT_TIME))
    stock_receive(
        actor=manager,
        service=shop,
        origin=origin,
        supplier=SUPPLIERS[origin],
        lines=lines,
        received_on=timezone.localdate(moment),
        moment=moment,
    )


def stock_opening_receive(
    manager: User,
    shop: Organisation,
    catalogue: Catalogue,
    begins: date,
    today: date,
    now: datetime,
) -> None:
    """The long-life goods, received before the history begins: EU food aid, then the
    shop's usual deliveries."""
    day = begins - timedelta(days=OPENING_DAYS_BEFORE[EU_FOOD_AID])
    lines = [
        receipt_line(SPECS[name], catalogue, quantity, EU_FOOD_AID, day, today)
        for name, quantity in EU_FOOD_AID_LINES
    ]
    receive(manager, shop, EU_FOOD_AID, day, lines, now)
    for origin, specs in specs_by_origin(shop.slug, fresh=False).items():
        day = begins - timedelta(days=OPENING_DAYS_BEFORE[origin])
        lines = [receipt_line(spec, catalogue, spec.stock, origin, day, today) for spec in specs]
        receive(manager, shop, origin, day, lines, now)


def stock_recent_receive(
    manager: User, shop: Organisation, catalogue: Catalogue, today: date, ends: date, now: datetime
) -> None:
    """The fresh goods of the last days, received after the history: a sale takes from
    whatever lot is on the shelf when it is recorded, so a lot received later must not
    be there yet when the history's sales are."""
    for origin, specs in specs_by_origin(shop.slug, fresh=True).items():
        day = max(today - timedelta(days=RECENT_DAYS_AGO[origin]), ends)
        lines = [receipt_line(spec, catalogue, spec.stock, origin, day, today) for spec in specs]
        receive(manager, shop, origin, day, lines, now)


# --- the sales history --------------------------------------------------------------------


def visits_plan(shop: Organisation, begins: date, ends: date) -> list[tuple[datetime, AccessPass]]:
    """(moment, pass): most weeks each demo household comes to one of the shop's sessions,
    while its pass is valid; in the order of the moments."""
    passes = demo_passes(shop)
    weeks: dict[date, list[Session]] = defaultdict(list)
    for session in real_sessions(shop, begins, ends):
        day = timezone.localdate(session.starts)
        weeks[day - timedelta(days=day.weekday())].append(session)
    planned = []
    for week_number, monday in enumerate(sorted(weeks)):
        for number, access_pass in enumerate(passes):
            if (number + week_number) % 4 == 3:
                continue  # a household skips a week now and then
            session = weeks[monday][(number + week_number) % len(weeks[monday])]
            if access_pass.is_valid_on(timezone.localdate(session.starts)):
                arrives = session.starts + timedelta(minutes=10 + 12 * (number % 8))
                planned.append((arrives, access_pass))
    return sorted(planned, key=lambda visit: visit[0])


def sales_history_load(
    demo: DemoNetwork,
    shop: Organisation,
    volunteer: User,
    catalogue: Catalogue,
    begins: date,
    ends: date,
) -> int:
    """The shop's past sales, one per accepted visit; returns how many."""
    sold = 0
    for moment, access_pass in visits_plan(shop, begins, ends):
        sale = sale_make(demo, shop, volunteer, catalogue, access_pass, moment, sold)
        if sale is None:
            continue
        correction = CORRECTIONS.get(shop.slug)
        if correction is not None and correction[0] == sold:
            _number, reason, cancel = correction
            # The item taken back is one the household paid for (not free EU food aid).
            paid_line = sale.lines.filter(unit_price__gt=0).first()
            assert paid_line is not None
            sale_correct(
                actor=volunteer,
                service=shop,
                sale_id=sale.pk,
                reason=reason,
                returns=None if cancel else {paid_line.product_id: Decimal(1)},
                moment=sale.at + timedelta(minutes=4),
            )
        sold += 1
    return sold


def sale_make(
    demo: DemoNetwork,
    shop: Organisation,
    volunteer: User,
    catalogue: Catalogue,
    access_pass: AccessPass,
    moment: datetime,
    number: int,
) -> Sale | None:
    """The volunteer types the card's code, fills the basket and takes the payment:
    every third by card, the others in cash."""
    verdict = visit_record(
        text=card_code(access_pass),
        service=shop,
        user=volunteer,
        idempotency_key=f"demo-sale-{shop.pk}-{access_pass.pk}-{moment:%Y%m%d}",
        moment=moment,
    )
    if not verdict.accepted:
        demo.notes.append(
            f"no sale for {access_pass.household.first_name} at {shop.name} on "
            f"{moment:%d/%m/%Y}: {verdict.visit.reason}"
        )
        return None
    basket = basket_open(
        actor=volunteer,
        service=shop,
        visit_id=verdict.visit.pk,
        moment=moment + timedelta(minutes=1),
    )
    for line_number, (name, quantity) in enumerate(BASKETS[number % len(BASKETS)]):
        basket_put(
            actor=volunteer,
            service=shop,
            basket_id=basket.pk,
            quantity=Decimal(quantity),
            barcode=catalogue.barcodes.get(name),
            product_id=catalogue.products[name].pk,
            moment=moment + timedelta(minutes=1, seconds=20 * line_number),
        )
    paid_at = moment + timedelta(minutes=5)
    if number % 3 == 1:
        payment, tendered = Sale.Payment.CARD, None
    else:
        cash = basket_quote(basket, paid_at).cash_amount
        # The household hands over the next 5-euro note or coins above the amount.
        payment, tendered = Sale.Payment.CASH, (cash / 5).to_integral_value(ROUND_CEILING) * 5
    return sale_checkout(
        actor=volunteer,
        service=shop,
        basket_id=basket.pk,
        payment=payment,
        tendered=tendered,
        moment=paid_at,
    ).sale
