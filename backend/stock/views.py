"""The manager's stock pages (desktop): catalogue and prices, receipts, counts, losses, alerts."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.csp import wasm_allowed
from comptoir.errors import DomainError, form_add_refusal
from comptoir.money import decimal_typed
from network.access import MemberRequest, role_required
from network.models import Organisation, Role
from stock.forms import (
    BarcodeForm,
    CountForm,
    LossForm,
    PriceBandForm,
    ProductForm,
    ReceiptLineForm,
    ReceiptStartForm,
    ServicePriceForm,
)
from stock.models import InventoryCount, Lot, OfflineHandout, PriceBand, Product, StockReceipt
from stock.offline import offline_handout_settle, offline_handouts_waiting
from stock.selectors import product_lots, product_movements, stock_alerts, stock_products
from stock.services import (
    StockRefused,
    barcode_add,
    inventory_close,
    inventory_record,
    inventory_start,
    price_band_set,
    product_create,
    receipt_line_add,
    receipt_line_remove,
    receipt_post,
    receipt_start,
    service_price_set,
    stock_lose,
    stock_transfer,
)


def manager_stock_section(request: HttpRequest, service: Organisation) -> SafeString:
    """The manager's home: what the stock asks of them today."""
    alerts = stock_alerts(service, timezone.localdate(), settings.SHOP_DATE_ALERT_DAYS)
    html = render_to_string(
        "stock/includes/manager_stock.html",
        {"alerts": alerts, "days": settings.SHOP_DATE_ALERT_DAYS, "service": service},
        request=request,
    )
    return mark_safe(html)  # noqa: S308  (a template's output, escaped there)


# (actor, service, handout id) → the handout, recorded again or still pending.
OfflineRetry = Callable[..., OfflineHandout]


def _service(request: MemberRequest) -> Organisation:
    return request.membership.organisation


# --- catalogue ----------------------------------------------------------------------------


@role_required(Role.MANAGER)
def stock_home(request: MemberRequest) -> HttpResponse:
    service = _service(request)
    query = request.GET.get("q", "")[:60]
    category = request.GET.get("category", "")
    band = PriceBand.objects.filter(service=service).first()
    context: dict[str, Any] = {
        "service": service,
        "rows": stock_products(service, timezone.localdate(), query=query, category=category),
        "query": query,
        "category": category,
        "categories": Product.Category.choices,
        "band": band,
        "band_form": PriceBandForm(
            initial={"min_percent": band.min_percent, "max_percent": band.max_percent}
            if band
            else {"min_percent": 0, "max_percent": 100}
        ),
        "receipts": StockReceipt.objects.filter(service=service)[:10],
        "counts": InventoryCount.objects.filter(service=service)[:5],
        "receipt_form": ReceiptStartForm(initial={"received_on": timezone.localdate()}),
    }
    template = "stock/stock_home.html#table" if request.htmx else "stock/stock_home.html"
    return render(request, template, context)


@require_POST
@role_required(Role.MANAGER)
def price_band_view(request: MemberRequest) -> HttpResponse:
    form = PriceBandForm(request.POST)
    if form.is_valid():
        try:
            price_band_set(actor=request.user, service=_service(request), **form.cleaned_data)
        except StockRefused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("Fourchette de prix enregistrée."))
    else:
        messages.error(request, _("Indiquez deux pourcentages de 0 à 100."))
    return redirect("stock:stock")


@role_required(Role.MANAGER)
def product_new(request: MemberRequest) -> HttpResponse:
    """A new product, often from an unknown barcode met during a receipt."""
    service = _service(request)
    receipt = request.GET.get("receipt") or request.POST.get("receipt") or ""
    form = ProductForm(request.POST or None, initial={"barcode": request.GET.get("barcode", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            product = product_create(
                actor=request.user,
                service=service,
                name=data["name"],
                category=data["category"],
                unit=data["unit"],
                market_price=data["market_price"],
                barcodes=[data["barcode"]] if data["barcode"] else [],
                minimum_stock=data["minimum_stock"] or Decimal(0),
                price=data["price"],
                percent=data["percent"],
            )
        except DomainError as refusal:
            form_add_refusal(form, refusal)
        else:
            messages.success(request, _("Produit « %(name)s » créé.") % {"name": product.name})
            if receipt.isdigit():
                return redirect(
                    reverse("stock:receipt", kwargs={"pk": int(receipt)}) + f"?product={product.pk}"
                )
            return redirect("stock:product", pk=product.pk)
    return render(
        request,
        "stock/product_new.html",
        {"service": service, "form": form, "receipt": receipt},
        status=422 if form.errors else 200,
    )


@role_required(Role.MANAGER)
def product_detail(request: MemberRequest, pk: int) -> HttpResponse:
    service = _service(request)
    product = get_object_or_404(Product, pk=pk)
    price = product.prices.filter(service=service).first()
    context = {
        "service": service,
        "product": product,
        "price": price,
        "price_form": ServicePriceForm(
            initial={"price": price.price, "percent": price.percent} if price else None
        ),
        "barcode_form": BarcodeForm(),
        "loss_form": LossForm(),
        "other_services": Organisation.objects.filter(
            kind=Organisation.Kind.SERVICE, is_active=True
        ).exclude(pk=service.pk),
        "lots": product_lots(service, product),
        "movements": product_movements(service, product),
        "today": timezone.localdate(),
    }
    return render(request, "stock/product_detail.html", context)


@require_POST
@role_required(Role.MANAGER)
def product_price_view(request: MemberRequest, pk: int) -> HttpResponse:
    product = get_object_or_404(Product, pk=pk)
    form = ServicePriceForm(request.POST)
    if form.is_valid():
        try:
            service_price_set(
                actor=request.user, service=_service(request), product=product, **form.cleaned_data
            )
        except StockRefused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("Prix enregistré."))
    else:
        messages.error(request, _("Indiquez un prix en euros ou un pourcentage de 0 à 100."))
    return redirect("stock:product", pk=product.pk)


@require_POST
@role_required(Role.MANAGER)
def product_barcode_view(request: MemberRequest, pk: int) -> HttpResponse:
    product = get_object_or_404(Product, pk=pk)
    try:
        barcode_add(
            actor=request.user,
            service=_service(request),
            product=product,
            text=request.POST.get("barcode", ""),
        )
    except StockRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Code-barres ajouté."))
    return redirect("stock:product", pk=product.pk)


@require_POST
@role_required(Role.MANAGER)
def lot_loss_view(request: MemberRequest, pk: int) -> HttpResponse:
    """Broken, stolen or thrown away: taken off the lot with a reason."""
    service = _service(request)
    lot = Lot.objects.filter(pk=pk, service=service).select_related("service").first()
    if lot is None:
        raise Http404
    form = LossForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Indiquez une quantité et un motif."))
    else:
        try:
            stock_lose(actor=request.user, lot=lot, **form.cleaned_data)
        except StockRefused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("Sortie de stock enregistrée."))
    return redirect("stock:product", pk=lot.product_id)


@require_POST
@role_required(Role.MANAGER)
def lot_transfer_view(request: MemberRequest, pk: int) -> HttpResponse:
    """Part of a lot sent to another service of the network."""
    service = _service(request)
    lot = Lot.objects.filter(pk=pk, service=service).first()
    if lot is None:
        raise Http404
    target = request.POST.get("to_service", "")
    to_service = Organisation.objects.filter(pk=int(target)).first() if target.isdigit() else None
    quantity = decimal_typed(request.POST.get("quantity"))
    try:
        if to_service is None:
            raise StockRefused(
                _("Choisissez un autre service collectif du réseau."),
                code="transfer_target_invalid",
            )
        stock_transfer(
            actor=request.user,
            service=service,
            lot_id=lot.pk,
            to_service=to_service,
            quantity=quantity if quantity is not None else Decimal(0),
        )
    except StockRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request, _("Transfert enregistré vers %(service)s.") % {"service": to_service.name}
        )
    return redirect("stock:product", pk=lot.product_id)


# --- receipts -----------------------------------------------------------------------------


@require_POST
@role_required(Role.MANAGER)
def receipt_start_view(request: MemberRequest) -> HttpResponse:
    form = ReceiptStartForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez l'origine et une date valable."))
        return redirect("stock:stock")
    try:
        receipt = receipt_start(actor=request.user, service=_service(request), **form.cleaned_data)
    except StockRefused as refusal:
        messages.error(request, refusal.message)
        return redirect("stock:stock")
    return redirect("stock:receipt", pk=receipt.pk)


def _receipt_or_404(request: MemberRequest, pk: int) -> StockReceipt:
    receipt = StockReceipt.objects.filter(pk=pk, service=_service(request)).first()
    if receipt is None:
        raise Http404
    return receipt


def _receipt_context(request: MemberRequest, receipt: StockReceipt, **extra: Any) -> dict[str, Any]:
    return {
        "service": _service(request),
        "receipt": receipt,
        "lines": receipt.lines.select_related("product"),
        "lots": receipt.lots.select_related("product") if receipt.status == "posted" else [],
        **extra,
    }


@wasm_allowed
@role_required(Role.MANAGER)
def receipt_detail(request: MemberRequest, pk: int) -> HttpResponse:
    """A receipt: its lines, and while a draft the form to scan (or type) the next one."""
    receipt = _receipt_or_404(request, pk)
    chosen = request.GET.get("product", "")
    context = _receipt_context(
        request,
        receipt,
        chosen=Product.objects.filter(pk=chosen).first() if chosen.isdigit() else None,
    )
    return render(request, "stock/receipt_detail.html", context)


@require_POST
@wasm_allowed
@role_required(Role.MANAGER)
def receipt_line_view(request: MemberRequest, pk: int) -> HttpResponse:
    """One line scanned or typed: the lines again, with the refusal above them if any."""
    receipt = _receipt_or_404(request, pk)
    form = ReceiptLineForm(request.POST)
    unknown = ""
    added = False
    if form.is_valid():
        data = form.cleaned_data
        barcode = data["barcode"]
        try:
            receipt_line_add(
                actor=request.user,
                service=_service(request),
                receipt_id=receipt.pk,
                quantity=data["quantity"],
                barcode=data["barcode"] or None,
                product_id=data["product"],
                best_before=data["best_before"],
                household_price=data["household_price"],
            )
            added = True
        except StockRefused as refusal:
            form_add_refusal(form, refusal)
            if refusal.code == "unknown_barcode":
                unknown = barcode
    errors = [error for field_errors in form.errors.values() for error in field_errors]
    context = _receipt_context(
        request, receipt, errors=errors, unknown_barcode=unknown, added=added
    )
    if request.htmx:
        return render(request, "stock/receipt_detail.html#lines", context)
    return render(request, "stock/receipt_detail.html", context, status=422 if errors else 200)


@require_POST
@role_required(Role.MANAGER)
def receipt_line_remove_view(request: MemberRequest, pk: int, line: int) -> HttpResponse:
    receipt = _receipt_or_404(request, pk)
    try:
        receipt_line_remove(
            actor=request.user, service=_service(request), receipt_id=receipt.pk, line_id=line
        )
    except StockRefused as refusal:
        messages.error(request, refusal.message)
    return redirect("stock:receipt", pk=receipt.pk)


@require_POST
@role_required(Role.MANAGER)
def receipt_post_view(request: MemberRequest, pk: int) -> HttpResponse:
    receipt = _receipt_or_404(request, pk)
    try:
        receipt_post(actor=request.user, service=_service(request), receipt_id=receipt.pk)
    except StockRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Réception entrée en stock."))
    return redirect("stock:receipt", pk=receipt.pk)


# --- inventory counts ---------------------------------------------------------------------


@require_POST
@role_required(Role.MANAGER)
def count_start_view(request: MemberRequest) -> HttpResponse:
    count = inventory_start(actor=request.user, service=_service(request))
    return redirect("stock:count", pk=count.pk)


def _count_or_404(request: MemberRequest, pk: int) -> InventoryCount:
    count = InventoryCount.objects.filter(pk=pk, service=_service(request)).first()
    if count is None:
        raise Http404
    return count


def _count_context(request: MemberRequest, count: InventoryCount, **extra: Any) -> dict[str, Any]:
    return {
        "service": _service(request),
        "count": count,
        "lines": count.lines.select_related("product").order_by("-counted_at", "-id"),
        **extra,
    }


@wasm_allowed
@role_required(Role.MANAGER)
def count_detail(request: MemberRequest, pk: int) -> HttpResponse:
    count = _count_or_404(request, pk)
    return render(request, "stock/count_detail.html", _count_context(request, count))


@require_POST
@wasm_allowed
@role_required(Role.MANAGER)
def count_record_view(request: MemberRequest, pk: int) -> HttpResponse:
    """A scan (one more) or a typed count: the counted lines again, with any refusal."""
    count = _count_or_404(request, pk)
    form = CountForm(request.POST)
    recorded = False
    if form.is_valid():
        data = form.cleaned_data
        try:
            inventory_record(
                actor=request.user,
                service=_service(request),
                count_id=count.pk,
                barcode=data["barcode"] or None,
                product_id=data["product"],
                counted=data["counted"],
            )
            recorded = True
        except StockRefused as refusal:
            form_add_refusal(form, refusal)
    errors = [error for field_errors in form.errors.values() for error in field_errors]
    context = _count_context(request, count, errors=errors, recorded=recorded)
    if request.htmx:
        return render(request, "stock/count_detail.html#lines", context)
    return render(request, "stock/count_detail.html", context, status=422 if errors else 200)


@require_POST
@role_required(Role.MANAGER)
def count_close_view(request: MemberRequest, pk: int) -> HttpResponse:
    count = _count_or_404(request, pk)
    try:
        inventory_close(actor=request.user, service=_service(request), count_id=count.pk)
    except StockRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Inventaire clôturé : les écarts sont enregistrés."))
    return redirect("stock:count", pk=count.pk)


# --- what tablets handed over offline -----------------------------------------------------


def manager_offline_section(request: HttpRequest, service: Organisation) -> SafeString:
    """The manager's home: sales and parcels made offline that wait on the manager."""
    waiting = offline_handouts_waiting(service)
    if not waiting:
        return mark_safe("")  # noqa: S308  (nothing to show)
    html = render_to_string(
        "stock/includes/manager_offline.html", {"handouts": waiting}, request=request
    )
    return mark_safe(html)  # noqa: S308  (a template's output, escaped there)


@require_POST
@role_required(Role.MANAGER)
def offline_handout_settle_view(request: MemberRequest, pk: int) -> HttpResponse:
    """Close an offline sale or parcel that waits, with a note."""
    try:
        offline_handout_settle(
            actor=request.user,
            service=_service(request),
            handout_id=pk,
            note=request.POST.get("note", ""),
        )
    except StockRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Remise hors ligne régularisée."))
    return redirect("counter:manager-home")


def offline_retry_answer(request: MemberRequest, retry: OfflineRetry, pk: int) -> HttpResponse:
    """Record a pending offline handout again (the shop's or the food-aid point's way)."""
    try:
        handout = retry(actor=request.user, service=_service(request), handout_id=pk)
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        if handout.status == OfflineHandout.Status.PENDING:
            messages.error(request, handout.problem)
        else:
            messages.success(request, _("Remise hors ligne enregistrée."))
    return redirect("counter:manager-home")
