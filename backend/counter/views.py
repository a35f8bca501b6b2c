"""The counter on a tablet (volunteers) and the service's home (managers)."""

import uuid
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from comptoir.csp import wasm_allowed
from comptoir.middleware import replay_safe
from comptoir.money import decimal_typed
from counter.actions import (
    counter_sections_render,
    manager_sections_render,
    verdict_actions_render,
)
from counter.selectors import (
    RECEIVED_DAYS,
    counter_day,
    household_received,
    offline_conflicts_for_day,
    vouchers_for_service,
)
from counter.services import (
    ScanRefused,
    UndoRefused,
    UseRecorded,
    cents_of,
    verdict_of,
    visit_record,
    visit_undo,
)
from network.access import MemberRequest, role_required
from network.models import Organisation, Role
from network.selectors import conventions_for_organisation, staff_for_organisation
from passes.models import Household
from schedules.selectors import (
    appointments_for_day,
    counter_session_now,
    next_opening_sessions,
    session_open_at,
)


def _service_context(request: MemberRequest) -> dict[str, Any]:
    service = request.membership.organisation
    now = timezone.now()
    return {
        "service": service,
        "now": now,
        "open_session": session_open_at(service=service, moment=now),
        "next_sessions": next_opening_sessions(service=service, now=now, count=4),
    }


def _counter_context(request: MemberRequest, **extra: object) -> dict[str, Any]:
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
        "counter_sections": counter_sections_render(request, service),
        **extra,
    }


def _counter_template(request: MemberRequest) -> str:
    """The verdict fragment for htmx; the whole page when the browser posted without it."""
    return "counter/counter_home.html#live" if request.htmx else "counter/counter_home.html"


@wasm_allowed
@role_required(Role.VOLUNTEER, Role.MANAGER)
def counter_home(request: MemberRequest) -> HttpResponse:
    """The counter on a tablet: scan by camera, hand scanner or typed code."""
    context = _counter_context(request)
    context["next_sessions"] = next_opening_sessions(
        service=context["service"], now=timezone.now(), count=4
    )
    return render(request, "counter/counter_home.html", context)


@replay_safe
@require_POST
@role_required(Role.VOLUNTEER, Role.MANAGER)
def counter_scan(request: MemberRequest) -> HttpResponse:
    """One scan: the verdict fragment (the same partial the page shows)."""
    units_typed = request.POST.get("units", "1").strip() or "1"
    amount_typed = request.POST.get("amount", "").strip()
    amount = decimal_typed(amount_typed) if amount_typed else None
    try:
        verdict = visit_record(
            text=request.POST.get("code", ""),
            service=request.membership.organisation,
            user=request.user,
            idempotency_key=request.POST.get("idempotency_key", ""),
            # Meals served now, at a social restaurant; what is not a number is refused.
            units=_whole_number(units_typed),
            # Outside food: the amount covered (what is not a number is refused) and a reference.
            use=UseRecorded(
                amount_cents=None if not amount_typed else cents_of(amount),
                reference=request.POST.get("reference", ""),
            ),
        )
    except ScanRefused as refusal:
        # 422 so that htmx shows it (see base.html); only a broken client gets here.
        context = _counter_context(request, error=refusal.message)
        return render(request, _counter_template(request), context, status=422)
    context = _counter_context(
        request, verdict=verdict, verdict_actions=verdict_actions_render(request, verdict)
    )
    return render(request, _counter_template(request), context)


@require_POST
@role_required(Role.VOLUNTEER, Role.MANAGER)
def counter_visit_undo(request: MemberRequest, pk: int) -> HttpResponse:
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
def manager_home(request: MemberRequest) -> HttpResponse:
    context = _service_context(request)
    context["conventions"] = conventions_for_organisation(organisation=context["service"])
    context["staff"] = staff_for_organisation(organisation=context["service"])
    context["today"] = timezone.localdate()
    context["sections"] = manager_sections_render(request, context["service"])
    context["takes_vouchers"] = context["service"].service_kind in VOUCHER_SERVICES
    context["offline_conflicts"] = [
        (visit, verdict_of(visit).message)
        for visit in offline_conflicts_for_day(service=context["service"], day=context["today"])
    ]
    return render(request, "counter/manager_home.html", context)


# Services whose counters take vouchers: their managers follow them.
VOUCHER_SERVICES = (Organisation.ServiceKind.VESTIAIRE, Organisation.ServiceKind.RESTAURANT)


@role_required(Role.MANAGER)
def manager_vouchers(request: MemberRequest) -> HttpResponse:
    """The vouchers partners gave for this service: how many are waiting, used, expired."""
    service = request.membership.organisation
    today = timezone.localdate()
    context = {
        "service": service,
        "today": today,
        "vouchers": vouchers_for_service(service, today),
    }
    return render(request, "counter/manager_vouchers.html", context)


def household_received_section(request: HttpRequest, household: Household) -> SafeString:
    """On the household's page (registered with `passes.sections`): what the household
    received in the last 90 days, visit by visit, from every service."""
    html = render_to_string(
        "counter/includes/household_received.html",
        {"rows": household_received(household.pk, timezone.localdate()), "days": RECEIVED_DAYS},
        request=request,
    )
    return mark_safe(html)  # noqa: S308  (a template's output, escaped there)


def _whole_number(typed: str) -> int:
    """A count typed in a page; 0 (refused with its sentence) when it is not one."""
    try:
        return int(typed)
    except ValueError:
        return 0
