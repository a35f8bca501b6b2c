from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from network.access import role_required
from network.models import Role
from network.selectors import conventions_for_organisation, staff_for_organisation
from shop.selectors import (
    cancelled_sessions,
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


@role_required(Role.VOLUNTEER, Role.MANAGER)
def counter_home(request: HttpRequest) -> HttpResponse:
    return render(request, "shop/counter_home.html", _service_context(request))


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
