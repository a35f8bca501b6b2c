"""The counter on a tablet (volunteers) and the service's home (managers)."""

import uuid
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.csp import wasm_allowed
from comptoir.middleware import replay_safe
from comptoir.money import decimal_typed
from counter.actions import (
    counter_scripts_render,
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
from counter.verdict import counter_refusal_messages
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
    context["offline"] = _offline_config(context["service"], request.user.pk)
    context["counter_scripts"] = counter_scripts_render(request, context["service"])
    return render(request, "counter/counter_home.html", context)


def _offline_config(service: Organisation, user_id: int) -> dict[str, Any]:
    """What the page's offline script needs (see counter/offline.py): where to take the
    day's list and send the queue, and its words in the user's language."""
    return {
        "service": service.pk,
        "user": user_id,
        # Days and times as the counter's clock shows them, whatever the tablet's zone.
        "time_zone": settings.TIME_ZONE,
        "snapshot_url": f"{reverse('api:counter-offline-snapshot')}?service={service.pk}",
        "sync_url": reverse("api:counter-offline-sync"),
        "ping_url": reverse("healthz"),
        "worker_url": reverse("counter:service-worker"),
        "scope": reverse("counter:home"),
        "no_list_message": counter_refusal_messages()["offline_no_list"],
        "words": {
            "accepted": _("ACCEPTÉ"),
            "refused": _("REFUSÉ"),
            "accepted_message": _("Accès accepté."),
            "ready": _("Prêt"),
            "decided_offline": _(
                "Décidé hors ligne, sur cette tablette : envoyé au serveur dès le retour "
                "de la connexion."
            ),
            "accepted_online": _(
                "Accepté en ligne avant la coupure : la suite se fait sur cette tablette et "
                "part au serveur dès le retour de la connexion."
            ),
            "offline_since": _("Hors ligne depuis %(time)s"),
            "waiting_one": _("%(count)s scan à envoyer"),
            "waiting_other": _("%(count)s scans à envoyer"),
            "nothing_waiting": _("aucun scan en attente"),
            "person_one": _("personne"),
            "person_other": _("personnes"),
            "logout_waiting": _(
                "%(count)s scans, ventes ou colis faits hors ligne ne sont pas encore envoyés. "
                "En quittant, ils seront perdus. Quitter quand même ?"
            ),
        },
    }


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


def counter_service_worker(request: HttpRequest) -> HttpResponse:
    """The counter page's service worker, served under /counter/ so that it may answer
    for the page (its scope); no personal data, the same for everyone."""
    response = render(
        request,
        "counter/offline/sw.js",
        {
            "page_path": reverse("counter:home"),
            "static_prefix": settings.STATIC_URL,
            "time_zone": settings.TIME_ZONE,
        },
        content_type="text/javascript",
    )
    # A new release's worker must be seen at the next visit.
    response["Cache-Control"] = "no-cache"
    return response


def counter_manifest(request: HttpRequest) -> JsonResponse:
    """What makes the counter page an installable app on a tablet."""
    home = reverse("counter:home")
    return JsonResponse(
        {
            "name": _("Comptoir — écran du comptoir"),
            "short_name": "Comptoir",
            "lang": get_language() or "fr",
            "start_url": home,
            "scope": home,
            "display": "standalone",
            "orientation": "any",
            "background_color": "#ffffff",
            "theme_color": "#1f5f8b",
            "icons": [
                {
                    "src": static(f"img/counter-{size}.png"),
                    "sizes": f"{size}x{size}",
                    "type": "image/png",
                }
                for size in (192, 512)
            ],
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


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
