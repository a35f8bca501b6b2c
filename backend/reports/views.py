from datetime import date, timedelta
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from comptoir.tasks import task_send
from network.access import MemberRequest, role_required
from network.models import Convention, Organisation, Role, WorkerHeartbeat
from network.selectors import conventions_in_force, organisations_overview
from passes.models import HouseholdMember
from reports import selectors
from reports.charts import trend_svg
from reports.exports import export_build, export_request, fead_request
from reports.indicators import ALL, PERSON_INDICATORS, indicator
from reports.models import Export, MonthReport
from reports.selectors import Scope
from reports.services import (
    ReportRefused,
    month_compile,
    month_lock,
    month_parse,
    previous_month,
)

CONVENTIONS_PER_PAGE = 50
STATISTICS_ROLES = (Role.COORDINATOR, Role.PARTNER_HEAD, Role.MANAGER)
# The jobs the jobs page follows, with what each does, in plain words.
JOBS = {
    "passes_expire": gettext_lazy("Expiration des accès arrivés à leur terme (chaque nuit)"),
    "statistics_last_month": gettext_lazy(
        "Statistiques du mois écoulé (chaque nuit, jusqu'au calcul)"
    ),
    "statistics_compile": gettext_lazy("Statistiques demandées par la coordination"),
    "renewal_reminders": gettext_lazy(
        "Rappels de renouvellement aux assistant·es sociaux (chaque matin)"
    ),
    "stock_alerts": gettext_lazy("Alertes de stock aux gestionnaires (chaque matin)"),
    "households_retention": gettext_lazy("Anonymisation des ménages sans accès depuis longtemps"),
}


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
            "last_month": previous_month(today),
        },
    )


def scope_of(request: MemberRequest) -> Scope:
    """A coordinator reads the network; a partner head their partner's conventions; a
    manager their service."""
    membership = request.membership
    if membership.role == Role.PARTNER_HEAD:
        return Scope(partner_id=membership.organisation_id)
    if membership.role == Role.MANAGER:
        return Scope(service_id=membership.organisation_id)
    return selectors.NETWORK


def _month_from(request: MemberRequest) -> tuple[date, str | None]:
    """The month asked for (last month by default), or last month and why not."""
    today = timezone.localdate()
    text = request.GET.get("month", "")
    if not text:
        return previous_month(today), None
    try:
        month = month_parse(text)
    except ReportRefused as refusal:
        return previous_month(today), refusal.message
    if month > today.replace(day=1):
        return previous_month(today), _(
            "Le mois %(month)s n'a pas encore commencé : ses chiffres n'existent pas."
        ) % {"month": f"{month:%m/%Y}"}
    return month, None


def _charts(
    month: date, scope: Scope, service: Organisation | None = None
) -> list[tuple[str, object]]:
    series = selectors.trend(month, scope, service)
    return [(key, trend_svg(str(indicator(key).label), points)) for key, points in series.items()]


def _month_context(request: MemberRequest, month: date) -> dict[str, object]:
    following = (month + timedelta(days=32)).replace(day=1)
    today = timezone.localdate()
    return {
        "month": month,
        "month_value": f"{month:%Y-%m}",
        "previous": f"{(month - timedelta(days=1)):%Y-%m}",
        "next": f"{following:%Y-%m}" if following <= today.replace(day=1) else None,
        "indicators": ALL,
        "is_coordinator": request.membership.role == Role.COORDINATOR,
        "formats": [(Export.Kind.CSV, "CSV"), (Export.Kind.XLSX, "Excel")],
        "fead_formats": [(Export.Kind.XLSX, "Excel"), (Export.Kind.PDF, "PDF")],
        "month_over": month < today.replace(day=1),
        "fead_years": list(range(today.year, today.year - 4, -1)),
    }


@role_required(*STATISTICS_ROLES)
def month_review(request: MemberRequest) -> HttpResponse:
    month, problem = _month_from(request)
    scope = scope_of(request)
    report = selectors.report_latest(month)
    context = _month_context(request, month) | {
        "problem": problem,
        "report": report,
        "versions": selectors.report_versions(month) if report else [],
        "waiting": _since(request),
        "scope": scope,
        "organisation": request.membership.organisation,
    }
    if report is not None:
        context["overview"] = selectors.services_overview(report, scope)
        passes = selectors.conventions_passes(report, scope)
        context["passes"] = passes
        # A network of a thousand conventions reads them a page at a time; the total
        # row stays the whole network's.
        context["passes_page"] = Paginator(passes.rows, CONVENTIONS_PER_PAGE).get_page(
            request.GET.get("page")
        )
        context["charts"] = _charts(month, scope)
        context["partners_for_pdf"] = _partners_for_pdf(passes, request)
    status = 422 if problem else 200
    template = "reports/month.html"
    if request.htmx:
        template += "#month-body"
    return render(request, template, context, status=status)


def _partners_for_pdf(passes: selectors.Table, request: MemberRequest) -> list[Organisation]:
    """The partners whose monthly PDF the reader may ask for: any for a coordinator, their
    own for a partner head, none for a manager."""
    if request.membership.role == Role.MANAGER:
        return []
    partners = {row.convention.partner for row in passes.rows if row.convention is not None}
    return sorted(partners, key=lambda partner: partner.name)


@role_required(*STATISTICS_ROLES)
def service_month(request: MemberRequest, service_id: int) -> HttpResponse:
    month, problem = _month_from(request)
    scope = scope_of(request)
    if scope.service_id is not None and scope.service_id != service_id:
        raise Http404
    service = get_object_or_404(Organisation, pk=service_id, kind=Organisation.Kind.SERVICE)
    report = selectors.report_latest(month)
    context = _month_context(request, month) | {
        "problem": problem,
        "report": report,
        "service": service,
        "scope": scope,
    }
    if report is not None:
        context["table"] = selectors.service_table(report, service, scope)
        context["charts"] = _charts(month, scope, service)
    return render(request, "reports/service_month.html", context, status=422 if problem else 200)


@role_required(*STATISTICS_ROLES)
def convention_month(request: MemberRequest, convention_id: int) -> HttpResponse:
    month, problem = _month_from(request)
    scope = scope_of(request)
    convention = get_object_or_404(Convention.objects.select_related("partner"), pk=convention_id)
    if not scope.allows_convention(convention):
        raise Http404
    report = selectors.report_latest(month)
    context = _month_context(request, month) | {
        "problem": problem,
        "report": report,
        "convention": convention,
        "bands": HouseholdMember.AgeBand.choices,
        "categories": [i.key for i in PERSON_INDICATORS],
        "pass_keys": selectors.PASS_COLUMNS,
    }
    if report is not None:
        detail = selectors.convention_month(report, convention)
        if scope.service_id is not None:
            detail.by_service.rows[:] = [
                r for r in detail.by_service.rows if r.service and r.service.pk == scope.service_id
            ]
        context["detail"] = detail
    return render(request, "reports/convention_month.html", context, status=422 if problem else 200)


@require_POST
@role_required(Role.COORDINATOR)
def month_compile_request(request: MemberRequest) -> HttpResponse:
    """Ask the worker to compile a month (with a reason when the month is locked)."""
    back = reverse("reports:month")
    try:
        month = month_parse(request.POST.get("month", ""))
        reason = request.POST.get("reason", "").strip()
        latest = selectors.report_latest(month)
        if month > timezone.localdate().replace(day=1):
            raise ReportRefused(
                _("Le mois %(month)s n'a pas encore commencé : ses chiffres n'existent pas.")
                % {"month": f"{month:%m/%Y}"},
                code="month_in_future",
            )
        if latest is not None and latest.is_locked and len(reason) < 5:
            raise ReportRefused(
                _(
                    "Ce mois est verrouillé : dites pourquoi il doit être recalculé "
                    "(une correction de données, par exemple)."
                ),
                code="reason_required",
            )
    except ReportRefused as refusal:
        messages.error(request, refusal.message)
        return redirect(f"{back}?month={request.POST.get('month', '')}"[:200])
    if task_send("worker.tasks.statistics_compile", f"{month:%Y-%m}", request.user.pk, reason):
        messages.success(
            request,
            _("Le calcul de %(month)s est demandé : la page se met à jour quand il est prêt.")
            % {"month": f"{month:%m/%Y}"},
        )
        since = int(timezone.now().timestamp())
        return redirect(f"{back}?month={month:%Y-%m}&waiting={since}")
    # The worker cannot be reached: the coordinator should not wait for its return.
    try:
        month_compile(month=month, actor=request.user, reason=reason)
    except ReportRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request, _("Les chiffres de %(month)s sont calculés.") % {"month": f"{month:%m/%Y}"}
        )
    return redirect(f"{back}?month={month:%Y-%m}")


@require_POST
@role_required(Role.COORDINATOR)
def month_lock_request(request: MemberRequest, report_id: int) -> HttpResponse:
    report = get_object_or_404(MonthReport, pk=report_id)
    try:
        month_lock(report_id=report.pk, actor=request.user)
        messages.success(request, _("Le mois est verrouillé."))
    except ReportRefused as refusal:
        messages.error(request, refusal.message)
    return redirect(f"{reverse('reports:month')}?month={report.month:%Y-%m}")


@role_required(Role.COORDINATOR)
def month_status(request: MemberRequest) -> HttpResponse:
    """The htmx poll while a compilation runs: the report's state line."""
    month, _problem = _month_from(request)
    report = selectors.report_latest(month)
    since = _since(request)
    if report is not None and since is not None and report.compiled_at.timestamp() >= since:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = f"{reverse('reports:month')}?month={month:%Y-%m}"
        return response
    return render(
        request,
        "reports/month.html#report-status",
        _month_context(request, month) | {"report": report, "waiting": since},
    )


def _since(request: MemberRequest) -> int | None:
    """The moment a compilation was asked for, while the page waits for it."""
    try:
        return int(request.GET.get("waiting", ""))
    except ValueError:
        return None


@role_required(Role.COORDINATOR)
def jobs(request: MemberRequest) -> HttpResponse:
    return render(
        request,
        "reports/jobs.html",
        {
            "jobs": [
                (JOBS[summary.job], summary) for summary in selectors.jobs_overview(tuple(JOBS))
            ],
            "now": timezone.now(),
            "heartbeat": WorkerHeartbeat.objects.filter(name="worker").first(),
        },
    )


def _export_target(request: MemberRequest) -> tuple[Organisation | None, Organisation | None]:
    """The partner and service an export form names (ids from the form, checked by the
    service against what the reader may see)."""

    def organisation(field: str, kind: str) -> Organisation | None:
        value = request.POST.get(field, "")
        if not value.isdigit():
            return None
        return Organisation.objects.filter(pk=int(value), kind=kind).first()

    return (
        organisation("partner", Organisation.Kind.PARTNER),
        organisation("service", Organisation.Kind.SERVICE),
    )


@require_POST
@role_required(*STATISTICS_ROLES)
def export_request_view(request: MemberRequest) -> HttpResponse:
    """Ask for a file; the worker builds it while the export's page shows the progress."""
    scope = scope_of(request)
    partner, service = _export_target(request)
    if scope.partner_id is not None and partner is None and request.POST.get("table") == "partner":
        partner = request.membership.organisation
    try:
        export = export_request(
            actor=request.user,
            scope=scope,
            kind=request.POST.get("kind", ""),
            month=month_parse(request.POST.get("month", "")),
            table=request.POST.get("table", ""),
            partner=partner,
            service=service,
            exact=request.POST.get("exact") == "1",
        )
    except ReportRefused as refusal:
        messages.error(request, refusal.message)
        back = request.POST.get("back", "")
        return redirect(back if back.startswith("/network/statistics/") else "reports:month")
    if not task_send("worker.tasks.export_build", str(export.pk)):
        # The worker cannot be reached: build it now rather than leave it waiting.
        export_build(str(export.pk))
    return redirect("reports:export", export_id=export.pk)


def _export_of(request: MemberRequest, export_id: UUID) -> Export:
    export = (
        Export.objects.select_related("report", "partner", "service")
        .filter(pk=export_id, requested_by=request.user)
        .first()
    )
    if export is None:
        raise Http404
    return export


@role_required(*STATISTICS_ROLES)
def export_page(request: MemberRequest, export_id: UUID) -> HttpResponse:
    export = _export_of(request, export_id)
    template = "reports/export.html"
    if request.htmx:
        template += "#export-status"
    return render(request, template, {"export": export})


@role_required(*STATISTICS_ROLES)
def export_download(request: MemberRequest, export_id: UUID) -> HttpResponse:
    export = _export_of(request, export_id)
    if export.status != Export.Status.DONE or export.content is None:
        raise Http404
    response = HttpResponse(bytes(export.content), content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@require_POST
@role_required(Role.COORDINATOR)
def fead_request_view(request: MemberRequest) -> HttpResponse:
    """Ask for the yearly EU food-aid report (Excel or PDF), built like any export."""
    year_text = request.POST.get("year", "")
    try:
        export = fead_request(
            actor=request.user,
            scope=scope_of(request),
            kind=request.POST.get("kind", ""),
            year=int(year_text) if year_text.isdigit() else 0,
            exact=request.POST.get("exact") == "1",
        )
    except ReportRefused as refusal:
        messages.error(request, refusal.message)
        return redirect("reports:month")
    if not task_send("worker.tasks.export_build", str(export.pk)):
        export_build(str(export.pk))
    return redirect("reports:export", export_id=export.pk)
