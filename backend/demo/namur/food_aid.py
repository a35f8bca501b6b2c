"""The demo's food-aid point: its stock, its parcel templates and weeks of parcels given.

Everything goes through the stock's, the counter's and food aid's services, as the
manager and the volunteer of the Conférence Saint-Vincent de Paul would have done it:
templates set by the manager, deliveries received on their day, and for each past
parcel an accepted scan of the household's card in one of the point's real sessions,
then « Donner le colis » a minute later. Events are written in the order they
happened, so a parcel takes only the lots on the shelves that day.

A parcel may be given once a fortnight (14 rolling days): the history stays before
the last 14 days as well as before the current week and month, so the cards offered
to try today get their parcel.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from comptoir.errors import DomainError
from counter.services import visit_record
from demo.namur.food_aid_data import (
    CORRECTIONS,
    EU_FOOD_AID,
    EU_FOOD_AID_DAYS_BEFORE,
    EU_FOOD_AID_LINES,
    FOOD_AID_POINT,
    FOOD_BANK,
    FOOD_BANK_DAYS_BEFORE,
    FOOD_BANK_EVERY_DAYS,
    FOOD_BANK_LINES,
    HISTORY_WEEKS,
    MANAGER,
    NEAR_DATE,
    SUPPLIER_DONATION,
    TEMPLATES,
    VOLUNTEER,
)
from demo.namur.history import (
    card_code,
    day_of,
    demo_passes,
    history_ends,
    local_moment,
    working_day,
)
from demo.namur.history import real_sessions as sessions_between
from demo.namur.organisations import DemoNetwork
from demo.namur.shop_data import PRODUCTS, SUPPLIERS
from foodaid.models import ParcelTemplate
from foodaid.services import distribution_correct, distribution_record, parcel_template_set
from network.models import Organisation, User
from passes.models import AccessPass
from stock.models import Lot, Product
from stock.services import ReceiptLine, stock_receive

RECEIPT_TIME = time(8, 15)
KEEPS = {spec.name: spec.keeps for spec in PRODUCTS}
# A parcel ready a couple of minutes after the scan.
PARCEL_AFTER = timedelta(minutes=2)


def food_aid_ends(today: date) -> date:
    """The history's end at the food-aid point: before the current week and month, and
    before the last 14 days (a parcel a fortnight)."""
    return min(history_ends(today), today - timedelta(days=13))


def food_aid_load(demo: DemoNetwork) -> None:
    """The point's templates, stock and parcels, the first time only."""
    service = demo.orgs[FOOD_AID_POINT]
    if (
        Lot.objects.filter(service=service).exists()
        or ParcelTemplate.objects.filter(service=service).exists()
    ):
        return  # made by an earlier run, or by the point's manager: left as it is
    products = {p.name: p for p in Product.objects.filter(name__in=KEEPS)}
    wanted = {name for _low, _high, lines in TEMPLATES for name in lines}
    if not wanted <= products.keys():
        demo.notes.append(
            "the food-aid point has no stock nor parcels: the catalogue lacks some "
            "of the demo's products."
        )
        return
    manager, volunteer = demo.users[MANAGER], demo.users[VOLUNTEER]
    now = timezone.now()
    ends = food_aid_ends(demo.today)
    begins = ends - timedelta(weeks=HISTORY_WEEKS)
    templates_set(manager, service, products)
    events = deliveries(manager, service, products, begins, ends, now)
    events += parcels_plan(service, volunteer, begins, ends, demo.notes)
    given = 0
    for _moment, _order, event in sorted(events, key=lambda e: (e[0], e[1])):
        given += event(given)
    recent_receive(manager, service, products, demo.today, ends, now)
    if not given:
        demo.notes.append(
            "the food-aid point has no parcels in its history: no card opening it was "
            "valid in the weeks before the last fortnight."
        )


def templates_set(manager: User, service: Organisation, products: dict[str, Product]) -> None:
    """One template per band of household size: 1, 2, 3 to 4, 5 and more persons."""
    for low, high, lines in TEMPLATES:
        parcel_template_set(
            actor=manager,
            service=service,
            min_persons=low,
            max_persons=high,
            lines={products[name].pk: Decimal(quantity) for name, quantity in lines.items()},
        )


# An event of the history: (moment, order among events at the same moment, what happens,
# given the number of parcels given so far; it returns how many it gave).
Event = tuple[datetime, int, Callable[[int], int]]


def receipt(
    manager: User,
    service: Organisation,
    origin: str,
    lines: list[ReceiptLine],
    day: date,
    now: datetime,
    *,
    supplier: str = "",
) -> None:
    moment = min(now, local_moment(day, RECEIPT_TIME))
    stock_receive(
        actor=manager,
        service=service,
        origin=origin,
        supplier=supplier or SUPPLIERS[origin],
        lines=lines,
        received_on=timezone.localdate(moment),
        moment=moment,
    )


def deliveries(
    manager: User,
    service: Organisation,
    products: dict[str, Product],
    begins: date,
    ends: date,
    now: datetime,
) -> list[Event]:
    """The year's EU food aid before the history, and the Banque alimentaire's monthly
    deliveries from just before it; each lot keeps as long as its product does."""

    def deliver(origin: str, names: list[tuple[str, int]], planned: date) -> Event:
        day = working_day(planned)

        def best_before(name: str) -> date | None:
            keeps = KEEPS[name]
            return day + timedelta(days=keeps) if keeps is not None else None

        lines = [
            ReceiptLine(products[name], Decimal(quantity), best_before(name))
            for name, quantity in names
        ]

        def happen(_given: int) -> int:
            receipt(manager, service, origin, lines, day, now)
            return 0

        return (local_moment(day, RECEIPT_TIME), 0, happen)

    events = [
        deliver(EU_FOOD_AID, EU_FOOD_AID_LINES, begins - timedelta(days=EU_FOOD_AID_DAYS_BEFORE))
    ]
    day = begins - timedelta(days=FOOD_BANK_DAYS_BEFORE)
    while day < ends:
        events.append(deliver(FOOD_BANK, FOOD_BANK_LINES, day))
        day += timedelta(days=FOOD_BANK_EVERY_DAYS)
    return events


def recent_receive(
    manager: User,
    service: Organisation,
    products: dict[str, Product],
    today: date,
    ends: date,
    now: datetime,
) -> None:
    """Short-dated goods received in the last days, after the history: the manager's
    alerts show them, and the parcels given today take them first."""
    for near in NEAR_DATE:
        if near.product not in products:
            continue
        day = max(today - timedelta(days=near.received_days_ago), ends)
        best_before = today + timedelta(days=near.days_left)
        line = ReceiptLine(products[near.product], Decimal(near.quantity), best_before)
        supplier = SUPPLIER_DONATION if near.origin == Lot.Origin.DONATION else ""
        receipt(manager, service, near.origin, [line], day, now, supplier=supplier)


def parcels_plan(
    service: Organisation, volunteer: User, begins: date, ends: date, notes: list[str]
) -> list[Event]:
    """Most sessions each demo household whose pass opens the point comes for its parcel,
    while its pass is valid."""
    passes = demo_passes(service)
    events: list[Event] = []
    for index, session in enumerate(sessions_between(service, begins, ends)):
        for number, access_pass in enumerate(passes):
            if (number + index) % 4 == 3:
                continue  # a household skips a session now and then
            if not access_pass.is_valid_on(day_of(session)):
                continue
            arrives = session.starts + timedelta(minutes=6 + 9 * (number % 12))
            event = parcel_event(service, volunteer, access_pass, arrives, notes)
            events.append((arrives, 1, event))
    return events


def parcel_event(
    service: Organisation,
    volunteer: User,
    access_pass: AccessPass,
    moment: datetime,
    notes: list[str],
) -> Callable[[int], int]:
    """The household's card scanned at `moment`, its parcel given, and corrected when
    the history says so."""

    def happen(given: int) -> int:
        verdict = visit_record(
            text=card_code(access_pass),
            service=service,
            user=volunteer,
            idempotency_key=f"demo-parcel-{service.pk}-{access_pass.pk}-{moment:%Y%m%d}",
            moment=moment,
        )
        if not verdict.accepted:
            notes.append(
                f"no parcel for {access_pass.household.first_name} on {moment:%d/%m/%Y}: "
                f"{verdict.visit.reason}"
            )
            return 0
        try:
            distribution = distribution_record(
                actor=volunteer,
                service=service,
                visit_id=verdict.visit.pk,
                moment=moment + PARCEL_AFTER,
            ).distribution
        except DomainError as refusal:
            notes.append(f"no parcel given on {moment:%d/%m/%Y}: {refusal.code}")
            return 0
        correction = CORRECTIONS.get(given)
        if correction is not None:
            reason, taken_back = correction
            returns = None
            if taken_back is not None:
                name, quantity = taken_back
                line = distribution.lines.filter(product__name=name).first()
                line = line or distribution.lines.first()
                assert line is not None
                returns = {line.product_id: Decimal(quantity)}
            distribution_correct(
                actor=volunteer,
                service=service,
                distribution_id=distribution.pk,
                reason=reason,
                returns=returns,
                moment=moment + PARCEL_AFTER + timedelta(minutes=3),
            )
        return 1

    return happen
