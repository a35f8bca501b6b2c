"""The vestiaire's tablet: after an accepted scan, what was given, in a few lines."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from counter.models import Visit
from counter.verdict import Verdict
from foodaid.handouts import (
    LINES_MAX,
    HandoutItem,
    HandoutRefused,
    handout_of_visit,
    handout_record,
)
from network.access import MemberRequest, role_required
from network.models import Organisation, Role

COUNTER_ROLES = (Role.VOLUNTEER, Role.MANAGER)
# Empty rows offered on the page; more come as the volunteer saves.
ROWS_SHOWN = 6


def verdict_handout_action(request: HttpRequest, verdict: Verdict) -> SafeString | None:
    """Under an accepted verdict at a vestiaire: the button to note what is given."""
    service = verdict.visit.service
    if not verdict.accepted or service.service_kind != Organisation.ServiceKind.VESTIAIRE:
        return None
    html = render_to_string(
        "foodaid/includes/verdict_handout.html", {"visit": verdict.visit}, request=request
    )
    return mark_safe(html)  # noqa: S308  (a template's output, escaped there)


def _items_posted(request: MemberRequest) -> tuple[list[HandoutItem], list[tuple[str, str]]]:
    """The rows as typed (to show them again) and as items (a count not typed is 1)."""
    texts = request.POST.getlist("text")
    counts = request.POST.getlist("count")
    typed = list(zip(texts, counts + [""] * (len(texts) - len(counts)), strict=False))
    items = []
    for text, count in typed:
        count = count.strip()
        # Not typed: one; not a plain number: zero, refused with its sentence.
        items.append(
            HandoutItem(
                text,
                int(count) if count.isdecimal() and count.isascii() else (1 if not count else 0),
            )
        )
    return items, typed


@role_required(*COUNTER_ROLES)
def handout_page(request: MemberRequest, pk: int) -> HttpResponse:
    """The rows to fill (what was given), prefilled with what was already noted."""
    service = request.membership.organisation
    visit = (
        Visit.objects.filter(pk=pk, service=service, accepted=True)
        .select_related("voucher__household", "access_pass__household")
        .first()
    )
    if visit is None:
        raise Http404
    error = None
    if request.method == "POST":
        items, typed = _items_posted(request)
        try:
            handout_record(actor=request.user, service=service, visit_id=visit.pk, items=items)
        except HandoutRefused as refusal:
            error = refusal.message
        else:
            messages.success(request, _("Don noté."))
            return redirect("counter:home")
    else:
        handout = handout_of_visit(visit)
        typed = [(line.text, str(line.count)) for line in handout.lines.all()] if handout else []
    rows = typed + [("", "")] * max(ROWS_SHOWN - len(typed), 1)
    holder = (
        visit.voucher.household
        if visit.voucher
        else visit.access_pass.household
        if visit.access_pass
        else None
    )
    context = {
        "service": service,
        "visit": visit,
        "first_name": holder.first_name if holder else "",
        "covers": visit.voucher.covers if visit.voucher else "",
        "rows": rows[:LINES_MAX],
        "error": error,
    }
    return render(request, "foodaid/handout.html", context, status=422 if error else 200)
