"""The sale on the counter's tablet: the basket after an accepted scan, the receipt, a correction."""

from decimal import Decimal

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.csp import wasm_allowed
from comptoir.errors import DomainError
from comptoir.money import decimal_typed
from counter.verdict import Verdict
from network.access import MemberRequest, role_required
from network.models import Organisation, Role
from shop.models import Basket, Sale
from shop.offline import offline_sale_retry
from shop.selectors import (
    Quote,
    basket_for_counter,
    basket_quote,
    receipt_lines,
    sale_for_counter,
    sale_of_basket,
    sales_of_day,
    shop_offer,
)
from shop.services import basket_abandon, basket_open, basket_put, sale_checkout, sale_correct
from shop.services.sales import SHOP_KINDS
from stock.services import StockRefused
from stock.views import offline_retry_answer

COUNTER_ROLES = (Role.VOLUNTEER, Role.MANAGER)


def verdict_basket_action(request: HttpRequest, verdict: Verdict) -> SafeString | None:
    """Under an accepted verdict at a shop: the button to the household's basket."""
    service = verdict.visit.service
    if not verdict.accepted or service.service_kind not in SHOP_KINDS:
        return None
    html = render_to_string(
        "shop/includes/verdict_basket.html", {"visit": verdict.visit}, request=request
    )
    return mark_safe(html)  # noqa: S308  (a template's output, escaped there)


def counter_sales_link(request: HttpRequest, service: Organisation) -> SafeString | None:
    """Beside the verdict at a shop: the way to today's sales (to find one to correct)."""
    if service.service_kind not in SHOP_KINDS:
        return None
    return mark_safe(render_to_string("shop/includes/counter_sales_link.html", request=request))  # noqa: S308


@role_required(*COUNTER_ROLES)
def sales_today(request: MemberRequest) -> HttpResponse:
    """Today's sales at this counter, with their corrections, and the day's takings."""
    service = request.membership.organisation
    sales = sales_of_day(service, timezone.localdate())
    cash = [s.amount_paid for s in sales if s.payment == Sale.Payment.CASH]
    other = [s.amount_paid for s in sales if s.payment in (Sale.Payment.CARD, Sale.Payment.OTHER)]
    context = {
        "service": service,
        "sales": sales,
        "count": sum(1 for s in sales if s.corrects_id is None),
        "market_total": sum((s.market_total for s in sales), Decimal(0)),
        "aid_total": sum((s.aid_given for s in sales), Decimal(0)),
        "cash_total": sum(cash, Decimal(0)),
        "other_total": sum(other, Decimal(0)),
    }
    return render(request, "shop/sales_today.html", context)


def _basket_or_404(request: MemberRequest, pk: int) -> Basket:
    basket = basket_for_counter(request.membership.organisation, pk)
    if basket is None:
        raise Http404
    return basket


def _basket_context(
    request: MemberRequest, basket: Basket, quote: Quote | None = None, **extra: object
) -> dict[str, object]:
    visit = basket.visit
    access_pass = visit.access_pass
    assert access_pass is not None
    return {
        "service": basket.service,
        "basket": basket,
        "quote": quote or basket_quote(basket),
        "first_name": access_pass.household.first_name,
        "household_size": (visit.answer or {}).get("household_size"),
        **extra,
    }


@require_POST
@role_required(*COUNTER_ROLES)
def basket_open_view(request: MemberRequest) -> HttpResponse:
    """From the verdict: the household's basket (the same one again after a reload)."""
    visit_id = request.POST.get("visit", "")
    try:
        basket = basket_open(
            actor=request.user,
            service=request.membership.organisation,
            visit_id=int(visit_id) if visit_id.isdigit() else 0,
        )
    except DomainError as refusal:
        messages.error(request, refusal.message)
        return redirect("counter:home")
    return redirect("shop:basket", pk=basket.pk)


@wasm_allowed
@role_required(*COUNTER_ROLES)
def basket_page(request: MemberRequest, pk: int) -> HttpResponse:
    """The basket on the tablet: scan or tap products, see the totals and the budget, pay."""
    basket = _basket_or_404(request, pk)
    if basket.status == Basket.Status.PAID:
        sale = sale_of_basket(basket)
        if sale is not None:
            return redirect("shop:receipt-of-sale", pk=sale.pk)
    if basket.status == Basket.Status.ABANDONED:
        messages.info(request, translation.gettext("Ce panier a été abandonné."))
        return redirect("counter:home")
    context = _basket_context(request, basket)
    context["offer"] = shop_offer(basket.service, timezone.localdate())
    return render(request, "shop/basket.html", context)


@require_POST
@wasm_allowed
@role_required(*COUNTER_ROLES)
def basket_put_view(request: MemberRequest, pk: int) -> HttpResponse:
    """Add a scanned or tapped product, or set a line's quantity: the basket panel again."""
    basket = _basket_or_404(request, pk)
    error = None
    quote = None
    quantity = decimal_typed(request.POST.get("quantity"), "1")
    product = request.POST.get("product", "")
    try:
        if quantity is None:
            raise StockRefused(
                translation.gettext("Indiquez une quantité en chiffres."),
                code="quantity_invalid",
            )
        quote = basket_put(
            actor=request.user,
            service=request.membership.organisation,
            basket_id=basket.pk,
            barcode=request.POST.get("barcode", "").strip() or None,
            product_id=int(product) if product.isdigit() else None,
            quantity=quantity,
            add=request.POST.get("mode", "add") != "set",
        )
    except StockRefused as refusal:
        error = refusal.message
    context = _basket_context(request, basket, quote, error=error)
    template = "shop/basket.html#live" if request.htmx else "shop/basket.html"
    if not request.htmx:
        context["offer"] = shop_offer(basket.service, timezone.localdate())
    return render(request, template, context, status=422 if error and not request.htmx else 200)


@require_POST
@wasm_allowed
@role_required(*COUNTER_ROLES)
def basket_checkout_view(request: MemberRequest, pk: int) -> HttpResponse:
    """Pay: the sale is recorded once (a second tap finds it) and its receipt shown."""
    basket = _basket_or_404(request, pk)
    tendered = request.POST.get("tendered", "").strip()
    tendered_amount = decimal_typed(tendered) if tendered else None
    try:
        if tendered and tendered_amount is None:
            raise StockRefused(
                translation.gettext(
                    "Indiquez le montant reçu en chiffres, par exemple 20 ou 7,50."
                ),
                code="tendered_invalid",
            )
        checkout = sale_checkout(
            actor=request.user,
            service=request.membership.organisation,
            basket_id=basket.pk,
            payment=request.POST.get("payment", ""),
            tendered=tendered_amount,
        )
    except StockRefused as refusal:
        context = _basket_context(request, basket, error=refusal.message)
        context["offer"] = shop_offer(basket.service, timezone.localdate())
        return render(request, "shop/basket.html", context, status=422)
    return redirect("shop:receipt-of-sale", pk=checkout.sale.pk)


@require_POST
@role_required(*COUNTER_ROLES)
def basket_abandon_view(request: MemberRequest, pk: int) -> HttpResponse:
    basket = _basket_or_404(request, pk)
    try:
        basket_abandon(
            actor=request.user, service=request.membership.organisation, basket_id=basket.pk
        )
    except StockRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.info(request, translation.gettext("Panier abandonné : rien n'a été vendu."))
    return redirect("counter:home")


@role_required(*COUNTER_ROLES)
def sale_receipt(request: MemberRequest, pk: int) -> HttpResponse:
    """The receipt, on screen or printed (80 mm thermal roll or A4), in the household's
    language when it has one."""
    sale = sale_for_counter(request.membership.organisation, pk)
    if sale is None:
        raise Http404
    paper = "a4" if request.GET.get("paper") == "a4" else "80mm"
    corrections = list(sale.corrections.order_by("at", "id"))
    language = sale.access_pass.household.language or translation.get_language()
    context = {
        "sale": sale,
        "lines": receipt_lines(sale),
        "corrections": [(c, receipt_lines(c)) for c in corrections],
        "paper": paper,
        "can_correct": timezone.localdate(sale.at) == timezone.localdate(),
        "receipt_language": language,
    }
    return render(request, "shop/receipt.html", context)


@require_POST
@role_required(*COUNTER_ROLES)
def sale_correct_view(request: MemberRequest, pk: int) -> HttpResponse:
    """Take back some items (quantities per product) or the whole sale, with a reason."""
    sale = sale_for_counter(request.membership.organisation, pk)
    if sale is None:
        raise Http404
    returns: dict[int, Decimal] | None = None
    if request.POST.get("whole") != "1":
        returns = {}
        for key in request.POST:
            value = request.POST.get(key, "")
            if key.startswith("return-") and key[7:].isdigit() and value.strip():
                quantity = decimal_typed(value)
                if quantity is None or quantity < 0:
                    messages.error(
                        request, translation.gettext("Indiquez des quantités en chiffres.")
                    )
                    return redirect("shop:receipt-of-sale", pk=sale.pk)
                if quantity:
                    returns[int(key[7:])] = quantity
        if not returns:
            messages.error(
                request,
                translation.gettext("Indiquez ce qui est rendu, ou annulez toute la vente."),
            )
            return redirect("shop:receipt-of-sale", pk=sale.pk)
    try:
        sale_correct(
            actor=request.user,
            service=request.membership.organisation,
            sale_id=sale.pk,
            reason=request.POST.get("reason", ""),
            returns=returns,
        )
    except StockRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request,
            translation.gettext("Correction enregistrée : le stock et le budget sont revenus."),
        )
    return redirect(reverse("shop:receipt-of-sale", kwargs={"pk": sale.pk}))


def counter_offline_basket(request: HttpRequest, service: Organisation) -> SafeString | None:
    """On a shop's counter page: the basket the tablet fills offline (offline_basket.js)."""
    if service.service_kind not in SHOP_KINDS:
        return None
    words = {
        "open": _("Panier (hors ligne)"),
        "basket": _("Panier"),
        "offline_note": _(
            "Hors ligne : prix et stock du dernier relevé, moins ce que cette tablette a "
            "vendu depuis."
        ),
        "person_one": _("personne"),
        "person_other": _("personnes"),
        "barcode": _("Code-barres scanné ou tapé"),
        "add": _("Ajouter"),
        "in_stock": _("%(count)s en stock"),
        "empty": _("Scannez ou touchez un produit pour commencer."),
        "one_less": _("Un de moins"),
        "one_more": _("Un de plus"),
        "market_total": _("Valeur au prix du marché"),
        "aid": _("Aide donnée"),
        "due": _("À payer"),
        "cash": _("En espèces (arrondi à 5 cents)"),
        "budget_left": _("Budget restant après ce panier"),
        "pay_cash": _("Espèces"),
        "pay_card": _("Carte"),
        "pay_other": _("Autre"),
        "pay_none": _("Valider (rien à payer)"),
        "abandon": _("Abandonner ce panier"),
        "unknown_barcode": _("Code-barres inconnu ici : touchez le produit dans la liste."),
        "out_of_stock": _("%(product)s : plus assez en stock (%(available)s disponible)."),
        "over_budget": _(
            "Budget dépassé : il reste %(left)s pour la période et ce panier ferait %(amount)s. Retirez un article."
        ),
        "weighed": _("Pesé (%(unit)s)"),
        "quantity_invalid": _("Indiquez une quantité en chiffres."),
        "sold": _("VENDU"),
        "sold_message": _(
            "Vente gardée sur cette tablette : envoyée au serveur dès le retour de la connexion."
        ),
        "paid": _("Payé : %(amount)s"),
        "waiting_one": _("%(count)s vente à envoyer"),
        "waiting_other": _("%(count)s ventes à envoyer"),
    }
    html = render_to_string("shop/includes/offline_basket.html", {"words": words}, request=request)
    return mark_safe(html)  # noqa: S308  (a template's output, escaped there)


@require_POST
@role_required(Role.MANAGER)
def offline_sale_retry_view(request: MemberRequest, pk: int) -> HttpResponse:
    """The manager records again a sale made offline that could not be recorded."""
    return offline_retry_answer(request, offline_sale_retry, pk)
