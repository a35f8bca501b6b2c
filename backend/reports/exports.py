"""Exports of a month's figures: CSV and Excel of a table, the PDF report of a partner.

Asked for on the review page (`export_request`), built by the worker
(`export_build`, which writes its progress for the page to show) and downloaded
once ready. Whatever leaves the network hides small counts through
`reports.suppression`, in the tables and in the chart alike: the chart plots
what each month's published table shows, nothing more. Only a coordinator may
ask for exact figures, for the network's own use.
"""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from comptoir.errors import ErrorKind
from network.audit import audit_record
from network.models import Organisation, User
from reports import selectors
from reports.charts import trend_svg
from reports.fead import COLUMNS as FEAD_COLUMNS
from reports.fead import QUANTITY_COLUMNS, fead_year, fead_year_check
from reports.indicators import ALL, Unit
from reports.models import Export
from reports.selectors import Scope, Table
from reports.services import ReportRefused, month_check
from reports.suppression import SMALL, WITHHELD, Shown, grid_relations, suppress

TABLES = ("services", "conventions", "service", "partner", "fead")
FONT_DIR = Path(settings.ROOT_DIR) / "frontend" / "static" / "vendor" / "fonts"
TOTAL = "total"


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
    taken = Export.objects.filter(pk=export_id, status=Export.Status.QUEUED).update(
        status=Export.Status.RUNNING, progress=5
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


@dataclass(frozen=True)
class Sheet:
    """A table as it leaves: labels, columns, the shown figures, and whether some hide."""

    title: str
    first: str
    columns: tuple[str, ...]
    rows: list[tuple[str, dict[str, Shown]]]
    total: dict[str, Shown]
    hidden: bool
    total_label: str


def published(table: Table, *, exact: bool, summed: tuple[str, ...] | None = None) -> Sheet:
    """The table with small counts hidden unless `exact` (see reports.suppression).

    `summed`: the columns whose total row is the sum of the rows (all by default); a
    total of distinct persons is not, and links no cell to another."""
    values: dict[tuple[str, str], int] = {}
    labels = []
    for index, row in enumerate(table.rows):
        key = str(index)
        labels.append((key, row.label or _("Cartes sans convention")))
        for column in table.columns:
            values[(key, column)] = row.value(column)
    for column in table.columns:
        values[(TOTAL, column)] = table.total.value(column)
    if exact:
        shown: dict[tuple[str, str], Shown] = dict(values)
    else:
        counts = {cell for cell in values if ALL[cell[1]].identifying}
        relations = grid_relations(
            rows=[key for key, _label in labels],
            total=TOTAL,
            columns=list(table.columns if summed is None else summed),
        )
        shown = suppress(values, relations=relations, counts=counts)
    hidden = any(isinstance(value, str) for value in shown.values())
    return Sheet(
        title=table.title,
        first="",
        columns=table.columns,
        rows=[
            (label, {column: shown[(key, column)] for column in table.columns})
            for key, label in labels
        ],
        total={column: shown[(TOTAL, column)] for column in table.columns},
        hidden=hidden,
        total_label=table.total.label if table.total.label != "Total" else _("Total"),
    )


def _table_of(export: Export, scope: Scope) -> tuple[Table, str]:
    report = export.report
    assert report is not None
    if export.table == "services":
        return selectors.services_overview(report, scope), _("Service")
    if export.table == "conventions":
        return selectors.conventions_passes(report, scope), _("Convention")
    assert export.service is not None
    return selectors.service_table(report, export.service, scope), _("Convention")


def _period(export: Export) -> str:
    if export.report is None:
        return str(export.year)
    return date_format(export.report.month, "F Y")


def _text(key: str, value: Shown) -> str:
    if isinstance(value, str):
        return value
    unit = ALL[key].unit
    if unit == Unit.CENTS:
        return number_format(Decimal(value) / 100, decimal_pos=2)
    if unit == Unit.GRAMS:
        return number_format(Decimal(value) / 1000, decimal_pos=1)
    return str(value)


def _legend(exact: bool) -> str:
    if exact:
        return _("Chiffres exacts, pour l'usage interne du réseau : à ne pas diffuser.")
    return _(
        "« <5 » : de 1 à 4. « x » : chiffre masqué pour qu'aucun « <5 » ne puisse se "
        "déduire des totaux."
    )


def _filename(export: Export, extension: str) -> str:
    parts = [
        "comptoir",
        _period_slug(export),
        export.table,
        slugify(export.partner.name if export.partner else "")
        or slugify(export.service.name if export.service else ""),
    ]
    return "-".join(p for p in parts if p)[:100] + f".{extension}"


def _period_slug(export: Export) -> str:
    return f"{export.report.month:%Y-%m}" if export.report else str(export.year)


def _build(export: Export, progress: Callable[[int], None]) -> tuple[bytes, str]:
    if export.table == "fead":
        return _fead(export, progress)
    scope = export_scope(export)
    if export.kind == Export.Kind.PDF:
        return _partner_pdf(export, scope, progress), _filename(export, "pdf")
    table, first = _table_of(export, scope)
    progress(40)
    sheet = published(table, exact=export.exact)
    progress(70)
    title = f"{_('Statistiques du mois')} · {_period(export)}"
    if export.kind == Export.Kind.CSV:
        return _csv(export, sheet, first, title), _filename(export, "csv")
    return _xlsx(export, sheet, first, title), _filename(export, "xlsx")


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
        return _xlsx(export, sheet, _("Service"), title), f"{filename}.xlsx"
    return _fead_pdf(export, sheet, title), f"{filename}.pdf"


def _pdf_start(title: str, subtitle: str, orientation: str = "portrait") -> Any:
    from fpdf import FPDF

    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(0, 7, subtitle, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    return pdf


def _fead_pdf(export: Export, sheet: Sheet, title: str) -> bytes:
    assert export.year is not None
    network = Organisation.objects.filter(kind=Organisation.Kind.NETWORK).first()
    # Landscape: a dozen columns of categories and quantities.
    pdf = _pdf_start(title, network.name if network else "Comptoir", "landscape")
    pdf.multi_cell(
        0,
        5,
        _(
            "Personnes aidées du 1er janvier au 31 décembre %(year)s, comptées une fois "
            "chacune à partir des passages réels ; une personne compte dans chaque catégorie "
            "qui la concerne. Quantités : colis donnés, repas servis, kilos de denrées "
            "(dont celles de lots de l'aide européenne). Établi le %(on)s."
        )
        % {"year": export.year, "on": date_format(timezone.localdate(), "j F Y")},
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    _pdf_table(pdf, _("Par service"), _("Service"), sheet)
    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(0, 4, _legend(export.exact), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _header(sheet: Sheet, first: str) -> list[str]:
    return [first] + [str(ALL[c].label) for c in sheet.columns]


def _csv(export: Export, sheet: Sheet, first: str, title: str) -> bytes:
    out = io.StringIO()
    # Semicolons: what spreadsheets in Belgium and France open without asking.
    writer = csv.writer(out, delimiter=";")
    writer.writerow([title])
    writer.writerow(_header(sheet, first))
    for label, values in sheet.rows:
        writer.writerow([label] + [_text(c, values[c]) for c in sheet.columns])
    writer.writerow([sheet.total_label] + [_text(c, sheet.total[c]) for c in sheet.columns])
    writer.writerow([])
    writer.writerow([_legend(export.exact)])
    # A byte-order mark, so that Excel reads the accents as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx(export: Export, sheet: Sheet, first: str, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    page = book.active
    assert page is not None
    page.title = _period_slug(export)
    page.append([title])
    page["A1"].font = Font(bold=True, size=13)
    page.append(_header(sheet, first))
    for cell in page[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True)

    def cells(values: dict[str, Shown]) -> list[Any]:
        row: list[Any] = []
        for column in sheet.columns:
            value = values[column]
            unit = ALL[column].unit
            if isinstance(value, str):
                row.append(value)
            elif unit == Unit.CENTS:
                row.append(Decimal(value) / 100)
            elif unit == Unit.GRAMS:
                row.append(Decimal(value) / 1000)
            else:
                row.append(value)
        return row

    for label, values in sheet.rows:
        page.append([label, *cells(values)])
    page.append([sheet.total_label, *cells(sheet.total)])
    for cell in page[page.max_row]:
        cell.font = Font(bold=True)
    for index, column in enumerate(sheet.columns, start=2):
        unit = ALL[column].unit
        if unit in (Unit.CENTS, Unit.GRAMS):
            for (cell,) in page.iter_rows(min_row=3, min_col=index, max_col=index):
                cell.number_format = "#,##0.00" if unit == Unit.CENTS else "#,##0.0"
    page.column_dimensions["A"].width = 48
    page.append([])
    page.append([_legend(export.exact)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _months_before(month: date, count: int) -> list[date]:
    months = [month]
    while len(months) < count:
        months.insert(0, (months[0] - timedelta(days=1)).replace(day=1))
    return months


def partner_trend(
    partner_id: int, month: date, *, exact: bool, key: str = "visits_accepted"
) -> list[tuple[date, int | None]]:
    """Twelve months of the partner's total of `key`, each as its month's published table
    shows it: a hidden total is a gap, never a figure."""
    scope = Scope(partner_id=partner_id)
    points: list[tuple[date, int | None]] = []
    for each in _months_before(month, 12):
        report = selectors.report_latest(each)
        if report is None:
            points.append((each, None))
            continue
        shown = published(selectors.partner_services(report, scope), exact=exact).total[key]
        points.append((each, shown if isinstance(shown, int) else None))
    return points


def _partner_pdf(export: Export, scope: Scope, progress: Callable[[int], None]) -> bytes:
    from fpdf import FPDF

    assert export.partner is not None and export.report is not None
    report = export.report
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.cell(0, 9, _("Rapport mensuel"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 13)
    pdf.cell(0, 7, export.partner.name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    last_day = (report.month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    status = _("verrouillé") if report.is_locked else _("à relire")
    pdf.multi_cell(
        0,
        5,
        _(
            "Période : du %(first)s au %(last)s. Version %(version)s (%(status)s), établie le %(on)s."
        )
        % {
            "first": date_format(report.month, "j F Y"),
            "last": date_format(last_day, "j F Y"),
            "version": report.version,
            "status": status,
            "on": date_format(timezone.localdate(), "j F Y"),
        },
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    conventions = published(selectors.conventions_passes(report, scope), exact=export.exact)
    progress(30)
    _pdf_table(pdf, _("Par convention"), _("Convention"), conventions)
    services = published(selectors.partner_services(report, scope), exact=export.exact)
    progress(50)
    _pdf_table(pdf, _("Par comptoir"), _("Comptoir"), services)
    points = partner_trend(export.partner.pk, report.month, exact=export.exact)
    progress(80)
    title = _("Passages acceptés sur douze mois")
    pdf.ln(2)
    pdf.image(io.BytesIO(str(trend_svg(title, points)).encode()), w=180)
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(0, 4, _legend(export.exact), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _pdf_table(pdf: Any, title: str, first: str, sheet: Sheet) -> None:
    from fpdf.fonts import FontFace

    columns = sheet.columns
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 7)
    widths = (44,) + ((pdf.epw - 44) / max(len(columns), 1),) * len(columns)
    with pdf.table(
        col_widths=widths,
        text_align=("LEFT",) + ("RIGHT",) * len(columns),
        line_height=3.6,
        first_row_as_headings=True,
        # Narrow columns: headings a size smaller, so that words wrap whole.
        headings_style=FontFace(emphasis="BOLD", size_pt=6),
    ) as grid:
        grid.row(_header(sheet, first))
        for label, values in sheet.rows:
            grid.row([label] + [_text(c, values[c]) for c in columns])
        grid.row([sheet.total_label] + [_text(c, sheet.total[c]) for c in columns])
    pdf.ln(3)


__all__ = ["SMALL", "WITHHELD", "export_build", "export_request", "fead_request", "published"]
