"""Opening hours and closures (managers), the public page of a service, appointments."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from comptoir.errors import DomainError, form_add_refusal
from network.access import MemberRequest, Perm, has_perm, role_required
from network.models import Organisation, Role
from passes.models import Household
from passes.selectors import household_get_for_user
from passes.views import household_page
from schedules import selectors, services
from schedules.forms import AppointmentBookForm, ClosureForm, OpeningRuleForm
from schedules.models import OpeningRule
from schedules.selectors import (
    cancelled_sessions,
    next_opening_sessions,
    service_get_public,
    session_open_at,
)


@require_GET
def service_public(request: HttpRequest, slug: str) -> HttpResponse:
    """A collective service's public page: when it is open, in plain words. No login."""
    service = service_get_public(slug=slug)
    if service is None:
        raise Http404
    now = timezone.now()
    return render(
        request,
        "schedules/service_public.html",
        {
            "service": service,
            "open_session": session_open_at(service=service, moment=now),
            "next_sessions": next_opening_sessions(service=service, now=now, count=8),
            "cancelled": cancelled_sessions(service=service, now=now, days=60),
        },
    )


# --- opening hours and closures (managers) ------------------------------------------


def _back_to_hours(request: MemberRequest) -> HttpResponse:
    url = reverse("schedules:hours")
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _hours_context(
    request: MemberRequest, closure_form: ClosureForm | None = None
) -> dict[str, Any]:
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
def hours(request: MemberRequest) -> HttpResponse:
    """The service's sessions in plain words, its closures, and the next sessions."""
    return render(request, "schedules/hours.html", _hours_context(request))


def _rule_form(request: MemberRequest, rule: OpeningRule | None) -> HttpResponse:
    service = request.membership.organisation
    initial = OpeningRuleForm.initial_from(rule) if rule is not None else None
    context: dict[str, Any] = {"service": service, "rule": rule}
    if rule is not None and initial is None:
        # Written in the admin with more than the form knows: shown, not overwritten.
        status = 409 if request.method == "POST" else 200
        return render(request, "schedules/hours_rule_form.html", context, status=status)
    form = OpeningRuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.opening_rule_save(
                user=request.user, service=service, data=form.rule_data(), rule=rule
            )
        except DomainError as refusal:
            form_add_refusal(form, refusal)
        else:
            messages.success(request, _("Permanence enregistrée."))
            return redirect("schedules:hours")
    status = 422 if request.method == "POST" else 200
    context["form"] = form
    return render(request, "schedules/hours_rule_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required(Role.MANAGER)
def hours_rule_new(request: MemberRequest) -> HttpResponse:
    return _rule_form(request, None)


@require_http_methods(["GET", "POST"])
@role_required(Role.MANAGER)
def hours_rule_edit(request: MemberRequest, rule_id: int) -> HttpResponse:
    service = request.membership.organisation
    return _rule_form(request, selectors.opening_rule_get(service=service, rule_id=rule_id))


@require_POST
@role_required(Role.MANAGER)
def hours_rule_delete(request: MemberRequest, rule_id: int) -> HttpResponse:
    service = request.membership.organisation
    rule = selectors.opening_rule_get(service=service, rule_id=rule_id)
    services.opening_rule_delete(user=request.user, rule=rule)
    messages.success(request, _("Permanence supprimée."))
    return _back_to_hours(request)


@require_http_methods(["GET", "POST"])
@role_required(Role.MANAGER)
def hours_closure_new(request: MemberRequest) -> HttpResponse:
    if request.method == "GET":
        return redirect("schedules:hours")
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
            form_add_refusal(form, refusal)
        else:
            messages.success(request, _("Fermeture enregistrée."))
            return redirect("schedules:hours")
    context = _hours_context(request, closure_form=form)
    return render(request, "schedules/hours.html", context, status=422)


@require_POST
@role_required(Role.MANAGER)
def hours_closure_delete(request: MemberRequest, closure_id: int) -> HttpResponse:
    service = request.membership.organisation
    closure = selectors.closure_get(service=service, closure_id=closure_id)
    services.closure_delete(user=request.user, closure=closure)
    messages.success(request, _("Fermeture supprimée."))
    return _back_to_hours(request)


# --- appointments, from a household's page (social workers) ------------------------

APPOINTMENT_DAYS = 21


def _appointments_section(
    request: HttpRequest, household: Household, **extra: object
) -> SafeString:
    """The household page's appointment section: free slots of the services its active
    passes open (when they take appointments), and its coming appointments."""
    context = {
        "household": household,
        "booking_choices": selectors.appointment_choices_for_household(
            household=household, today=timezone.localdate(), days=APPOINTMENT_DAYS
        ),
        "appointments": selectors.appointments_upcoming_for_household(
            household=household, now=timezone.now()
        ),
        **extra,
    }
    return render_to_string("schedules/appointments_section.html", context, request=request)


def appointments_section(request: HttpRequest, household: Household) -> SafeString:
    """Registered with `passes.sections` (see SchedulesConfig.ready)."""
    return _appointments_section(request, household)


def _appointments_answer(
    request: MemberRequest, household: Household, *, status: int = 200, **extra: object
) -> HttpResponse:
    """The section again for htmx; without htmx, back to the page (or the page with the
    refusal next to its select, status 422)."""
    section = _appointments_section(request, household, **extra)
    if request.htmx:
        return HttpResponse(section, status=status)
    if status < 400:
        url = reverse("passes:household-detail", kwargs={"household_id": household.pk})
        return redirect(url + "#appointments")
    return household_page(request, household, status=status, sections={"appointments": section})


def _require_pass_manage(request: MemberRequest, household: Household) -> None:
    # As on the household's page: a file the user may not change does not exist for them.
    if not has_perm(request.user, Perm.PASS_MANAGE, household.partner_id):
        raise Http404


@require_POST
@role_required(Role.SOCIAL_WORKER, Role.PARTNER_HEAD)
def appointment_book(request: MemberRequest, household_id: int) -> HttpResponse:
    household = household_get_for_user(user=request.user, household_id=household_id)
    _require_pass_manage(request, household)
    form = AppointmentBookForm(request.POST)
    if not form.is_valid():
        errors = form.errors.get("starts_at") or [_("Choisissez un créneau.")]
        return _appointments_answer(
            request,
            household,
            status=422,
            booking_error=errors[0],
            booking_service_id=form.cleaned_data.get("service"),
        )
    service = get_object_or_404(
        Organisation, kind=Organisation.Kind.SERVICE, pk=form.cleaned_data["service"]
    )
    try:
        appointment = services.appointment_book(
            user=request.user,
            household=household,
            service=service,
            starts_at=form.cleaned_data["starts_at"],
        )
    except DomainError as refusal:
        return _appointments_answer(
            request,
            household,
            status=422,
            booking_error=refusal.message,
            booking_service_id=service.pk,
        )
    if not request.htmx:
        messages.success(request, _("Rendez-vous pris."))
    return _appointments_answer(request, household, booked=appointment)


@require_POST
@role_required(Role.SOCIAL_WORKER, Role.PARTNER_HEAD)
def appointment_cancel(request: MemberRequest, appointment_id: int) -> HttpResponse:
    appointment = selectors.appointment_get_for_user(
        user=request.user, appointment_id=appointment_id
    )
    household = appointment.household
    _require_pass_manage(request, household)
    try:
        services.appointment_cancel(user=request.user, appointment=appointment)
    except DomainError as refusal:
        return _appointments_answer(request, household, status=422, cancel_error=refusal.message)
    if not request.htmx:
        messages.success(request, _("Rendez-vous annulé."))
    return _appointments_answer(request, household, cancelled=appointment)
