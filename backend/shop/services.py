"""What changes the shop's stock: receipts, first-expired-first-out takes, losses.

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
from typing import NoReturn

from django.db import transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from comptoir.errors import DomainError, ErrorKind
from network.access import Perm, has_perm
from network.audit import audit_record
from network.models import Organisation, User
from shop.models import Lot, Product, StockMovement

# More than any shelf holds: a larger number is a typing slip (a barcode in the field).
QUANTITY_MAX = Decimal(100_000)


class StockRefused(DomainError):
    """A refusal about stock; `code` says which."""

    code = "stock_refused"


def _refuse(
    message: str, *, code: str, field: str | None = None, kind: ErrorKind = ErrorKind.CONFLICT
) -> NoReturn:
    raise StockRefused(message, code=code, field=field, kind=kind)


def _require_service_manage(user: User, service: Organisation) -> None:
    if service.kind != Organisation.Kind.SERVICE or not has_perm(
        user, Perm.SERVICE_MANAGE, service
    ):
        _refuse(
            _("Seul un gestionnaire de ce service peut changer son stock."),
            code="not_allowed",
            kind=ErrorKind.FORBIDDEN,
        )


def quantity_check(quantity: Decimal, *, field: str = "quantity") -> None:
    """A quantity is above zero and plausible (refuses `quantity_invalid`)."""
    if not Decimal(0) < quantity <= QUANTITY_MAX:
        _refuse(
            _("Indiquez une quantité plus grande que zéro et au plus %(max)s.")
            % {"max": formats.number_format(QUANTITY_MAX, force_grouping=True)},
            code="quantity_invalid",
            field=field,
            kind=ErrorKind.INVALID,
        )


@dataclass(frozen=True)
class ReceiptLine:
    """One line of a receipt: a product, how much, until when it keeps."""

    product: Product
    quantity: Decimal
    best_before: date | None = None


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
) -> list[Lot]:
    """Receive goods at `service`: one lot and one `receipt` movement per line.

    Refuses `not_allowed`, `no_lines`, `quantity_invalid`, `received_in_future`,
    `already_expired` (a lot whose date has passed on arrival). Nothing is saved
    unless every line is in order.
    """
    _require_service_manage(actor, service)
    moment = moment or timezone.now()
    today = timezone.localdate(moment)
    received_on = received_on or today
    if not lines:
        _refuse(
            _("Une réception compte au moins une ligne."), code="no_lines", kind=ErrorKind.INVALID
        )
    if received_on > today:
        _refuse(
            _("Une réception ne peut pas être datée dans le futur."),
            code="received_in_future",
            field="received_on",
            kind=ErrorKind.INVALID,
        )
    for line in lines:
        quantity_check(line.quantity)
        if line.best_before is not None and line.best_before < today:
            _refuse(
                _("%(product)s : la date (%(day)s) est déjà passée ; ce lot ne peut pas entrer.")
                % {
                    "product": line.product.name,
                    "day": formats.date_format(line.best_before, "SHORT_DATE_FORMAT"),
                },
                code="already_expired",
                field="best_before",
                kind=ErrorKind.INVALID,
            )
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
        )
        for line in lines
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

    Runs inside the caller's transaction (a sale, a distribution). Locks the
    candidate lots in one query, in one order (product, date, id), so concurrent
    takes queue instead of overselling or deadlocking. Skips lots past their
    date. Refuses `out_of_stock` naming the first product short, and writes
    nothing then. Three statements whatever the number of products.
    """
    moment = moment or timezone.now()
    today = timezone.localdate(moment)
    for quantity in wanted.values():
        quantity_check(quantity)
    lots = list(
        Lot.objects.select_for_update(of=("self",))
        .filter(service=service, product_id__in=list(wanted), on_hand__gt=0)
        .filter(Q(best_before__isnull=True) | Q(best_before__gte=today))
        .select_related("product")
        .order_by("product_id", F("best_before").asc(nulls_last=True), "id")
    )
    left = dict(wanted)
    changed: list[Lot] = []
    movements: list[StockMovement] = []
    for lot in lots:
        need = left[lot.product_id]
        if need <= 0:
            continue
        taken = min(need, lot.on_hand)
        left[lot.product_id] = need - taken
        lot.on_hand -= taken
        changed.append(lot)
        movements.append(
            StockMovement(
                lot=lot, kind=kind, quantity=-taken, at=moment, actor=actor, reason=reason
            )
        )
    short = [product_id for product_id, need in left.items() if need > 0]
    if short:
        product = Product.objects.get(pk=short[0])
        available = wanted[short[0]] - left[short[0]]
        _refuse(
            _("%(product)s : plus assez en stock (%(available)s disponible).")
            % {"product": product.name, "available": formats.number_format(available.normalize())},
            code="out_of_stock",
            field="lines",
        )
    Lot.objects.bulk_update(changed, ["on_hand"])
    return StockMovement.objects.bulk_create(movements)


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
    _require_service_manage(actor, lot.service)
    quantity_check(quantity)
    if kind not in (StockMovement.Kind.LOSS, StockMovement.Kind.WASTE):
        raise ValueError(kind)
    reason = (reason or "").strip()
    if len(reason) < 3:
        _refuse(
            _("Dites en quelques mots ce qui est arrivé à ce stock."),
            code="reason_required",
            field="reason",
            kind=ErrorKind.INVALID,
        )
    locked = Lot.objects.select_for_update().get(pk=lot.pk)
    if quantity > locked.on_hand:
        _refuse(
            _("Ce lot n'en compte que %(on_hand)s.")
            % {"on_hand": formats.number_format(locked.on_hand.normalize())},
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
