"""The shop's basket without the network.

The day's list a tablet keeps (`counter.offline`) carries, for a shop, the catalogue as
the basket page shows it (prices here, what the shelves hold) and each good pass's
budget left (`offline_catalogue`). Offline, the tablet fills a basket from it after an
accepted scan and queues the sale: its lines, the payment, what it asked. Back online
the server records it at its real moment, as a checkout of the scan's visit
(`offline_sale_record`), budget or not: the goods left and the money changed hands.
What it cannot record (another tablet sold the last ones, the scan was a conflict)
waits for the manager (`stock.offline`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.dates import local_midnight
from comptoir.money import euros
from counter.models import Visit
from counter.selectors import household_size_at
from counter.verdict import period_window
from network.models import Organisation, User
from network.rules import RuleKind, RuleSnapshot
from shop.models import BasketLine, Sale
from shop.pricing import CASH_ROUNDING
from shop.selectors import budget_for, shop_offer
from shop.services.sales import SHOP_KINDS, basket_open, sale_checkout
from stock.models import Barcode, OfflineHandout, Product
from stock.offline import (
    HandoutRecorder,
    HandoutResult,
    HandoutSent,
    offline_handout_retry,
    offline_handouts_record,
)
from stock.services.common import refuse


def offline_catalogue(
    service: Organisation,
    moment: datetime,
    passes: Mapping[int, tuple[list[RuleSnapshot], int]],
) -> dict[str, Any] | None:
    """For a shop: the products on sale today with their price and stock, and the
    budget each good pass has left this period (three queries). None elsewhere."""
    if service.service_kind not in SHOP_KINDS:
        return None
    today = timezone.localdate(moment)
    offer = shop_offer(service, today)
    ids = [item.product.pk for items in offer.values() for item in items]
    barcodes: dict[int, list[str]] = defaultdict(list)
    for product_id, code in Barcode.objects.filter(product_id__in=ids).values_list(
        "product_id", "code"
    ):
        barcodes[product_id].append(code)
    products = [
        {
            "id": item.product.pk,
            "name": item.product.name,
            "category": category,
            "unit": item.product.unit,
            "unit_label": item.product.get_unit_display(),
            "price": str(item.unit_price),
            "market_price": str(item.product.market_price),
            "available": str(item.available),
            "barcodes": barcodes.get(item.product.pk, []),
        }
        for category, items in offer.items()
        for item in items
    ]
    step = CASH_ROUNDING.get(service.country)
    return {
        "sync_url": reverse("api:shop-offline-sales"),
        "cash_step": str(step) if step else None,
        "products": products,
        "budgets": _budgets_left(service, today, passes),
    }


def _budgets_left(
    service: Organisation, today: date, passes: Mapping[int, tuple[list[RuleSnapshot], int]]
) -> dict[str, list[int]]:
    """Pass id → [the budget's total, what this period's sales drew], in cents (one
    query; a pair, not an object: a large counter has tens of thousands)."""
    budgets: dict[int, tuple[Decimal, datetime]] = {}
    starts: dict[str, datetime] = {}  # by period: a large counter has few
    for pass_id, (rules, size) in passes.items():
        rule = next((r for r in rules if r.kind == RuleKind.BUDGET), None)
        if rule is not None:
            if rule.period not in starts:
                starts[rule.period] = local_midnight(period_window(rule.period, today)[0])
            budgets[pass_id] = (Decimal(rule.budget_cents_for(size)) / 100, starts[rule.period])
    if not budgets:
        return {}
    since = min(start for _total, start in budgets.values())
    used: dict[int, Decimal] = defaultdict(Decimal)
    # The service's sales of the period, not an IN list of tens of thousands of passes.
    for pass_id, at, amount in Sale.objects.filter(service=service, at__gte=since).values_list(
        "access_pass_id", "at", "amount_due"
    ):
        if pass_id in budgets and at >= budgets[pass_id][1]:
            used[pass_id] += amount
    return {
        str(pass_id): [int(total * 100), int(used[pass_id] * 100)]
        for pass_id, (total, _start) in budgets.items()
    }


def _sale_recorder(service: Organisation, user: User) -> HandoutRecorder:
    def record(handout: OfflineHandout, visit: Visit, moment: datetime) -> tuple[Model, str]:
        wanted = {int(line["product"]): Decimal(line["quantity"]) for line in handout.lines}
        known = set(Product.objects.filter(pk__in=list(wanted)).values_list("pk", flat=True))
        if unknown := sorted(set(wanted) - known):
            refuse(
                _(
                    "Produit inconnu ici (n° %(product)s) : la liste de la tablette était-elle "
                    "d'un autre service ?"
                )
                % {"product": unknown[0]},
                code="unknown_product",
            )
        basket = basket_open(actor=user, service=service, visit_id=visit.pk, moment=moment)
        # The basket as the tablet had it (one left open online is replaced).
        BasketLine.objects.filter(basket=basket).delete()
        BasketLine.objects.bulk_create(
            BasketLine(basket=basket, product_id=product_id, quantity=quantity, added_at=moment)
            for product_id, quantity in wanted.items()
        )
        sale = sale_checkout(
            actor=user,
            service=service,
            basket_id=basket.pk,
            # "none" without an amount asked: the server counts what is due.
            payment=handout.payment
            if handout.payment and (handout.amount_asked is not None or handout.payment != "none")
            else Sale.Payment.OTHER,
            moment=moment,
            budget_enforced=False,
            # What changed hands is what the tablet asked, whatever the server counts.
            paid_offline=handout.amount_asked,
        ).sale
        return sale, _sale_difference(service, handout, visit, sale, moment)

    return record


def _sale_difference(
    service: Organisation, handout: OfflineHandout, visit: Visit, sale: Sale, moment: datetime
) -> str:
    """What the manager should know about a sale recorded otherwise than the tablet
    showed it: another amount (prices by lot), or a budget overdrawn."""
    said = []
    if handout.amount_asked is not None and handout.amount_asked != sale.amount_due:
        said.append(
            _("La tablette a demandé %(asked)s ; le serveur compte %(due)s.")
            % {"asked": euros(handout.amount_asked), "due": euros(sale.amount_due)}
        )
    assert visit.access_pass is not None
    budget = budget_for(visit.access_pass, service, household_size_at(visit), moment)
    if budget is not None and budget.used > budget.total:
        said.append(
            _("Budget de la période dépassé de %(over)s (ventes sur deux tablettes ?).")
            % {"over": euros(budget.used - budget.total)}
        )
    return " ".join(said)


def offline_sales_record(
    *, service: Organisation, user: User, sales: list[HandoutSent], now: datetime | None = None
) -> list[HandoutResult]:
    """Record the sales a tablet made offline (see `stock.offline.offline_handouts_record`)."""
    return offline_handouts_record(
        service=service,
        user=user,
        kind=OfflineHandout.Kind.SALE,
        handouts=sales,
        record=_sale_recorder(service, user),
        now=now,
    )


def offline_sale_retry(*, actor: User, service: Organisation, handout_id: int) -> OfflineHandout:
    """The manager records a pending offline sale again (see `stock.offline`)."""
    return offline_handout_retry(
        actor=actor,
        service=service,
        handout_id=handout_id,
        kind=OfflineHandout.Kind.SALE,
        record=_sale_recorder(service, actor),
    )
