"""Pages of the partner services: households, assessments, passes and cards.

Each view parses (a form), fetches through the scoped selectors (another
partner's record is a 404), calls one service, and renders the page or, for an
htmx request, only the fragment that changed. A refusal re-renders the form
with the message next to its field, with status 422.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from comptoir.errors import form_add_refusal
from network.access import (
    MemberRequest,
    Perm,
    has_perm,
    organisations_with_perm,
    role_required,
)
from network.models import Role
from network.selectors import (
    conventions_for_organisation,
    network_policy_current,
    staff_for_organisation,
)
from passes import selectors, services
from passes.cards import card_html, card_png
from passes.forms import (
    AssessmentForm,
    HouseholdForm,
    HouseholdSearchForm,
    PassIssueForm,
    PassReasonForm,
    PassRenewForm,
)
from passes.models import AccessPass, Household
from passes.qr import qr_svg
from passes.sections import household_sections_render
from passes.services import PassRefused

PARTNER_ROLES = (Role.SOCIAL_WORKER, Role.PARTNER_HEAD)
HOUSEHOLDS_PER_PAGE = 25


def _partner_context(request: MemberRequest) -> dict[str, Any]:
    partner = request.membership.organisation
    today = timezone.localdate()
    return {
        "partner": partner,
        "today": today,
        "conventions": conventions_for_organisation(organisation=partner),
        "household_count": Household.objects.filter(partner=partner).count(),
        "expiring_count": selectors.household_list_for_user(
            user=request.user, today=today, status_filter="expiring", partner_id=partner.pk
        ).count(),
    }


@role_required(Role.SOCIAL_WORKER)
def home_social_worker(request: MemberRequest) -> HttpResponse:
    context = _partner_context(request)
    days = network_policy_current().renewal_reminder_days
    context["renewal_days"] = days
    context["renewals"] = selectors.renewals_due_for_user(
        user=request.user, partner=context["partner"], today=context["today"], days=days
    )
    return render(request, "passes/home_social_worker.html", context)


@role_required(Role.PARTNER_HEAD)
def home_partner_head(request: MemberRequest) -> HttpResponse:
    context = _partner_context(request)
    context["staff"] = staff_for_organisation(organisation=context["partner"])
    return render(request, "passes/home_partner_head.html", context)


def _require_manage(request: MemberRequest, perm: Perm, organisation_id: int) -> None:
    # Viewing and changing are the same roles today; the check stays explicit for tomorrow.
    if not has_perm(request.user, perm, organisation_id):
        raise Http404


# --- households ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(*PARTNER_ROLES)
def household_list(request: MemberRequest) -> HttpResponse:
    """The partner's households. The search box posts its text: a name typed there must
    never end up in a URL, a browser history or an access log. Filters may be in the URL."""
    partners = list(organisations_with_perm(request.user, Perm.HOUSEHOLD_VIEW).order_by("name"))
    params = request.POST if request.method == "POST" else request.GET.copy()
    if request.method == "GET":
        params.pop("q", None)
    form = HouseholdSearchForm(params, partners=partners)
    data = form.cleaned_data if form.is_valid() else {}
    today = timezone.localdate()
    households = selectors.household_list_for_user(
        user=request.user,
        today=today,
        query=data.get("q") or "",
        status_filter=data.get("status") or "",
        partner_id=data.get("partner"),
    )
    paginator = Paginator(households.values_list("pk", flat=True), HOUSEHOLDS_PER_PAGE)
    page = paginator.get_page(data.get("page"))
    rows = selectors.household_rows(household_ids=list(page.object_list))
    context = {"form": form, "page": page, "rows": rows, "today": today}
    template = "passes/household_list.html"
    if request.htmx and request.htmx.target == "household-results":
        template += "#results"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@role_required(*PARTNER_ROLES)
def household_new(request: MemberRequest) -> HttpResponse:
    partner = request.membership.organisation
    form = HouseholdForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            household = services.household_register(
                actor=request.user,
                partner=partner,
                fields=form.household_fields(),
                members=form.members(),
            )
        except PassRefused as refusal:
            form_add_refusal(form, refusal)
        else:
            messages.success(
                request, _("Ménage enregistré. Enregistrez maintenant l'enquête sociale.")
            )
            return redirect("passes:household-detail", household_id=household.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "passes/household_form.html", {"form": form, "partner": partner}, status=status
    )


@require_GET
@role_required(*PARTNER_ROLES)
def household_detail(request: MemberRequest, household_id: int) -> HttpResponse:
    household = selectors.household_get_for_user(user=request.user, household_id=household_id)
    services.household_file_opened(actor=request.user, household=household)
    return household_page(request, household)


def household_page(
    request: HttpRequest,
    household: Household,
    *,
    status: int = 200,
    sections: dict[str, SafeString] | None = None,
) -> HttpResponse:
    """The household's page; an upper app re-renders it with its own section `sections`
    (a refused booking without htmx, for example)."""
    today = timezone.localdate()
    context = {
        "household": household,
        "today": today,
        "has_pass_elsewhere": services.household_has_pass_elsewhere(
            household=household, today=today
        ),
        "household_sections": household_sections_render(request, household, sections),
        **selectors.household_detail(household=household),
    }
    return render(request, "passes/household_detail.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required(*PARTNER_ROLES)
def household_edit(request: MemberRequest, household_id: int) -> HttpResponse:
    household = selectors.household_get_for_user(user=request.user, household_id=household_id)
    _require_manage(request, Perm.HOUSEHOLD_MANAGE, household.partner_id)
    form = HouseholdForm(request.POST or None, instance=household)
    if request.method == "POST" and form.is_valid():
        try:
            services.household_update(
                actor=request.user,
                household=household,
                fields=form.household_fields(),
                members=form.members(),
            )
        except PassRefused as refusal:
            form_add_refusal(form, refusal)
        else:
            messages.success(request, _("Dossier mis à jour."))
            return redirect("passes:household-detail", household_id=household.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "passes/household_form.html",
        {"form": form, "household": household, "partner": household.partner},
        status=status,
    )


# --- assessments --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(*PARTNER_ROLES)
def assessment_new(request: MemberRequest, household_id: int) -> HttpResponse:
    household = selectors.household_get_for_user(user=request.user, household_id=household_id)
    _require_manage(request, Perm.HOUSEHOLD_MANAGE, household.partner_id)
    form = AssessmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_record(
                actor=request.user,
                household=household,
                assessed_on=form.cleaned_data["assessed_on"],
                outcome=form.cleaned_data["outcome"],
                reasons=form.cleaned_data["reasons"],
                notes=form.cleaned_data["notes"],
            )
        except PassRefused as refusal:
            form_add_refusal(form, refusal)
        else:
            messages.success(request, _("Enquête sociale enregistrée."))
            return redirect("passes:household-detail", household_id=household.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "passes/assessment_form.html",
        {"form": form, "household": household},
        status=status,
    )


@require_GET
@role_required(*PARTNER_ROLES)
def assessment_notes(request: MemberRequest, assessment_id: int) -> HttpResponse:
    """The notes of one assessment, fetched on demand so that each read is audited."""
    assessment = selectors.assessment_get_for_user(user=request.user, assessment_id=assessment_id)
    notes = services.assessment_notes_read(actor=request.user, assessment=assessment)
    return render(
        request, "passes/includes/assessment_notes.html", {"assessment": assessment, "notes": notes}
    )


# --- passes -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(*PARTNER_ROLES)
def pass_new(request: MemberRequest, household_id: int) -> HttpResponse:
    """Issue a pass. An htmx `check` request runs every rule read-only (no write, no
    lock), so the form shows what is wrong as the social worker types."""
    household = selectors.household_get_for_user(user=request.user, household_id=household_id)
    _require_manage(request, Perm.PASS_MANAGE, household.partner_id)
    today = timezone.localdate()
    conventions = selectors.conventions_for_issuing(
        user=request.user, partner=household.partner, today=today
    )
    form = PassIssueForm(request.POST or None, conventions=conventions)
    checking = request.POST.get("check") == "1"
    ready = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        terms = {
            "household": household,
            "convention": data["convention"],
            "valid_from": data["valid_from"],
            "valid_until": data["valid_until"],
            "services": list(data["services"]) or None,
            "today": today,
        }
        try:
            if checking:
                services.pass_issue_check(**terms)
                ready = True
            else:
                access_pass = services.pass_issue(actor=request.user, **terms)
        except PassRefused as refusal:
            form_add_refusal(form, refusal)
        else:
            if not checking:
                messages.success(request, _("Accès-pass délivré. Imprimez la carte."))
                url = reverse("passes:pass-detail", kwargs={"pass_id": access_pass.pk})
                if request.htmx:
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = url
                    return response
                return redirect(url)
    context = {
        "form": form,
        "household": household,
        "conventions": conventions,
        "ready": ready,
        "checking": checking,
        "has_pass_elsewhere": services.household_has_pass_elsewhere(
            household=household, today=today
        ),
    }
    template = "passes/pass_form.html"
    if request.htmx:
        template += "#issue-form"
    status = 422 if request.method == "POST" and form.errors else 200
    return render(request, template, context, status=status)


def _pass_page_context(request: MemberRequest, access_pass: AccessPass) -> dict[str, Any]:
    today = timezone.localdate()
    renew_conventions = selectors.conventions_for_issuing(
        user=request.user, partner=access_pass.partner, today=today
    )
    return {
        "access_pass": access_pass,
        "household": access_pass.household,
        "today": today,
        "state": access_pass.state_on(today),
        "card": selectors.pass_current_card(access_pass=access_pass),
        "events": selectors.pass_events(access_pass=access_pass),
        "renew_form": PassRenewForm(
            conventions=renew_conventions, initial={"convention": access_pass.convention_id}
        ),
        "reason_form": PassReasonForm(),
        "qr": qr_svg(selectors.pass_token(access_pass=access_pass)),
    }


@require_GET
@role_required(*PARTNER_ROLES)
def pass_detail(request: MemberRequest, pass_id: int) -> HttpResponse:
    access_pass = selectors.pass_get_for_user(user=request.user, pass_id=pass_id)
    return render(request, "passes/pass_detail.html", _pass_page_context(request, access_pass))


PASS_ACTIONS = {
    "suspend": (services.pass_suspend, gettext_lazy("Accès-pass suspendu.")),
    "resume": (services.pass_resume, gettext_lazy("Accès-pass réactivé.")),
    "revoke": (services.pass_revoke, gettext_lazy("Accès-pass révoqué.")),
    "replace": (
        services.pass_replace,
        gettext_lazy("Nouvelle carte créée : l'ancienne est refusée dès maintenant."),
    ),
}


@require_POST
@role_required(*PARTNER_ROLES)
def pass_action(request: MemberRequest, pass_id: int, action: str) -> HttpResponse:
    access_pass = selectors.pass_get_for_user(user=request.user, pass_id=pass_id)
    _require_manage(request, Perm.PASS_MANAGE, access_pass.partner_id)
    if action not in PASS_ACTIONS:
        raise Http404
    service, done = PASS_ACTIONS[action]
    form = PassReasonForm(request.POST)
    error = None
    if form.is_valid():
        try:
            service(actor=request.user, access_pass=access_pass, reason=form.cleaned_data["reason"])
        except PassRefused as refusal:
            error = refusal.message
    else:
        error = _("Indiquez le motif (quelques mots) : il reste dans l'historique de l'accès-pass.")
    if error is None:
        messages.success(request, str(done))
        return redirect("passes:pass-detail", pass_id=access_pass.pk)
    context = _pass_page_context(request, access_pass)
    context.update({"reason_form": form, "action_error": error, "failed_action": action})
    return render(request, "passes/pass_detail.html", context, status=422)


@require_POST
@role_required(*PARTNER_ROLES)
def pass_renew(request: MemberRequest, pass_id: int) -> HttpResponse:
    access_pass = selectors.pass_get_for_user(user=request.user, pass_id=pass_id)
    _require_manage(request, Perm.PASS_MANAGE, access_pass.partner_id)
    today = timezone.localdate()
    conventions = selectors.conventions_for_issuing(
        user=request.user, partner=access_pass.partner, today=today
    )
    form = PassRenewForm(request.POST, conventions=conventions)
    if form.is_valid():
        try:
            services.pass_renew(
                actor=request.user,
                access_pass=access_pass,
                reason=form.cleaned_data["reason"],
                convention=form.cleaned_data["convention"],
                valid_until=form.cleaned_data["valid_until"],
                today=today,
            )
        except PassRefused as refusal:
            form_add_refusal(form, refusal)
        else:
            messages.success(request, _("Accès-pass renouvelé. Imprimez la nouvelle carte."))
            return redirect("passes:pass-detail", pass_id=access_pass.pk)
    context = _pass_page_context(request, access_pass)
    context["renew_form"] = form
    context["failed_action"] = "renew"
    return render(request, "passes/pass_detail.html", context, status=422)


# --- cards --------------------------------------------------------------------------


@require_GET
@role_required(*PARTNER_ROLES)
def pass_card(request: MemberRequest, pass_id: int) -> HttpResponse:
    """The card to print at credit-card size, or an A4 sheet of it with `?sheet=1`."""
    access_pass = selectors.pass_get_for_user(user=request.user, pass_id=pass_id)
    return render(
        request,
        "passes/card_print.html",
        {
            "cards": [card_html(access_pass)],
            "sheet": request.GET.get("sheet") == "1",
            "back_url": reverse("passes:pass-detail", kwargs={"pass_id": access_pass.pk}),
        },
    )


@require_GET
@role_required(*PARTNER_ROLES)
def card_sheet(request: MemberRequest) -> HttpResponse:
    """An A4 sheet of several households' cards: `?pass=12&pass=13…` (ids only)."""
    ids = [int(i) for i in request.GET.getlist("pass") if i.isdigit()][:10]
    cards = [card_html(selectors.pass_get_for_user(user=request.user, pass_id=i)) for i in ids]
    if not cards:
        raise Http404
    return render(
        request,
        "passes/card_print.html",
        {"cards": cards, "sheet": True, "back_url": reverse("passes:household-list")},
    )


@require_GET
@role_required(*PARTNER_ROLES)
def pass_card_png(request: MemberRequest, pass_id: int) -> HttpResponse:
    access_pass = selectors.pass_get_for_user(user=request.user, pass_id=pass_id)
    response = HttpResponse(card_png(access_pass), content_type="image/png")
    # A neutral file name: the household's name never goes into a URL or a file name.
    response["Content-Disposition"] = f'inline; filename="acces-pass-{access_pass.pk}.png"'
    response["Cache-Control"] = "private, no-store"
    return response
