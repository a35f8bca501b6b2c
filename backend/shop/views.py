import uuid

from csp.constants import WASM_UNSAFE_EVAL
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from network.access import role_required
from network.models import Role
from network.selectors import conventions_for_organisation, staff_for_organisation
from network.services import DomainError
from passes.scan import ScanRefused, UndoRefused, visit_record, visit_undo
from shop import selectors, services
from shop.forms import ClosureForm, OpeningRuleForm
from shop.models import OpeningRule
from shop.selectors import (
    appointments_for_day,
    cancelled_sessions,
    counter_day,
    counter_session_now,
    next_opening_sessions,
    service_get_public,
    session_open_at,
)


def _service_context(request: HttpRequest) -> dict:
    service = request.membership.organisation
    now = timezone.now()
    return {
        "service": service,
        "now": now,
        "open_session": session_open_at(service=service, moment=now),
        "next_sessions": next_opening_sessions(service=service, now=now, count=4),
    }


def _counter_context(request: HttpRequest, **extra: object) -> dict:
    """What the counter screen shows besides a verdict: open or not, today's figures."""
    service = request.membership.organisation
    now = timezone.now()
    session, next_session = counter_session_now(service=service, moment=now)
    return {
        "service": service,
        "open_session": session,
        "next_session": next_session,
        "day": counter_day(service=service, user=request.user, day=timezone.localdate(now)),
        "appointments": appointments_for_day(service=service, day=timezone.localdate(now)),
        "idempotency_key": uuid.uuid4().hex,
        "undo_minutes": settings.VISIT_UNDO_MINUTES,
        **extra,
    }


def _counter_template(request: HttpRequest) -> str:
    """The verdict fragment for htmx; the whole page when the browser posted without it."""
    return "shop/counter_home.html#live" if request.htmx else "shop/counter_home.html"


# The camera's QR decoder is WebAssembly: the page may compile it, nothing more.
@csp_update({"script-src": [WASM_UNSAFE_EVAL]})
@role_required(Role.VOLUNTEER, Role.MANAGER)
def counter_home(request: HttpRequest) -> HttpResponse:
    """The counter on a tablet: scan by camera, hand scanner or typed code."""
    context = _counter_context(request)
    context["next_sessions"] = next_opening_sessions(
        service=context["service"], now=timezone.now(), count=4
    )
    return render(request, "shop/counter_home.html", context)


@require_POST
@role_required(Role.VOLUNTEER, Role.MANAGER)
def counter_scan(request: HttpRequest) -> HttpResponse:
    """One scan: the verdict fragment (the same partial the page shows)."""
    try:
        verdict = visit_record(
            text=request.POST.get("code", ""),
            service=request.membership.organisation,
            user=request.user,
            idempotency_key=request.POST.get("idempotency_key", ""),
        )
    except ScanRefused as refusal:
        # 422 so that htmx shows it (see base.html); only a broken client gets here.
        context = _counter_context(request, error=refusal.message)
        return render(request, _counter_template(request), context, status=422)
    context = _counter_context(request, verdict=verdict)
    return render(request, _counter_template(request), context)


@require_POST
@role_required(Role.VOLUNTEER, Role.MANAGER)
def counter_visit_undo(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo an accepted scan made by mistake (within minutes, with a reason)."""
    try:
        visit = visit_undo(
            visit_id=pk,
            service=request.membership.organisation,
            user=request.user,
            reason=request.POST.get("reason", ""),
        )
    except UndoRefused as refusal:
        context = _counter_context(request, error=refusal.message)
        return render(request, _counter_template(request), context, status=422)
    context = _counter_context(request, undone=visit)
    return render(request, _counter_template(request), context)


@role_required(Role.MANAGER)
def manager_home(request: HttpRequest) -> HttpResponse:
    context = _service_context(request)
    context["conventions"] = conventions_for_organisation(organisation=context["service"])
    context["staff"] = staff_for_organisation(organisation=context["service"])
    context["today"] = timezone.localdate()
    return render(request, "shop/manager_home.html", context)


@require_GET
def service_public(request: HttpRequest, slug: str) -> HttpResponse:
    """A collective service's public page: when it is open, in plain words. No login."""
    service = service_get_public(slug=slug)
    if service is None:
        raise Http404
    now = timezone.now()
    return render(
        request,
        "shop/service_public.html",
        {
            "service": service,
            "open_session": session_open_at(service=service, moment=now),
            "next_sessions": next_opening_sessions(service=service, now=now, count=8),
            "cancelled": cancelled_sessions(service=service, now=now, days=60),
        },
    )


# --- opening hours and closures (managers) ------------------------------------------


def _refusal_to_form(form: Form, refusal: DomainError) -> None:
    field = refusal.field if refusal.field in form.fields else None
    form.add_error(field, refusal.message)


def _back_to_hours(request: HttpRequest) -> HttpResponse:
    url = reverse("shop:hours")
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _hours_context(request: HttpRequest, closure_form: ClosureForm | None = None) -> dict:
    service = request.membership.organisation
    today = timezone.localdate()
    return {
        "service": service,
        "today": today,
        "rules": selectors.opening_rules_for_service(service=service),
        "closures": selectors.closures_for_service(service=service, today=today),
        "next_sessions": next_opening_sessions(service=service, now=timezone.now(), count=8),
        "closure_form": closure_form or ClosureForm(),
    }


@require_GET
@role_required(Role.MANAGER)
def hours(request: HttpRequest) -> HttpResponse:
    """The service's sessions in plain words, its closures, and the next sessions."""
    return render(request, "shop/hours.html", _hours_context(request))


def _rule_form(request: HttpRequest, rule: OpeningRule | None) -> HttpResponse:
    service = request.membership.organisation
    initial = OpeningRuleForm.initial_from(rule) if rule is not None else None
    context = {"service": service, "rule": rule}
    if rule is not None and initial is None:
        # Written in the admin with more than the form knows: shown, not overwritten.
        status = 409 if request.method == "POST" else 200
        return render(request, "shop/hours_rule_form.html", context, status=status)
    form = OpeningRuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.opening_rule_save(
                user=request.user, service=service, data=form.rule_data(), rule=rule
            )
        except DomainError as refusal:
            _refusal_to_form(form, refusal)
        else:
            messages.success(request, _("Permanence enregistrée."))
            return redirect("shop:hours")
    status = 422 if request.method == "POST" else 200
    context["form"] = form
    return render(request, "shop/hours_rule_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required(Role.MANAGER)
def hours_rule_new(request: HttpRequest) -> HttpResponse:
    return _rule_form(request, None)


@require_http_methods(["GET", "POST"])
@role_required(Role.MANAGER)
def hours_rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    service = request.membership.organisation
    return _rule_form(request, selectors.opening_rule_get(service=service, rule_id=rule_id))


@require_POST
@role_required(Role.MANAGER)
def hours_rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    service = request.membership.organisation
    rule = selectors.opening_rule_get(service=service, rule_id=rule_id)
    services.opening_rule_delete(user=request.user, rule=rule)
    messages.success(request, _("Permanence supprimée."))
    return _back_to_hours(request)


@require_http_methods(["GET", "POST"])
@role_required(Role.MANAGER)
def hours_closure_new(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return redirect("shop:hours")
    form = ClosureForm(request.POST)
    if form.is_valid():
        try:
            services.closure_add(
                user=request.user,
                service=request.membership.organisation,
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as refusal:
            _refusal_to_form(form, refusal)
        else:
            messages.success(request, _("Fermeture enregistrée."))
            return redirect("shop:hours")
    context = _hours_context(request, closure_form=form)
    return render(request, "shop/hours.html", context, status=422)


@require_POST
@role_required(Role.MANAGER)
def hours_closure_delete(request: HttpRequest, closure_id: int) -> HttpResponse:
    service = request.membership.organisation
    closure = selectors.closure_get(service=service, closure_id=closure_id)
    services.closure_delete(user=request.user, closure=closure)
    messages.success(request, _("Fermeture supprimée."))
    return _back_to_hours(request)
