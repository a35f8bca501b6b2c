"""What changes the stock: receipts, first-expired-first-out takes, losses, transfers.

Every function owns its transaction, writes the ledger (`StockMovement`) and the
lots' balances together, and refuses with a `StockRefused` carrying a stable
code and a sentence in the user's language. Takes are set-based: one locking
read of the candidate lots, one update of their balances and one insert of the
movements, however many products are taken.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Case, DecimalField, F, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from comptoir.errors import ErrorKind
from network.audit import audit_record
from network.models import Organisation, User
from stock.models import Lot, Product, StockMovement, StockReceipt
from stock.selectors import lots_fefo
from stock.services.catalogue import lot_price_check
from stock.services.common import (
    quantity_check,
    quantity_format,
    reason_clean,
    refuse,
    require_service_manage,
)
from stock.takes import Plan, plan_takes


@dataclass(frozen=True)
class ReceiptLine:
    """One line of a receipt: a product, how much, until when it keeps."""

    product: Product
    quantity: Decimal
    best_before: date | None = None
    # What a household pays for this lot, when not the service's price (EU food aid: 0).
    household_price: Decimal | None = None


def receipt_line_check(
    service: Organisation, origin: str, line: ReceiptLine, today: date
) -> Decimal | None:
    """A line a receipt may take in (refuses `quantity_invalid`, `already_expired` and the
    price rules' codes); returns the price its lot will carry."""
    quantity_check(line.quantity)
    if line.best_before is not None and line.best_before < today:
        refuse(
            _("%(product)s : la date (%(day)s) est déjà passée ; ce lot ne peut pas entrer.")
            % {
                "product": line.product.name,
                "day": formats.date_format(line.best_before, "SHORT_DATE_FORMAT"),
            },
            code="already_expired",
            field="best_before",
            kind=ErrorKind.INVALID,
        )
    return lot_price_check(service, origin, line.product, line.household_price)


@transaction.atomic
def stock_receive(
    *,
    actor: User,
    service: Organisation,
    origin: str,
    lines: Sequence[ReceiptLine],
    supplier: str = "",
    received_on: date | None = None,
    moment: datetime | None = None,
    receipt: StockReceipt | None = None,
) -> list[Lot]:
    """Receive goods at `service`: one lot and one `receipt` movement per line (the lots
    point at `receipt`, the document they came with, when there is one).

    Refuses `not_allowed`, `no_lines`, `quantity_invalid`, `received_in_future`,
    `already_expired` (a lot whose date has passed on arrival), and a price the
    service's rules forbid (`eu_aid_free_only`, `price_outside_band`, …). Nothing
    is saved unless every line is in order.
    """
    require_service_manage(actor, service)
    moment = moment or timezone.now()
    today = timezone.localdate(moment)
    received_on = received_on or today
    if not lines:
        refuse(
            _("Une réception compte au moins une ligne."), code="no_lines", kind=ErrorKind.INVALID
        )
    if received_on > today:
        refuse(
            _("Une réception ne peut pas être datée dans le futur."),
            code="received_in_future",
            field="received_on",
            kind=ErrorKind.INVALID,
        )
    prices = [receipt_line_check(service, origin, line, today) for line in lines]
    lots = Lot.objects.bulk_create(
        Lot(
            service=service,
            product=line.product,
            origin=origin,
            supplier=supplier.strip(),
            received_on=received_on,
            best_before=line.best_before,
            quantity_received=line.quantity,
            on_hand=line.quantity,
            received_by=actor,
            household_price=price,
            receipt=receipt,
        )
        for line, price in zip(lines, prices, strict=True)
    )
    StockMovement.objects.bulk_create(
        StockMovement(
            lot=lot,
            kind=StockMovement.Kind.RECEIPT,
            quantity=lot.quantity_received,
            at=moment,
            actor=actor,
        )
        for lot in lots
    )
    audit_record(
        actor=actor,
        action="stock.receive",
        organisation=service,
        detail={"lines": len(lots), "origin": origin},
    )
    return lots


def refuse_short(plan: Plan) -> None:
    """Refuse `out_of_stock` naming the first product short, if any is."""
    if not plan.short:
        return
    product_id, (_wanted, available) = next(iter(plan.short.items()))
    product = Product.objects.get(pk=product_id)
    refuse(
        _("%(product)s : plus assez en stock (%(available)s disponible).")
        % {"product": product.name, "available": quantity_format(available)},
        code="out_of_stock",
        field="lines",
    )


def lots_add(lots: QuerySet[Lot], changes: Mapping[int, Decimal]) -> None:
    """Add a signed quantity to each lot's balance (lot id → quantity) in one relative
    UPDATE: the database adds to what it holds, and its CHECK refuses below zero."""
    if not changes:
        return
    lots.filter(pk__in=list(changes)).update(
        on_hand=F("on_hand")
        + Case(
            *[When(pk=pk, then=Value(quantity)) for pk, quantity in changes.items()],
            default=Value(Decimal(0)),
            output_field=DecimalField(max_digits=12, decimal_places=3),
        )
    )


def takes_write(
    plan: Plan,
    *,
    actor: User,
    kind: str,
    moment: datetime,
    reason: str = "",
    source: models.Model | None = None,
) -> list[StockMovement]:
    """Write a plan made on locked lots: one update of the balances, one insert of the
    movements (linked to `source`, the sale or distribution that made them), however
    many lots."""
    lots_add(Lot.objects.all(), {take.lot.pk: -take.quantity for take in plan.takes})
    source_type = ContentType.objects.get_for_model(source) if source is not None else None
    return StockMovement.objects.bulk_create(
        StockMovement(
            lot=take.lot,
            kind=kind,
            quantity=-take.quantity,
            at=moment,
            actor=actor,
            reason=reason,
            source_type=source_type,
            source_id=source.pk if source is not None else None,
        )
        for take in plan.takes
    )


def takes_return(
    plan: Plan, *, actor: User, moment: datetime, reason: str, source: models.Model
) -> list[StockMovement]:
    """Put a plan's quantities back into the lots they left (a corrected sale or
    distribution): one update of the balances, one insert of `correction` movements.

    The lots are locked first in the order every take locks them (product, date, id), so a
    correction and a sale or a parcel on the same lots queue instead of deadlocking."""
    list(
        Lot.objects.select_for_update()
        .filter(pk__in=[take.lot.pk for take in plan.takes])
        .order_by("product_id", F("best_before").asc(nulls_last=True), "id")
        .values_list("pk", flat=True)
    )
    lots_add(Lot.objects.all(), {take.lot.pk: take.quantity for take in plan.takes})
    return StockMovement.objects.bulk_create(
        StockMovement(
            lot_id=take.lot.pk,
            kind=StockMovement.Kind.CORRECTION,
            quantity=take.quantity,
            at=moment,
            actor=actor,
            reason=reason,
            source_type=ContentType.objects.get_for_model(source),
            source_id=source.pk,
        )
        for take in plan.takes
    )


def stock_take(
    *,
    actor: User,
    service: Organisation,
    wanted: Mapping[int, Decimal],
    kind: str,
    moment: datetime | None = None,
    reason: str = "",
) -> list[StockMovement]:
    """Take `wanted` (product id → quantity) from `service`, first-expired first out.

    Runs inside the caller's transaction (a distribution). Locks the candidate
    lots (`lots_fefo`), skips lots past their date, refuses `out_of_stock`
    naming the first product short and writes nothing then. Three statements
    whatever the number of products.
    """
    moment = moment or timezone.now()
    for quantity in wanted.values():
        quantity_check(quantity)
    lots = lots_fefo(service, wanted, timezone.localdate(moment), lock=True)
    plan = plan_takes(lots, wanted, prices={})
    refuse_short(plan)
    return takes_write(plan, actor=actor, kind=kind, moment=moment, reason=reason)


@transaction.atomic
def stock_lose(
    *,
    actor: User,
    lot: Lot,
    quantity: Decimal,
    reason: str,
    kind: str = StockMovement.Kind.LOSS,
    moment: datetime | None = None,
) -> StockMovement:
    """Record a loss or waste of `quantity` from `lot`, with a reason. Locks the lot.

    Refuses `not_allowed`, `quantity_invalid`, `reason_required`, `not_enough`.
    """
    require_service_manage(actor, lot.service)
    quantity_check(quantity)
    if kind not in (StockMovement.Kind.LOSS, StockMovement.Kind.WASTE):
        raise ValueError(kind)
    reason = reason_clean(reason, _("Dites en quelques mots ce qui est arrivé à ce stock."))
    locked = Lot.objects.select_for_update().get(pk=lot.pk)
    if quantity > locked.on_hand:
        refuse(
            _("Ce lot n'en compte que %(on_hand)s.") % {"on_hand": quantity_format(locked.on_hand)},
            code="not_enough",
            field="quantity",
        )
    Lot.objects.filter(pk=locked.pk).update(on_hand=F("on_hand") - quantity)
    return StockMovement.objects.create(
        lot=locked,
        kind=kind,
        quantity=-quantity,
        at=moment or timezone.now(),
        actor=actor,
        reason=reason,
    )


@transaction.atomic
def stock_transfer(
    *,
    actor: User,
    service: Organisation,
    lot_id: int,
    to_service: Organisation,
    quantity: Decimal,
    moment: datetime | None = None,
) -> Lot:
    """Send `quantity` of a lot to another service of the network: a `transfer_out`
    movement here, a new lot there (same product, date and origin) with its
    `transfer_in`. EU food aid stays free; other lots take the destination's prices.

    Refuses `not_allowed`, `not_found`, `transfer_target_invalid`, `quantity_invalid`,
    `not_enough`, `already_expired`.
    """
    require_service_manage(actor, service)
    moment = moment or timezone.now()
    today = timezone.localdate(moment)
    if (
        to_service.pk == service.pk
        or to_service.kind != Organisation.Kind.SERVICE
        or not to_service.is_active
    ):
        refuse(
            _("Choisissez un autre service collectif du réseau."),
            code="transfer_target_invalid",
            field="to_service",
            kind=ErrorKind.INVALID,
        )
    quantity_check(quantity)
    lot = (
        Lot.objects.select_for_update()
        .select_related("product")
        .filter(pk=lot_id, service=service)
        .first()
    )
    if lot is None:
        refuse(_("Ce lot n'existe pas ici."), code="not_found", kind=ErrorKind.NOT_FOUND)
    if quantity > lot.on_hand:
        refuse(
            _("Ce lot n'en compte que %(on_hand)s.") % {"on_hand": quantity_format(lot.on_hand)},
            code="not_enough",
            field="quantity",
        )
    if lot.best_before is not None and lot.best_before < today:
        refuse(
            _("Ce lot a dépassé sa date : il ne peut pas partir vers un autre service."),
            code="already_expired",
        )
    Lot.objects.filter(pk=lot.pk).update(on_hand=F("on_hand") - quantity)
    arrived = Lot.objects.create(
        service=to_service,
        product=lot.product,
        origin=lot.origin,
        supplier=service.name[:120],
        received_on=today,
        best_before=lot.best_before,
        quantity_received=quantity,
        on_hand=quantity,
        received_by=actor,
        household_price=Decimal(0) if lot.origin == Lot.Origin.EU_FOOD_AID else None,
    )
    StockMovement.objects.bulk_create(
        [
            StockMovement(
                lot=lot,
                kind=StockMovement.Kind.TRANSFER_OUT,
                quantity=-quantity,
                at=moment,
                actor=actor,
                reason=to_service.name[:200],
            ),
            StockMovement(
                lot=arrived,
                kind=StockMovement.Kind.TRANSFER_IN,
                quantity=quantity,
                at=moment,
                actor=actor,
                reason=service.name[:200],
            ),
        ]
    )
    audit_record(
        actor=actor,
        action="stock.transfer",
        organisation=service,
        target=lot,
        detail={"to_service": to_service.pk, "lot": arrived.pk, "quantity": str(quantity)},
    )
    return arrived


@dataclass(frozen=True)
class LedgerMismatch:
    lot_id: int
    on_hand: Decimal
    ledger: Decimal


def stock_check() -> list[LedgerMismatch]:
    """Every lot whose balance differs from the sum of its movements (one aggregate)."""
    rows = (
        Lot.objects.annotate(ledger=Coalesce(Sum("movements__quantity"), Decimal(0)))
        .exclude(on_hand=F("ledger"))
        .values_list("pk", "on_hand", "ledger")
        .order_by("pk")
    )
    return [LedgerMismatch(lot_id, on_hand, ledger) for lot_id, on_hand, ledger in rows]


def returns_check(
    left: Mapping[tuple[int, int], tuple[Decimal, Decimal, Decimal]],
    returns: Mapping[int, Decimal] | None,
    *,
    all_back: str,
    too_much: str,
) -> dict[int, Decimal]:
    """What a correction takes back (product id → quantity), checked against what a sale
    or a parcel still holds by (product, lot) (`left`): all of it when `returns` is None.
    Refuses `already_cancelled` (with `all_back`) and `return_too_much` (with `too_much`,
    a sentence with %(product)s and %(left)s), `quantity_invalid`."""
    left_by_product: dict[int, Decimal] = {}
    for (product_id, _lot_id), row in left.items():
        left_by_product[product_id] = left_by_product.get(product_id, Decimal(0)) + row[0]
    if not any(q > 0 for q in left_by_product.values()):
        refuse(all_back, code="already_cancelled")
    if returns is None:
        return {p: q for p, q in left_by_product.items() if q > 0}
    for product_id, quantity in returns.items():
        quantity_check(quantity, field="returns")
        held = left_by_product.get(product_id, Decimal(0))
        if quantity > held:
            product = Product.objects.filter(pk=product_id).first()
            refuse(
                too_much
                % {
                    "product": product.name if product else product_id,
                    "left": quantity_format(held),
                },
                code="return_too_much",
                field="returns",
                kind=ErrorKind.INVALID,
            )
    return dict(returns)
