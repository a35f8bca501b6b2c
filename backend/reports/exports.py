"""Exports of a month's figures: CSV and Excel of a table, the PDF report of a partner.

Asked for on the review page (`export_request`), built by the worker
(`export_build`, which writes its progress for the page to show) and downloaded
once ready. Whatever leaves the network hides small counts through
`reports.suppression`, in the tables and in the chart alike: the chart plots
what each month's published table shows, nothing more. Only a coordinator may
ask for exact figures, for the network's own use.
"""

from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from comptoir.errors import ErrorKind
from network.audit import audit_record
from network.models import Organisation, User
from reports import selectors
from reports.documents import (
    csv_document,
    fead_pdf,
    partner_pdf,
    period_slug,
    xlsx_document,
)
from reports.fead import COLUMNS as FEAD_COLUMNS
from reports.fead import QUANTITY_COLUMNS, fead_year, fead_year_check
from reports.indicators import ALL
from reports.models import Export
from reports.publishing import Sheet, month_shown, published, sheet_of
from reports.selectors import Scope, Table
from reports.services import ReportRefused, month_check
from reports.suppression import SMALL, WITHHELD

TABLES = ("services", "conventions", "service", "partner", "fead")
TOTAL = "total"
# An export still building after this long lost its worker: another may take it.
STALE_BUILD = timedelta(minutes=15)


def _refuse(message: str, code: str, kind: ErrorKind = ErrorKind.INVALID) -> ReportRefused:
    return ReportRefused(message, code=code, kind=kind)


def export_request(
    *,
    actor: User,
    scope: Scope,
    kind: str,
    month: date,
    table: str,
    partner: Organisation | None = None,
    service: Organisation | None = None,
    exact: bool = False,
    now: datetime | None = None,
) -> Export:
    """Record an export to build; the caller queues `export_build` after commit.

    Raises `month_in_future`, `not_compiled`, `export_invalid`, `exact_not_allowed`,
    `export_forbidden` (another partner's or another service's figures).
    """
    now = now or timezone.now()
    month_check(month, timezone.localdate(now))
    if kind not in Export.Kind.values or table not in TABLES or table == "fead":
        raise _refuse(_("Ce format ou ce tableau n'existe pas."), "export_invalid")
    if (table == "partner") != (kind == Export.Kind.PDF) or (table == "partner") != bool(partner):
        raise _refuse(
            _("Le rapport PDF se fait pour un service partenaire ; les tableaux en CSV ou Excel."),
            "export_invalid",
        )
    if table == "service" and service is None:
        raise _refuse(_("Choisissez le service collectif du tableau."), "export_invalid")
    if exact and scope != selectors.NETWORK:
        raise _refuse(
            _("Seule la coordination peut exporter les chiffres exacts."),
            "exact_not_allowed",
            ErrorKind.FORBIDDEN,
        )
    if scope.partner_id is not None and partner is not None and partner.pk != scope.partner_id:
        raise _refuse(
            _("Vous ne pouvez exporter que les chiffres de votre propre service partenaire."),
            "export_forbidden",
            ErrorKind.FORBIDDEN,
        )
    if scope.service_id is not None and (
        table != "service" or service is None or service.pk != scope.service_id
    ):
        raise _refuse(
            _("Vous ne pouvez exporter que les chiffres de votre propre service."),
            "export_forbidden",
            ErrorKind.FORBIDDEN,
        )
    report = selectors.report_latest(month)
    if report is None:
        raise _refuse(
            _("Les chiffres de ce mois n'ont pas encore été calculés : calculez-les d'abord."),
            "not_compiled",
            ErrorKind.CONFLICT,
        )
    with transaction.atomic():
        export = Export.objects.create(
            kind=kind,
            report=report,
            table=table,
            partner=partner if partner is not None else _partner_of(scope),
            service=service,
            exact=exact,
            requested_by=actor,
            requested_at=now,
        )
        audit_record(
            actor=actor,
            action="statistics.export",
            target=export.report,
            organisation=export.partner,
            detail={"export": str(export.pk), "kind": kind, "table": table, "exact": exact},
        )
    return export


def fead_request(
    *,
    actor: User,
    scope: Scope,
    kind: str,
    year: int,
    exact: bool = False,
    now: datetime | None = None,
) -> Export:
    """Record the yearly EU food-aid report to build (coordinators: it goes to the funder).

    Raises `export_forbidden`, `export_invalid`, `year_invalid`.
    """
    now = now or timezone.now()
    if scope != selectors.NETWORK:
        raise _refuse(
            _("Le rapport européen couvre tout le réseau : seule la coordination le prépare."),
            "export_forbidden",
            ErrorKind.FORBIDDEN,
        )
    if kind not in (Export.Kind.XLSX, Export.Kind.PDF):
        raise _refuse(_("Ce format ou ce tableau n'existe pas."), "export_invalid")
    if not fead_year_check(year, timezone.localdate(now)):
        raise _refuse(
            _("L'année %(year)s n'a pas encore commencé : son rapport n'existe pas.")
            % {"year": year},
            "year_invalid",
        )
    with transaction.atomic():
        export = Export.objects.create(
            kind=kind, year=year, table="fead", exact=exact, requested_by=actor, requested_at=now
        )
        audit_record(
            actor=actor,
            action="statistics.export",
            detail={"export": str(export.pk), "kind": kind, "table": "fead", "year": year},
        )
    return export


def _partner_of(scope: Scope) -> Organisation | None:
    if scope.partner_id is None:
        return None
    return Organisation.objects.get(pk=scope.partner_id)


def export_scope(export: Export) -> Scope:
    """What the export may show: a partner's conventions, or the network's (a manager's
    export is the table of their own service, the same at either scope)."""
    return Scope(partner_id=export.partner_id)


def export_build(export_id: str) -> str:
    """Build the file of an export waiting in the queue (once: a second worker finds it
    taken); returns a summary for the jobs page."""
    now = timezone.now()
    # Waiting, failed (a retry), or cut short long ago (its worker died): taken once.
    takeable = Q(status__in=[Export.Status.QUEUED, Export.Status.FAILED]) | Q(
        status=Export.Status.RUNNING, started_at__lt=now - STALE_BUILD
    )
    taken = Export.objects.filter(takeable, pk=export_id).update(
        status=Export.Status.RUNNING, progress=5, started_at=now, error=""
    )
    if not taken:
        return f"export {export_id} already taken"
    export = Export.objects.select_related("report", "partner", "service", "requested_by").get(
        pk=export_id
    )

    def progress(percent: int) -> None:
        Export.objects.filter(pk=export.pk).update(progress=percent)

    try:
        with translation.override(export.requested_by.language or settings.LANGUAGE_CODE):
            content, filename = _build(export, progress)
    except Exception as error:
        Export.objects.filter(pk=export.pk).update(
            status=Export.Status.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
        )
        raise
    with transaction.atomic():
        Export.objects.filter(pk=export.pk).update(
            status=Export.Status.DONE,
            progress=100,
            content=content,
            filename=filename,
            finished_at=timezone.now(),
        )
    return f"{filename}: {len(content)} bytes"


def _table_of(export: Export, scope: Scope) -> tuple[Table, str]:
    report = export.report
    assert report is not None
    if export.table == "services":
        return selectors.services_overview(report, scope), _("Service")
    if export.table == "conventions":
        return selectors.conventions_passes(report, scope), _("Convention")
    assert export.service is not None
    return selectors.service_table(report, export.service, scope), _("Convention")


def _month_sheet(export: Export, scope: Scope) -> tuple[Sheet, str]:
    assert export.report is not None
    table, first = _table_of(export, scope)
    month = month_shown(export.report, exact=export.exact)
    return sheet_of(table, export.table, scope, month), first


def _period(export: Export) -> str:
    if export.report is None:
        return str(export.year)
    return date_format(export.report.month, "F Y")


def _filename(export: Export, extension: str) -> str:
    parts = [
        "comptoir",
        period_slug(export),
        export.table,
        slugify(export.partner.name if export.partner else "")
        or slugify(export.service.name if export.service else ""),
    ]
    return "-".join(p for p in parts if p)[:100] + f".{extension}"


def _build(export: Export, progress: Callable[[int], None]) -> tuple[bytes, str]:
    if export.table == "fead":
        return _fead(export, progress)
    scope = export_scope(export)
    if export.kind == Export.Kind.PDF:
        return partner_pdf(export, scope, progress), _filename(export, "pdf")
    progress(20)
    sheet, first = _month_sheet(export, scope)
    progress(70)
    title = f"{_('Statistiques du mois')} · {_period(export)}"
    if export.kind == Export.Kind.CSV:
        return csv_document(export, sheet, first, title), _filename(export, "csv")
    return xlsx_document(export, sheet, first, title), _filename(export, "xlsx")


def fead_table(year: int) -> Table:
    """The year's report as a table: a row per food service, and the network's row (its
    persons distinct across services, its quantities summed)."""
    figures = fead_year(year)
    services = Organisation.objects.in_bulk(figures.services)
    rows = [
        selectors.Row(label=services[pk].name, values=values, service=services[pk])
        for pk, values in sorted(figures.services.items(), key=lambda item: services[item[0]].name)
    ]
    total = selectors.Row(label=_("Réseau (personnes distinctes)"), values=figures.network)
    return Table(title="", columns=FEAD_COLUMNS, rows=rows, total=total)


def _fead(export: Export, progress: Callable[[int], None]) -> tuple[bytes, str]:
    assert export.year is not None
    table = fead_table(export.year)
    progress(60)
    summed = tuple(c for c in QUANTITY_COLUMNS if ALL[c].identifying)
    sheet = published(table, exact=export.exact, summed=summed)
    title = _("Aide alimentaire européenne (FEAD / FSE+) · rapport %(year)s") % {
        "year": export.year
    }
    filename = f"comptoir-aide-alimentaire-ue-{export.year}"
    if export.kind == Export.Kind.XLSX:
        return xlsx_document(export, sheet, _("Service"), title), f"{filename}.xlsx"
    return fead_pdf(export, sheet, title), f"{filename}.pdf"


__all__ = ["SMALL", "WITHHELD", "export_build", "export_request", "fead_request", "published"]
