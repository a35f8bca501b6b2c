"""Pages of vouchers: the « Bons et tickets-repas » section of a household's page, and
the printed referral (A6, readable on a phone too) and sheet of meal tickets (A4).

As for passes: parse a form, fetch through the scoped selectors (another partner's
household or voucher is a 404), call one service, render the section (htmx) or the
page. A refusal re-renders the section with the message next to its field, status 422.
URLs carry ids and a sheet's random batch number only, never a name.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from comptoir.errors import form_add_refusal
from network.access import MemberRequest, Perm, has_perm, role_required
from network.models import User
from passes import selectors
from passes.forms import MealTicketsForm, ReferralForm, VoucherRevokeForm
from passes.models import Household, Voucher
from passes.qr import qr_svg
from passes.services import PassRefused
from passes.services.vouchers import (
    meal_tickets_issue,
    referral_issue,
    voucher_revoke,
    vouchers_printed,
)
from passes.tokens import human_code_display
from passes.views import PARTNER_ROLES, household_page
from passes.voucher_selectors import (
    meal_ticket_sheet_for_user,
    voucher_get_for_user,
    voucher_rows_for_household,
    voucher_services_for_household,
)

REFERRAL, MEAL = "referral", "meal"


# --- the household page's section ---------------------------------------------------


def _forms(household: Household, data: Any = None) -> tuple[ReferralForm, MealTicketsForm]:
    today = timezone.localdate()
    services = voucher_services_for_household(household=household, today=today)
    restaurants = voucher_services_for_household(
        household=household, today=today, restaurants_only=True
    )
    return (
        ReferralForm(data, prefix=REFERRAL, services=services),
        MealTicketsForm(data, prefix=MEAL, services=restaurants),
    )


def _section(
    request: HttpRequest,
    household: Household,
    *,
    referral_form: ReferralForm | None = None,
    meal_form: MealTicketsForm | None = None,
    **extra: object,
) -> SafeString:
    """The section: a form per kind of voucher, and the household's vouchers. Only for
    those who may give them (today the same people who may open the file)."""
    user = request.user
    if not isinstance(user, User) or not has_perm(user, Perm.PASS_MANAGE, household.partner_id):
        return SafeString("")
    blank_referral, blank_meal = _forms(household)
    today = timezone.localdate()
    context = {
        "household": household,
        "today": today,
        "referral_form": referral_form or blank_referral,
        "meal_form": meal_form or blank_meal,
        "rows": voucher_rows_for_household(household=household, today=today),
        **extra,
    }
    return render_to_string("passes/vouchers_section.html", context, request=request)


def vouchers_section(request: HttpRequest, household: Household) -> SafeString:
    """Registered with `passes.sections` (see PassesConfig.ready)."""
    return _section(request, household)


def _answer(
    request: MemberRequest, household: Household, *, status: int = 200, **extra: Any
) -> HttpResponse:
    """The section again for htmx; without htmx, back to the page (or the page with the
    refusal next to its field, status 422)."""
    section = _section(request, household, **extra)
    if request.htmx:
        return HttpResponse(section, status=status)
    if status < 400:
        url = reverse("passes:household-detail", kwargs={"household_id": household.pk})
        return redirect(url + "#vouchers")
    return household_page(request, household, status=status, sections={"vouchers": section})


def _require_pass_manage(request: MemberRequest, partner_id: int) -> None:
    # As on the pass pages: what the user may not change does not exist for them.
    if not has_perm(request.user, Perm.PASS_MANAGE, partner_id):
        raise Http404


def _household_to_manage(request: MemberRequest, household_id: int) -> Household:
    household = selectors.household_get_for_user(user=request.user, household_id=household_id)
    _require_pass_manage(request, household.partner_id)
    return household


@require_POST
@role_required(*PARTNER_ROLES)
def referral_give(request: MemberRequest, household_id: int) -> HttpResponse:
    household = _household_to_manage(request, household_id)
    form, _meal = _forms(household, request.POST)
    if form.is_valid():
        try:
            voucher = referral_issue(
                actor=request.user,
                household=household,
                service=form.cleaned_data["service"],
                covers=form.cleaned_data["covers"],
                valid_days=form.cleaned_data["valid_days"],
            )
        except PassRefused as refusal:
            form_add_refusal(form, refusal)
        else:
            if not request.htmx:
                messages.success(request, _("Bon d'orientation créé : imprimez-le ci-dessous."))
            return _answer(request, household, given=voucher)
    return _answer(request, household, status=422, referral_form=form)


@require_POST
@role_required(*PARTNER_ROLES)
def meal_tickets_give(request: MemberRequest, household_id: int) -> HttpResponse:
    household = _household_to_manage(request, household_id)
    _referral, form = _forms(household, request.POST)
    if form.is_valid():
        try:
            tickets = meal_tickets_issue(
                actor=request.user,
                household=household,
                service=form.cleaned_data["service"],
                count=form.cleaned_data["count"],
                valid_days=form.cleaned_data["valid_days"],
            )
        except PassRefused as refusal:
            form_add_refusal(form, refusal)
        else:
            if not request.htmx:
                messages.success(
                    request, _("Tickets-repas créés : imprimez la feuille ci-dessous.")
                )
            return _answer(request, household, given_sheet=tickets[0], given_count=len(tickets))
    return _answer(request, household, status=422, meal_form=form)


@require_POST
@role_required(*PARTNER_ROLES)
def voucher_cancel(request: MemberRequest, voucher_id: int) -> HttpResponse:
    voucher = voucher_get_for_user(user=request.user, voucher_id=voucher_id)
    household = voucher.household
    _require_pass_manage(request, household.partner_id)
    form = VoucherRevokeForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        voucher_revoke(actor=request.user, voucher_id=voucher.pk, reason=reason)
    except PassRefused as refusal:
        return _answer(
            request,
            household,
            status=422,
            revoke_error=refusal.message,
            revoke_voucher_id=voucher.pk,
            revoke_reason=reason,
            open_batch=voucher.batch,
        )
    if not request.htmx:
        messages.success(request, _("Bon annulé : il est refusé au comptoir dès maintenant."))
    return _answer(request, household, revoked=voucher, open_batch=voucher.batch)


# --- printing -----------------------------------------------------------------------


def _printable(voucher: Voucher) -> dict[str, Any]:
    """What every printed voucher shows besides its words: its QR code and short code."""
    return {
        "voucher": voucher,
        "qr_svg": qr_svg(selectors.voucher_token(voucher=voucher)),
        "code": human_code_display(voucher.human_code),
    }


def _print_response(request: MemberRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    response = render(request, template, context)
    # The page holds signed codes a household will use: no cache may keep a copy.
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@role_required(*PARTNER_ROLES)
def referral_print(request: MemberRequest, voucher_id: int) -> HttpResponse:
    """A referral on A6 paper, or on a phone's screen: where, what, until when, for whom
    (the first name only, as on a card), its QR code and short code."""
    voucher = voucher_get_for_user(user=request.user, voucher_id=voucher_id)
    _require_pass_manage(request, voucher.partner_id)
    if voucher.kind != Voucher.Kind.REFERRAL:
        return redirect("passes:meal-ticket-sheet", batch=voucher.batch)
    vouchers_printed(actor=request.user, vouchers=[voucher])
    state = voucher.state_on(timezone.localdate())
    context = {**_printable(voucher), "first_name": voucher.household.first_name, "state": state}
    # Like the card: written in the household's language.
    with translation.override(voucher.household.language):
        html = render_to_string("passes/includes/voucher_referral.html", context)
    return _print_response(
        request,
        "passes/voucher_print.html",
        {
            "voucher_html": html,
            "state": state,
            "back_url": _back_to(voucher.household_id),
        },
    )


@require_GET
@role_required(*PARTNER_ROLES)
def meal_ticket_sheet(request: MemberRequest, batch: UUID) -> HttpResponse:
    """An A4 sheet of the meal tickets given together that can still be used: each one
    names the restaurant, one meal, its last day, its QR code and short code. Nothing
    about the household: a ticket may be handed on."""
    tickets = meal_ticket_sheet_for_user(user=request.user, batch=batch)
    household = tickets[0].household
    _require_pass_manage(request, household.partner_id)
    today = timezone.localdate()
    printable = [t for t in tickets if t.state_on(today) == "valid"]
    vouchers_printed(actor=request.user, vouchers=printable)
    with translation.override(household.language):
        html = [
            render_to_string("passes/includes/meal_ticket.html", _printable(ticket))
            for ticket in printable
        ]
    return _print_response(
        request,
        "passes/meal_tickets_print.html",
        {
            "tickets_html": html,
            "left_out": len(tickets) - len(printable),
            "back_url": _back_to(household.pk),
        },
    )


def _back_to(household_id: int) -> str:
    return reverse("passes:household-detail", kwargs={"household_id": household_id}) + "#vouchers"
