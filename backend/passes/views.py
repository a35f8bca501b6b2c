from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from network.access import role_required
from network.models import Role
from network.selectors import conventions_for_organisation, staff_for_organisation
from passes.models import Household


def _partner_context(request: HttpRequest) -> dict:
    partner = request.membership.organisation
    return {
        "partner": partner,
        "today": timezone.localdate(),
        "conventions": conventions_for_organisation(organisation=partner),
        "household_count": Household.objects.filter(partner=partner).count(),
    }


@role_required(Role.SOCIAL_WORKER)
def home_social_worker(request: HttpRequest) -> HttpResponse:
    return render(request, "passes/home_social_worker.html", _partner_context(request))


@role_required(Role.PARTNER_HEAD)
def home_partner_head(request: HttpRequest) -> HttpResponse:
    context = _partner_context(request)
    context["staff"] = staff_for_organisation(organisation=context["partner"])
    return render(request, "passes/home_partner_head.html", context)
