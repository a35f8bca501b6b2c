"""The manager's parcel templates (desktop and tablet): one per band of household sizes,
with what today's stock allows of each; and the panel on the manager's home."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from comptoir.errors import DomainError, form_add_refusal
from comptoir.money import plain
from foodaid.forms import (
    ParcelTemplateForm,
    lines_formset,
    lines_typed,
    product_choices,
    template_lines,
)
from foodaid.models import ParcelTemplate
from foodaid.selectors import (
    parcel_capacities,
    parcel_products,
    parcel_template_get,
    parcel_templates,
    parcels_day,
)
from foodaid.services import parcel_template_delete, parcel_template_set, require_food_aid_point
from network.access import MemberRequest, role_required
from network.models import Organisation, Role
from stock.services import StockRefused


def _not_food_aid(service: Organisation) -> str | None:
    """The domain's sentence when `service` gives no parcels (a shop, a restaurant…)."""
    try:
        require_food_aid_point(service)
    except StockRefused as refusal:
        return refusal.message
    return None


def manager_parcels_section(request: HttpRequest, service: Organisation) -> SafeString:
    """The manager's home at a food-aid point: the templates, and today's parcels."""
    if service.service_kind != Organisation.ServiceKind.FOOD_AID:
        return SafeString("")
    context = {
        "templates": len(parcel_templates(service)),
        "day": parcels_day(service, timezone.localdate()),
    }
    html = render_to_string("foodaid/includes/manager_parcels.html", context, request=request)
    return mark_safe(html)  # noqa: S308  (a template's output, escaped there)


def _refused_here(request: MemberRequest, message: str, status: int) -> HttpResponse:
    context = {"service": request.membership.organisation, "refusal": message}
    return render(request, "foodaid/parcel_templates.html", context, status=status)


@role_required(Role.MANAGER)
def parcel_templates_page(request: MemberRequest) -> HttpResponse:
    """The templates, smallest households first, each with the parcels today's stock makes."""
    service = request.membership.organisation
    not_here = _not_food_aid(service)
    if not_here:
        return _refused_here(request, not_here, 200)
    context = {
        "service": service,
        "capacities": parcel_capacities(service, timezone.localdate()),
    }
    return render(request, "foodaid/parcel_templates.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.MANAGER)
def parcel_template_edit(request: MemberRequest, pk: int | None = None) -> HttpResponse:
    """Create a template, or change one's band and lines (the same form). "Ajouter des lignes"
    shows the lines again with blank ones added, saving nothing (only the lines for htmx)."""
    service = request.membership.organisation
    not_here = _not_food_aid(service)
    if not_here:
        return _refused_here(request, not_here, 409)
    template = None
    if pk is not None:
        template = parcel_template_get(service, pk)
        if template is None:
            raise Http404
    lines = list(template.lines.all()) if template else []
    products = product_choices(
        parcel_products(service, timezone.localdate()), keep=[line.product for line in lines]
    )
    initial_lines = [
        {"product": line.product_id, "quantity": plain(line.quantity)} for line in lines
    ]
    context: dict[str, Any] = {
        "service": service,
        "template": template,
        "others": [t for t in parcel_templates(service) if t != template],
    }
    if request.method == "POST" and request.POST.get("more"):
        context["form"] = ParcelTemplateForm(initial=request.POST.dict())
        context["formset"] = lines_formset(products=products, initial=lines_typed(request.POST))
        if request.htmx:
            return render(request, "foodaid/parcel_template_form.html#lines", context)
        return render(request, "foodaid/parcel_template_form.html", context)
    initial = ParcelTemplateForm.initial_from(template) if template else None
    form = ParcelTemplateForm(request.POST or None, initial=initial)
    formset = lines_formset(request.POST or None, products=products, initial=initial_lines)
    context.update(form=form, formset=formset)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            saved = parcel_template_set(
                actor=request.user,
                service=service,
                min_persons=form.cleaned_data["min_persons"],
                max_persons=form.cleaned_data["max_persons"],
                lines=template_lines(formset),
                template_id=template.pk if template else None,
            )
        except DomainError as refusal:
            if refusal.field == "lines":
                context["lines_error"] = refusal.message
            else:
                form_add_refusal(form, refusal)
        else:
            messages.success(
                request,
                _("Colis « %(band)s » enregistré.") % {"band": saved.band_label()},
            )
            return redirect("foodaid:template-list")
    status = 422 if request.method == "POST" else 200
    return render(request, "foodaid/parcel_template_form.html", context, status=status)


def _template_or_404(request: MemberRequest, pk: int) -> ParcelTemplate:
    template = parcel_template_get(request.membership.organisation, pk)
    if template is None:
        raise Http404
    return template


@require_http_methods(["GET", "POST"])
@role_required(Role.MANAGER)
def parcel_template_delete_view(request: MemberRequest, pk: int) -> HttpResponse:
    """Ask first (what the template gives; parcels already given stay as they are), then
    delete on the confirmation's POST."""
    service = request.membership.organisation
    template = _template_or_404(request, pk)
    if request.method == "GET":
        context = {"service": service, "template": template}
        return render(request, "foodaid/parcel_template_delete.html", context)
    try:
        parcel_template_delete(actor=request.user, service=service, template_id=template.pk)
    except StockRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request, _("Colis « %(band)s » supprimé.") % {"band": template.band_label()}
        )
    return redirect("foodaid:template-list")
