from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from network.access import MemberRequest, role_required
from network.models import Role
from network.selectors import conventions_in_force, organisations_overview


@role_required(Role.COORDINATOR)
def coordinator_home(request: MemberRequest) -> HttpResponse:
    today = timezone.localdate()
    organisations = list(organisations_overview())
    return render(
        request,
        "reports/coordinator_home.html",
        {
            "network": request.membership.organisation,
            "today": today,
            "partners": [o for o in organisations if o.kind == "partner"],
            "services": [o for o in organisations if o.kind == "service"],
            "conventions": conventions_in_force(today=today),
        },
    )
