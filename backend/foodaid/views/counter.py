"""The parcel on the counter's tablet: after an accepted scan, the parcel for the
household's size as the stock allows it, given in one tap, correctable the same day;
and the day's parcels."""

from decimal import Decimal

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from comptoir.money import decimal_typed
from counter.models import Visit
from counter.selectors import household_size_at
from counter.verdict import Verdict
from foodaid.models import Distribution
from foodaid.offline import offline_parcel_retry
from foodaid.selectors import distribution_for_visit, distributions_of_day, parcel_visit
from foodaid.services import distribution_correct, distribution_record, parcel_preview
from network.access import MemberRequest, role_required
from network.models import Organisation, Role
from stock.services import StockRefused
from stock.views import offline_retry_answer

COUNTER_ROLES = (Role.VOLUNTEER, Role.MANAGER)


def verdict_parcel_action(request: HttpRequest, verdict: Verdict) -> SafeString | None:
    """Under an accepted verdict at a food-aid point: the button to the household's parcel."""
    service = verdict.visit.service
    if not verdict.accepted or service.service_kind != Organisation.ServiceKind.FOOD_AID:
        return None
    html = render_to_string(
        "foodaid/includes/verdict_parcel.html", {"visit": verdict.visit}, request=request
    )
    return mark_safe(html)  # noqa: S308  (a template's output, escaped there)


def counter_parcels_link(request: HttpRequest, service: Organisation) -> SafeString | None:
    """Beside the verdict at a food-aid point: the way to today's parcels (no query)."""
    if service.service_kind != Organisation.ServiceKind.FOOD_AID:
        return None
    html = render_to_string("foodaid/includes/counter_parcels_link.html", request=request)
    return mark_safe(html)  # noqa: S308  (a template's output, escaped there)


@role_required(*COUNTER_ROLES)
def parcels_today(request: MemberRequest) -> HttpResponse:
    """Today's parcels at this counter, with their corrections, and what they were worth."""
    service = request.membership.organisation
    parcels = distributions_of_day(service, timezone.localdate())
    rows = [
        (
            parcel,
            parcel.market_total
            + sum((c.market_total for c in parcel.corrections.all()), Decimal(0)),
        )
        for parcel in parcels
    ]
    context = {
        "service": service,
        "rows": rows,
        "count": len(parcels),
        "persons": sum(parcel.persons for parcel in parcels),
        "market_total": sum((value for _parcel, value in rows), Decimal(0)),
    }
    return render(request, "foodaid/parcels_today.html", context)


def _visit_or_404(request: MemberRequest, pk: int) -> Visit:
    visit = parcel_visit(request.membership.organisation, pk)
    if visit is None:
        raise Http404
    return visit


@role_required(*COUNTER_ROLES)
def parcel_page(request: MemberRequest, pk: int) -> HttpResponse:
    """The parcel this visit's household would receive now, line by line, before giving it."""
    visit = _visit_or_404(request, pk)
    given = distribution_for_visit(visit)
    if given is not None:
        return redirect("foodaid:distribution", pk=given.pk)
    service = request.membership.organisation
    assert visit.access_pass is not None
    context: dict[str, object] = {
        "service": service,
        "visit": visit,
        "first_name": visit.access_pass.household.first_name,
        "household_size": household_size_at(visit),
    }
    try:
        context["parcel"] = parcel_preview(service=service, visit=visit)
    except StockRefused as refusal:
        context["refusal"] = refusal.message
    return render(request, "foodaid/parcel.html", context)


@require_POST
@role_required(*COUNTER_ROLES)
def parcel_give(request: MemberRequest, pk: int) -> HttpResponse:
    try:
        given = distribution_record(
            actor=request.user, service=request.membership.organisation, visit_id=pk
        )
    except StockRefused as refusal:
        messages.error(request, refusal.message)
        return redirect("foodaid:parcel", pk=pk)
    if not given.replayed:
        messages.success(request, _("Colis donné."))
    return redirect("foodaid:distribution", pk=given.distribution.pk)


def _distribution_or_404(request: MemberRequest, pk: int) -> Distribution:
    distribution = (
        Distribution.objects.filter(
            pk=pk, service=request.membership.organisation, corrects__isnull=True
        )
        .select_related("template", "access_pass__household")
        .prefetch_related("lines__product", "lines__substitutes", "corrections__lines__product")
        .first()
    )
    if distribution is None:
        raise Http404
    return distribution


@role_required(*COUNTER_ROLES)
def distribution_page(request: MemberRequest, pk: int) -> HttpResponse:
    """What was given, the corrections made, and the form to take items back today."""
    distribution = _distribution_or_404(request, pk)
    lines = list(distribution.lines.all())
    given: dict[int, Decimal] = {}
    for line in lines:
        given[line.product_id] = given.get(line.product_id, Decimal(0)) + line.quantity
    for correction in distribution.corrections.all():
        for line in correction.lines.all():
            given[line.product_id] = given.get(line.product_id, Decimal(0)) + line.quantity
    products = {line.product_id: line.product for line in lines}
    context = {
        "service": distribution.service,
        "distribution": distribution,
        "lines": lines,
        "left": [(products[p], q) for p, q in given.items() if q > 0],
        "eu_lines": sum(1 for line in lines if line.eu_food_aid),
        "corrections": list(distribution.corrections.all()),
        "can_correct": timezone.localdate(distribution.at) == timezone.localdate(),
    }
    return render(request, "foodaid/distribution.html", context)


@require_POST
@role_required(*COUNTER_ROLES)
def distribution_correct_view(request: MemberRequest, pk: int) -> HttpResponse:
    distribution = _distribution_or_404(request, pk)
    returns = None
    if not request.POST.get("whole"):
        returns = {}
        for key in request.POST:
            value = request.POST.get(key, "")
            if (
                key.startswith("return-")
                and key[7:].isascii()
                and key[7:].isdecimal()
                and value.strip()
            ):
                quantity = decimal_typed(value, "")
                if quantity is None:
                    messages.error(request, _("Indiquez une quantité en chiffres."))
                    return redirect("foodaid:distribution", pk=pk)
                returns[int(key[7:])] = quantity
        if not returns:
            messages.error(request, _("Indiquez ce qui est repris, ou annulez tout le colis."))
            return redirect("foodaid:distribution", pk=pk)
    try:
        distribution_correct(
            actor=request.user,
            service=distribution.service,
            distribution_id=distribution.pk,
            reason=request.POST.get("reason", ""),
            returns=returns,
        )
    except StockRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Correction enregistrée : les produits sont revenus en stock."))
    return redirect("foodaid:distribution", pk=pk)


def counter_offline_parcel(request: HttpRequest, service: Organisation) -> SafeString | None:
    """On a food-aid point's counter page: the parcel given offline (offline_parcel.js)."""
    if service.service_kind != Organisation.ServiceKind.FOOD_AID:
        return None
    words = {
        "parcel_for": _("Colis pour %(band)s :"),
        "give": _("Donner le colis (hors ligne)"),
        "given": _("COLIS DONNÉ"),
        "given_message": _(
            "Colis gardé sur cette tablette : envoyé au serveur dès le retour de la connexion."
        ),
        "no_template": _(
            "Aucun modèle de colis pour un ménage de %(persons)s personne(s) : "
            "le gestionnaire doit en créer un."
        ),
        # One word in French, two elsewhere: told apart by their context.
        "waiting_one": pgettext("un colis", "%(count)s colis à envoyer"),
        "waiting_other": pgettext("plusieurs colis", "%(count)s colis à envoyer"),
    }
    html = render_to_string(
        "foodaid/includes/offline_parcel.html", {"words": words}, request=request
    )
    return mark_safe(html)  # noqa: S308  (a template's output, escaped there)


@require_POST
@role_required(Role.MANAGER)
def offline_parcel_retry_view(request: MemberRequest, pk: int) -> HttpResponse:
    """The manager records again a parcel given offline that could not be recorded."""
    return offline_retry_answer(request, offline_parcel_retry, pk)
