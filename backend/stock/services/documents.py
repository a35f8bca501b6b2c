"""The manager's stock documents: receipts entered line by line, and inventory counts.

A receipt is a draft held on the server while its lines are scanned or typed (each
line checked as it comes, so a mistake shows at once); posting it makes the lots,
once. An inventory count records what the shelves hold; closing it compares each
counted product with its lots, records the differences as adjustment movements,
and keeps the count, with what was expected, as a document.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.errors import ErrorKind
from network.audit import audit_record
from network.models import Organisation, User
from stock.models import (
    InventoryCount,
    InventoryCountLine,
    Lot,
    StockMovement,
    StockReceipt,
    StockReceiptLine,
)
from stock.services.catalogue import product_find
from stock.services.common import quantity_check, quantity_format, refuse, require_service_manage
from stock.services.ledger import ReceiptLine, receipt_line_check, stock_receive

# --- receipts -------------------------------------------------------------------------------


def receipt_start(
    *,
    actor: User,
    service: Organisation,
    origin: str,
    supplier: str = "",
    received_on: date | None = None,
) -> StockReceipt:
    """A new draft receipt (refuses `origin_invalid`, `received_in_future`)."""
    require_service_manage(actor, service)
    now = timezone.now()
    received_on = received_on or timezone.localdate(now)
    if origin not in Lot.Origin.values:
        refuse(
            _("Choisissez l'origine de la marchandise."),
            code="origin_invalid",
            field="origin",
            kind=ErrorKind.INVALID,
        )
    if received_on > timezone.localdate(now):
        refuse(
            _("Une réception ne peut pas être datée dans le futur."),
            code="received_in_future",
            field="received_on",
            kind=ErrorKind.INVALID,
        )
    return StockReceipt.objects.create(
        service=service,
        origin=origin,
        supplier=" ".join(supplier.split())[:120],
        received_on=received_on,
        created_by=actor,
        created_at=now,
    )


def _draft_locked(actor: User, service: Organisation, receipt_id: int) -> StockReceipt:
    require_service_manage(actor, service)
    receipt = (
        StockReceipt.objects.select_for_update().filter(pk=receipt_id, service=service).first()
    )
    if receipt is None:
        refuse(_("Cette réception n'existe pas ici."), code="not_found", kind=ErrorKind.NOT_FOUND)
    if receipt.status != StockReceipt.Status.DRAFT:
        refuse(_("Cette réception est déjà entrée en stock."), code="receipt_posted")
    return receipt


@transaction.atomic
def receipt_line_add(
    *,
    actor: User,
    service: Organisation,
    receipt_id: int,
    quantity: Decimal,
    barcode: str | None = None,
    product_id: int | None = None,
    best_before: date | None = None,
    household_price: Decimal | None = None,
) -> StockReceiptLine:
    """One more line on a draft receipt, checked now as posting will check it; the same
    product with the same date and price adds to its line."""
    receipt = _draft_locked(actor, service, receipt_id)
    product = product_find(barcode, product_id)
    line = ReceiptLine(product, quantity, best_before, household_price)
    receipt_line_check(service, receipt.origin, line, timezone.localdate())
    # The same product scanned again (same date, same price) is one line, counted up.
    same = StockReceiptLine.objects.filter(
        receipt=receipt,
        product=product,
        best_before=best_before,
        household_price=household_price,
    ).first()
    if same is not None:
        same.quantity += quantity
        receipt_line_check(
            service, receipt.origin, ReceiptLine(product, same.quantity), timezone.localdate()
        )
        same.save(update_fields=["quantity"])
        return same
    return StockReceiptLine.objects.create(
        receipt=receipt,
        product=product,
        quantity=quantity,
        best_before=best_before,
        household_price=household_price,
        added_at=timezone.now(),
    )


@transaction.atomic
def receipt_line_remove(
    *, actor: User, service: Organisation, receipt_id: int, line_id: int
) -> None:
    receipt = _draft_locked(actor, service, receipt_id)
    StockReceiptLine.objects.filter(pk=line_id, receipt=receipt).delete()


@transaction.atomic
def receipt_post(*, actor: User, service: Organisation, receipt_id: int) -> StockReceipt:
    """Put a draft's lines into stock, once; a posted receipt answers as it is."""
    require_service_manage(actor, service)
    receipt = (
        StockReceipt.objects.select_for_update().filter(pk=receipt_id, service=service).first()
    )
    if receipt is None:
        refuse(_("Cette réception n'existe pas ici."), code="not_found", kind=ErrorKind.NOT_FOUND)
    if receipt.status == StockReceipt.Status.POSTED:
        return receipt
    lines = [
        ReceiptLine(line.product, line.quantity, line.best_before, line.household_price)
        for line in receipt.lines.select_related("product")
    ]
    now = timezone.now()
    stock_receive(
        actor=actor,
        service=service,
        origin=receipt.origin,
        lines=lines,
        supplier=receipt.supplier,
        received_on=receipt.received_on,
        moment=now,
        receipt=receipt,
    )
    receipt.status = StockReceipt.Status.POSTED
    receipt.posted_at = now
    receipt.save(update_fields=["status", "posted_at"])
    return receipt


# --- inventory counts -----------------------------------------------------------------------


def inventory_start(*, actor: User, service: Organisation) -> InventoryCount:
    """A new count, or the one already open at this service (one at a time)."""
    require_service_manage(actor, service)
    open_count = InventoryCount.objects.filter(
        service=service, status=InventoryCount.Status.OPEN
    ).first()
    if open_count is not None:
        return open_count
    return InventoryCount.objects.create(
        service=service, started_by=actor, started_at=timezone.now()
    )


def _count_locked(actor: User, service: Organisation, count_id: int) -> InventoryCount:
    require_service_manage(actor, service)
    count = InventoryCount.objects.select_for_update().filter(pk=count_id, service=service).first()
    if count is None:
        refuse(_("Cet inventaire n'existe pas ici."), code="not_found", kind=ErrorKind.NOT_FOUND)
    if count.status != InventoryCount.Status.OPEN:
        refuse(_("Cet inventaire est clôturé."), code="count_closed")
    return count


@transaction.atomic
def inventory_record(
    *,
    actor: User,
    service: Organisation,
    count_id: int,
    barcode: str | None = None,
    product_id: int | None = None,
    counted: Decimal | None = None,
) -> InventoryCountLine:
    """A scanned item adds one to its product's count; a typed figure sets it."""
    count = _count_locked(actor, service, count_id)
    product = product_find(barcode, product_id)
    line = InventoryCountLine.objects.filter(count=count, product=product).first()
    if counted is None:
        counted = (line.counted if line else Decimal(0)) + 1
    elif counted != 0:
        quantity_check(counted, field="counted")
    if counted < 0:
        refuse(
            _("Un compte ne peut pas être négatif."),
            code="quantity_invalid",
            field="counted",
            kind=ErrorKind.INVALID,
        )
    now = timezone.now()
    if line is None:
        return InventoryCountLine.objects.create(
            count=count, product=product, counted=counted, counted_at=now
        )
    line.counted = counted
    line.counted_at = now
    line.save(update_fields=["counted", "counted_at"])
    return line


@transaction.atomic
def inventory_close(
    *, actor: User, service: Organisation, count_id: int, moment: datetime | None = None
) -> InventoryCount:
    """Compare each counted product with its lots and record the differences.

    A shortfall leaves the lots first-expired first (a lot past its date is the
    likeliest to be gone); a surplus goes to the product's latest lot, or is
    refused (`no_lot_for_surplus`: enter it as a receipt). Products not counted
    are left as they are. Locks the lots of the counted products.
    """
    count = _count_locked(actor, service, count_id)
    moment = moment or timezone.now()
    lines = list(count.lines.select_related("product"))
    if not lines:
        refuse(_("Comptez au moins un produit avant de clôturer."), code="count_empty")
    lots = list(
        Lot.objects.select_for_update()
        .filter(service=service, product__in=[line.product_id for line in lines])
        .order_by("product_id", F("best_before").asc(nulls_last=True), "id")
    )
    by_product: dict[int, list[Lot]] = {}
    for lot in lots:
        by_product.setdefault(lot.product_id, []).append(lot)
    changed: dict[int, Lot] = {}
    movements: list[StockMovement] = []
    for line in lines:
        held = by_product.get(line.product_id, [])
        line.expected = sum((lot.on_hand for lot in held), Decimal(0))
        difference = line.counted - line.expected
        if difference > 0:
            if not held:
                refuse(
                    _(
                        "%(product)s : %(count)s en trop, mais aucun lot où les mettre ; "
                        "saisissez-les comme une réception."
                    )
                    % {"product": line.product.name, "count": quantity_format(difference)},
                    code="no_lot_for_surplus",
                )
            latest = max(held, key=lambda lot: (lot.received_on, lot.pk))
            latest.on_hand += difference
            changed[latest.pk] = latest
            movements.append(_adjustment(latest, difference, actor, moment, count))
        left = -difference
        for lot in held:
            if left <= 0:
                break
            taken = min(left, lot.on_hand)
            if taken <= 0:
                continue
            lot.on_hand -= taken
            left -= taken
            changed[lot.pk] = lot
            movements.append(_adjustment(lot, -taken, actor, moment, count))
    Lot.objects.bulk_update(list(changed.values()), ["on_hand"])
    StockMovement.objects.bulk_create(movements)
    InventoryCountLine.objects.bulk_update(lines, ["expected"])
    count.status = InventoryCount.Status.CLOSED
    count.closed_at = moment
    count.save(update_fields=["status", "closed_at"])
    audit_record(
        actor=actor,
        action="inventory.close",
        organisation=service,
        target=count,
        detail={"lines": len(lines), "adjustments": len(movements)},
    )
    return count


def _adjustment(
    lot: Lot, quantity: Decimal, actor: User, moment: datetime, count: InventoryCount
) -> StockMovement:
    return StockMovement(
        lot=lot,
        kind=StockMovement.Kind.ADJUSTMENT,
        quantity=quantity,
        at=moment,
        actor=actor,
        reason=_("Inventaire n° %(number)s") % {"number": count.pk},
        inventory=count,
    )
