from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from network.access import role_required
from network.models import Role
from network.selectors import conventions_for_organisation, staff_for_organisation
from shop.selectors import next_opening_sessions, session_open_at


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
