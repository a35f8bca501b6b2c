"""The sale at the counter: a basket held on the server, its checkout, its correction.

A basket opens only on an accepted visit of the day at a shop or a coop, one
per visit. Every change locks the basket row, so two tablets on one basket
queue. The checkout is set-based (its statements do not grow with its lines):
it locks the basket and the pass (a household's sales queue, so its budget is
never overspent), then the lots first-expired first out, and writes the sale,
its lines, the balances and the ledger in one transaction. A basket already
paid answers with its sale: a checkout sent twice makes one sale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import NoReturn

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.errors import ErrorKind
from comptoir.money import euros
from counter.models import Visit
from counter.selectors import household_size_at
from network.access import Perm, has_perm
from network.audit import audit_record
from network.models import Organisation, User
from shop.models import Basket, BasketLine, Sale, SaleLine
from shop.pricing import cash_round
from shop.selectors import Budget, Quote, basket_quote, budget_for
from stock.models import Lot, Product, StockMovement
from stock.selectors import lots_fefo, lots_needed, service_prices
from stock.services.catalogue import product_find
from stock.services.common import quantity_check, quantity_format, reason_clean, refuse
from stock.services.ledger import refuse_short, returns_check, takes_return, takes_write
from stock.takes import Plan, plan_takes, returns_plan

SHOP_KINDS = frozenset({Organisation.ServiceKind.SHOP, Organisation.ServiceKind.COOP})


def _require_counter(user: User, service: Organisation) -> None:
    if not has_perm(user, Perm.COUNTER_SCAN, service):
        refuse(
            _("Seuls les bénévoles et gestionnaires de ce service peuvent vendre ici."),
            code="not_allowed",
            kind=ErrorKind.FORBIDDEN,
        )


# --- the basket ---------------------------------------------------------------------------


@transaction.atomic
def basket_open(
    *, actor: User, service: Organisation, visit_id: int, moment: datetime | None = None
) -> Basket:
    """The basket of an accepted visit of today (made once, found again after a reload).

    Refuses `not_a_shop`, `not_found`, `visit_not_accepted`, `visit_undone`,
    `visit_not_today`, `visit_already_sold`.
    """
    _require_counter(actor, service)
    moment = moment or timezone.now()
    if service.service_kind not in SHOP_KINDS:
        refuse(
            _("%(service)s n'est pas un magasin : il n'y a pas de panier ici.")
            % {"service": service.name},
            code="not_a_shop",
        )
    visit = Visit.objects.filter(pk=visit_id, service=service).first()
    if visit is None:
        refuse(_("Ce passage n'existe pas ici."), code="not_found", kind=ErrorKind.NOT_FOUND)
    if not visit.accepted or visit.access_pass_id is None:
        # A voucher's visit has no pass, hence no budget: nothing is sold on it.
        refuse(
            _("Une vente suit un passage accepté sur présentation d'un accès-pass."),
            code="visit_not_accepted",
        )
    if visit.undone_at is not None:
        refuse(_("Ce passage a été annulé : scannez la carte à nouveau."), code="visit_undone")
    if timezone.localdate(visit.at) != timezone.localdate(moment):
        refuse(
            _("Ce passage date d'un autre jour : scannez la carte à nouveau."),
            code="visit_not_today",
        )
    basket, _created = Basket.objects.get_or_create(
        visit=visit, defaults={"service": service, "opened_by": actor, "opened_at": moment}
    )
    if basket.status == Basket.Status.PAID:
        refuse(
            _("Ce passage a déjà sa vente : scannez la carte pour un nouveau passage."),
            code="visit_already_sold",
        )
    if basket.status == Basket.Status.ABANDONED:
        basket.status = Basket.Status.OPEN
        basket.save(update_fields=["status"])
    return basket


def _basket_locked(service: Organisation, basket_id: int, *, with_pass: bool = False) -> Basket:
    """The basket row locked (and its pass, for a checkout), or `not_found`."""
    queryset = Basket.objects.select_related("visit__access_pass", "service")
    if with_pass:
        # An inner join (a basket's visit always names a pass), so the pass can be locked;
        # only the columns a checkout reads (not the service's, nor the household's).
        queryset = (
            Basket.objects.select_related("visit__access_pass")
            .only(
                "status",
                "service_id",
                "visit__at",
                "visit__undone_at",
                "visit__answer",
                "visit__access_pass__rules",
            )
            .filter(visit__access_pass__isnull=False)
            .select_for_update(of=("self", "visit__access_pass"))
        )
    else:
        queryset = queryset.select_for_update(of=("self",))
    basket = queryset.filter(pk=basket_id, service=service).first()
    if basket is None:
        refuse(_("Ce panier n'existe pas ici."), code="not_found", kind=ErrorKind.NOT_FOUND)
    return basket


def _require_open(basket: Basket) -> None:
    if basket.status == Basket.Status.PAID:
        refuse(_("Ce panier est déjà payé."), code="basket_paid")
    if basket.status == Basket.Status.ABANDONED:
        refuse(_("Ce panier a été abandonné."), code="basket_abandoned")


def _refuse_short(service: Organisation, product: Product, available: Decimal) -> NoReturn:
    """`expired` when what is left of `product` is past its date, else `out_of_stock`."""
    if (
        not available
        and Lot.objects.filter(service=service, product=product, on_hand__gt=0).exists()
    ):
        refuse(
            _("%(product)s : le stock restant a dépassé sa date ; il ne peut pas être vendu.")
            % {"product": product.name},
            code="expired",
            field="quantity",
        )
    refuse(
        _("%(product)s : plus assez en stock (%(available)s disponible).")
        % {"product": product.name, "available": quantity_format(available)},
        code="out_of_stock",
        field="quantity",
    )


def _over_budget(budget: Budget, amount: Decimal) -> None:
    refuse(
        _(
            "Budget dépassé : il reste %(left)s pour la période et ce panier ferait %(amount)s. "
            "Retirez un article."
        )
        % {"left": euros(budget.left), "amount": euros(amount)},
        code="over_budget",
    )


@transaction.atomic
def basket_put(
    *,
    actor: User,
    service: Organisation,
    basket_id: int,
    quantity: Decimal,
    barcode: str | None = None,
    product_id: int | None = None,
    add: bool = True,
    moment: datetime | None = None,
) -> Quote:
    """Add `quantity` of a product (by barcode or id) to a basket, or set its quantity
    (`add=False`; zero takes the product out). Returns the basket's new quote.

    Refuses `basket_paid`, `unknown_barcode`, `not_sold_here`, `quantity_invalid`,
    `quantity_whole`, `out_of_stock`, `expired`, `over_budget`; the basket is
    left as it was then (the transaction rolls the line back).
    """
    _require_counter(actor, service)
    moment = moment or timezone.now()
    basket = _basket_locked(service, basket_id)
    _require_open(basket)
    product = product_find(
        barcode, product_id, unknown_hint=_("Demandez au gestionnaire de créer le produit.")
    )
    line = BasketLine.objects.filter(basket=basket, product=product).first()
    before = line.quantity if line else Decimal(0)
    new = before + quantity if add else quantity
    if new == 0 and not add:
        if line is not None:
            line.delete()
        return basket_quote(basket, moment)
    quantity_check(quantity if add else new)
    quantity_check(new)
    if product.unit == Product.Unit.PIECE and new != new.to_integral_value():
        refuse(
            _("%(product)s se vend à la pièce : indiquez un nombre entier.")
            % {"product": product.name},
            code="quantity_whole",
            field="quantity",
            kind=ErrorKind.INVALID,
        )
    if line is None:
        BasketLine.objects.create(basket=basket, product=product, quantity=new, added_at=moment)
    else:
        BasketLine.objects.filter(pk=line.pk).update(quantity=new)
    # One quote, on the basket as it would be: it says whether the product is sold here,
    # whether the shelves hold enough, and whether the budget allows it.
    quote = basket_quote(basket, moment)
    if product.pk in quote.not_sold:
        refuse(
            _("%(product)s n'est pas vendu à %(service)s.")
            % {"product": product.name, "service": service.name},
            code="not_sold_here",
            field="barcode" if barcode else "product",
        )
    if new > before and product.pk in quote.short:
        _refuse_short(service, product, quote.short[product.pk][1])
    if new > before and quote.over_budget and quote.budget is not None:
        _over_budget(quote.budget, quote.amount_due)
    return quote


@transaction.atomic
def basket_abandon(*, actor: User, service: Organisation, basket_id: int) -> Basket:
    """The household left without buying: the basket closes, its visit stays counted."""
    _require_counter(actor, service)
    basket = _basket_locked(service, basket_id)
    _require_open(basket)
    basket.status = Basket.Status.ABANDONED
    basket.save(update_fields=["status"])
    return basket


# --- the checkout -------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkout:
    sale: Sale
    # True when the basket was already paid: this is the first checkout's sale.
    replayed: bool = False


def _payment_settle(
    service: Organisation, due: Decimal, payment: str, tendered: Decimal | None
) -> tuple[str, Decimal, Decimal | None]:
    """(payment, amount paid, cash tendered) for `due`, or a refusal."""
    if due == 0:
        return Sale.Payment.NONE, Decimal(0), None
    if payment not in (Sale.Payment.CASH, Sale.Payment.CARD, Sale.Payment.OTHER):
        refuse(
            _("Il y a %(amount)s à payer : choisissez espèces, carte ou autre.")
            % {"amount": euros(due)},
            code="payment_required",
            field="payment",
            kind=ErrorKind.INVALID,
        )
    if payment != Sale.Payment.CASH:
        return payment, due, None
    paid = cash_round(due, service.country)
    if tendered is not None and tendered < paid:
        refuse(
            _("Reçu %(tendered)s : il manque %(missing)s pour %(amount)s.")
            % {
                "tendered": euros(tendered),
                "missing": euros(paid - tendered),
                "amount": euros(paid),
            },
            code="tendered_short",
            field="tendered",
            kind=ErrorKind.INVALID,
        )
    return payment, paid, tendered


def _payment_offline(
    service: Organisation, asked: Decimal, payment: str
) -> tuple[str, Decimal, None]:
    """(payment, amount paid, no tendered) for what a tablet asked offline."""
    if asked == 0:
        return Sale.Payment.NONE, Decimal(0), None
    if payment not in (Sale.Payment.CASH, Sale.Payment.CARD, Sale.Payment.OTHER):
        payment = Sale.Payment.OTHER
    paid = cash_round(asked, service.country) if payment == Sale.Payment.CASH else asked
    return payment, paid, None


@transaction.atomic
def sale_checkout(
    *,
    actor: User,
    service: Organisation,
    basket_id: int,
    payment: str,
    tendered: Decimal | None = None,
    moment: datetime | None = None,
    budget_enforced: bool = True,
    paid_offline: Decimal | None = None,
) -> Checkout:
    """Turn an open basket into a sale, once. A paid basket answers with its sale.

    A sale that already happened offline (see `shop.offline`) is recorded with
    `budget_enforced=False`, even past the budget, and with `paid_offline`, what the
    tablet asked: what changed hands, whatever the server counts due now.

    Refuses `not_found`, `basket_abandoned`, `basket_empty`, `visit_undone`, `visit_not_today`,
    `not_sold_here`, `out_of_stock`, `over_budget`, `payment_required`,
    `tendered_short`; nothing is written then. Ten statements whatever the
    number of lines (and one more for the caller's memberships, when not yet read).
    """
    _require_counter(actor, service)
    moment = moment or timezone.now()
    basket = _basket_locked(service, basket_id, with_pass=True)
    if basket.status == Basket.Status.PAID:
        return Checkout(Sale.objects.get(basket=basket), replayed=True)
    _require_open(basket)
    visit = basket.visit
    access_pass = visit.access_pass
    assert access_pass is not None
    if visit.undone_at is not None:
        refuse(_("Ce passage a été annulé : la vente ne peut pas se faire."), code="visit_undone")
    if timezone.localdate(visit.at) != timezone.localdate(moment):
        # A basket left open overnight: the sale belongs to a visit of the day it is made.
        refuse(
            _("Ce passage date d'un autre jour : scannez la carte à nouveau."),
            code="visit_not_today",
        )
    lines = list(BasketLine.objects.filter(basket=basket).values_list("product_id", "quantity"))
    if not lines:
        refuse(_("Le panier est vide."), code="basket_empty")
    wanted = dict(lines)
    prices = service_prices(service, list(wanted))
    missing = [product_id for product_id in wanted if product_id not in prices]
    if missing:
        refuse(
            _("%(product)s n'est plus vendu ici : retirez-le du panier.")
            % {"product": Product.objects.get(pk=missing[0]).name},
            code="not_sold_here",
        )
    budget = budget_for(access_pass, service, household_size_at(visit), moment)
    today = timezone.localdate(moment)
    plan = plan_takes(lots_needed(service, wanted, today, lock=True), wanted, prices)
    if plan.short:
        # Another tablet emptied a lot meanwhile: lock every candidate lot and plan again.
        plan = plan_takes(lots_fefo(service, wanted, today, lock=True), wanted, prices)
    refuse_short(plan)
    due = plan.amount_due
    if budget_enforced and budget is not None and due > budget.left:
        _over_budget(budget, due)
    if paid_offline is None:
        payment, paid, tendered = _payment_settle(service, due, payment, tendered)
    else:
        payment, paid, tendered = _payment_offline(service, paid_offline, payment)
    sale = Sale.objects.create(
        service=service,
        access_pass=access_pass,
        visit=visit,
        basket=basket,
        at=moment,
        sold_by=actor,
        market_total=plan.market_total,
        amount_due=due,
        amount_paid=paid,
        payment=payment,
        tendered=tendered,
    )
    _lines_write(sale, plan)
    takes_write(plan, actor=actor, kind=StockMovement.Kind.SALE, moment=moment, source=sale)
    Basket.objects.filter(pk=basket.pk).update(status=Basket.Status.PAID)
    return Checkout(sale)


def _lines_write(sale: Sale, plan: Plan, sign: int = 1) -> None:
    SaleLine.objects.bulk_create(
        SaleLine(
            sale=sale,
            product_id=take.lot.product_id,
            lot=take.lot,
            quantity=sign * take.quantity,
            unit_price=take.unit_price,
            market_unit_price=take.market_unit_price,
            amount=sign * take.amount,
            market_value=sign * take.market_value,
        )
        for take in plan.takes
    )


# --- corrections --------------------------------------------------------------------------


@transaction.atomic
def sale_correct(
    *,
    actor: User,
    service: Organisation,
    sale_id: int,
    reason: str,
    returns: Mapping[int, Decimal] | None = None,
    moment: datetime | None = None,
) -> Sale:
    """Take back `returns` (product id → quantity) of a sale of today, or all of what is
    left of it (`returns=None`: the sale is cancelled), with a reason.

    The correction is a new sale with negative figures; the quantities go back to
    the lots they left, recorded as `correction` movements; the budget comes back
    with them. By the volunteer who made the sale or a manager. Refuses
    `not_found`, `not_allowed`, `reason_required`, `correction_too_late`,
    `already_cancelled`, `return_too_much`.
    """
    moment = moment or timezone.now()
    sale = (
        Sale.objects.select_for_update(of=("self",))
        .select_related("visit")
        .filter(pk=sale_id, service=service, corrects__isnull=True)
        .first()
    )
    if sale is None:
        refuse(_("Cette vente n'existe pas ici."), code="not_found", kind=ErrorKind.NOT_FOUND)
    if sale.sold_by_id != actor.pk and not has_perm(actor, Perm.SERVICE_MANAGE, service):
        refuse(
            _("Seul le ou la bénévole qui a fait la vente, ou un gestionnaire, peut la corriger."),
            code="not_allowed",
            kind=ErrorKind.FORBIDDEN,
        )
    reason = reason_clean(reason, _("Dites en quelques mots pourquoi la vente est corrigée."))
    if timezone.localdate(sale.at) != timezone.localdate(moment):
        refuse(
            _("Une vente ne peut être corrigée que le jour même ; parlez-en au gestionnaire."),
            code="correction_too_late",
        )
    left = _left_by_lot(sale)
    whole = returns is None
    returns = returns_check(
        left,
        returns,
        all_back=_("Cette vente est déjà entièrement annulée."),
        too_much=_("%(product)s : la vente n'en compte que %(left)s à reprendre."),
    )
    plan = returns_plan(left, returns)
    due = plan.amount_due
    paid = _refund(service, sale, due, whole=whole)
    correction = Sale.objects.create(
        service=service,
        access_pass_id=sale.access_pass_id,
        visit_id=sale.visit_id,
        corrects=sale,
        at=moment,
        sold_by=actor,
        market_total=-plan.market_total,
        amount_due=-due,
        amount_paid=-paid,
        payment=sale.payment,
        reason=reason,
    )
    _lines_write(correction, plan, sign=-1)
    takes_return(plan, actor=actor, moment=moment, reason=reason, source=correction)
    audit_record(
        actor=actor,
        action="sale.correct",
        organisation=service,
        target=sale,
        detail={"correction": correction.pk, "amount": str(-due)},
    )
    return correction


def _refund(service: Organisation, sale: Sale, due: Decimal, *, whole: bool) -> Decimal:
    """What goes back to the household for `due` taken back: never more than it paid and
    was not yet given back (a sale made offline may have been paid otherwise than its due,
    see `_payment_offline`); all of that when the sale is cancelled whole."""
    if sale.payment == Sale.Payment.NONE:
        return Decimal(0)
    refunded = sale.corrections.aggregate(total=Sum("amount_paid"))["total"] or Decimal(0)
    paid_left = sale.amount_paid + refunded  # corrections are negative
    if whole:
        return paid_left
    refund = cash_round(due, service.country) if sale.payment == Sale.Payment.CASH else due
    return min(refund, paid_left)


def _left_by_lot(sale: Sale) -> dict[tuple[int, int], tuple[Decimal, Decimal, Decimal]]:
    """(product, lot) → (quantity not yet taken back, unit price, market unit price),
    the lots in the order they left."""
    rows = (
        SaleLine.objects.filter(sale__in=[sale.pk, *sale.corrections.values_list("pk", flat=True)])
        .values("product_id", "lot_id", "unit_price", "market_unit_price")
        .annotate(quantity=Sum("quantity"))
        .order_by("lot_id")
    )
    return {
        (row["product_id"], row["lot_id"]): (
            row["quantity"],
            row["unit_price"],
            row["market_unit_price"],
        )
        for row in rows
    }


def visit_sold_refusal(visit: Visit) -> str | None:
    """Why a visit with a sale may not be undone (the counter asks before undoing)."""
    if Sale.objects.filter(visit=visit).exists():
        return _(
            "Une vente a été faite sur ce passage : annulez d'abord la vente, depuis son ticket."
        )
    return None
