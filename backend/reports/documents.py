"""The files exports are made of: CSV, Excel and PDF, from sheets already decided.

Nothing here decides what is hidden (`reports.publishing` does); each function lays
out the figures it is given, in the reader's language.
"""

import csv
import io
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from network.models import Organisation
from reports import selectors
from reports.charts import trend_svg
from reports.indicators import ALL, Unit
from reports.models import Export
from reports.publishing import Sheet, month_shown, sheet_of
from reports.selectors import Scope
from reports.suppression import Shown

FONT_DIR = Path(settings.ROOT_DIR) / "frontend" / "static" / "vendor" / "fonts"


def period_slug(export: Export) -> str:
    return f"{export.report.month:%Y-%m}" if export.report else str(export.year)


def figure_text(key: str, value: Shown) -> str:
    if isinstance(value, str):
        return value
    unit = ALL[key].unit
    if unit == Unit.CENTS:
        return number_format(Decimal(value) / 100, decimal_pos=2)
    if unit == Unit.GRAMS:
        return number_format(Decimal(value) / 1000, decimal_pos=1)
    return str(value)


def legend(exact: bool) -> str:
    if exact:
        return _("Chiffres exacts, pour l'usage interne du réseau : à ne pas diffuser.")
    return _(
        "« <5 » : de 1 à 4. « x » : chiffre masqué pour qu'aucun « <5 » ne puisse se "
        "déduire des totaux."
    )


def pdf_start(title: str, subtitle: str, orientation: str = "portrait") -> Any:
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


def fead_pdf(export: Export, sheet: Sheet, title: str) -> bytes:
    assert export.year is not None
    network = Organisation.objects.filter(kind=Organisation.Kind.NETWORK).first()
    # Landscape: a dozen columns of categories and quantities.
    pdf = pdf_start(title, network.name if network else "Comptoir", "landscape")
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
    pdf_table(pdf, _("Par service"), _("Service"), sheet)
    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(0, 4, legend(export.exact), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def header_row(sheet: Sheet, first: str) -> list[str]:
    return [first] + [str(ALL[c].label) for c in sheet.columns]


def csv_document(export: Export, sheet: Sheet, first: str, title: str) -> bytes:
    out = io.StringIO()
    # Semicolons: what spreadsheets in Belgium and France open without asking.
    writer = csv.writer(out, delimiter=";")
    writer.writerow([title])
    writer.writerow(header_row(sheet, first))
    for label, values in sheet.rows:
        writer.writerow([label] + [figure_text(c, values[c]) for c in sheet.columns])
    writer.writerow([sheet.total_label] + [figure_text(c, sheet.total[c]) for c in sheet.columns])
    writer.writerow([])
    writer.writerow([legend(export.exact)])
    # A byte-order mark, so that Excel reads the accents as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_document(export: Export, sheet: Sheet, first: str, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    page = book.active
    assert page is not None
    page.title = period_slug(export)
    page.append([title])
    page["A1"].font = Font(bold=True, size=13)
    page.append(header_row(sheet, first))
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
    page.append([legend(export.exact)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def months_before(month: date, count: int) -> list[date]:
    months = [month]
    while len(months) < count:
        months.insert(0, (months[0] - timedelta(days=1)).replace(day=1))
    return months


def partner_trend(
    partner_id: int, month: date, *, exact: bool, key: str = "visits_accepted"
) -> list[tuple[date, int | None]]:
    """Twelve months of the partner's total of `key`, each as its month's published table
    shows it: a hidden total is a gap, never a figure."""
    points: list[tuple[date, int | None]] = []
    for each in months_before(month, 12):
        report = selectors.report_latest(each)
        if report is None:
            points.append((each, None))
            continue
        shown = month_shown(report, exact=exact).get(("partner", partner_id), key)
        points.append((each, shown if isinstance(shown, int) else None))
    return points


def partner_pdf(export: Export, scope: Scope, progress: Callable[[int], None]) -> bytes:
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
    month = month_shown(report, exact=export.exact)
    progress(30)
    conventions = sheet_of(selectors.conventions_passes(report, scope), "conventions", scope, month)
    pdf_table(pdf, _("Par convention"), _("Convention"), conventions)
    services = sheet_of(selectors.partner_services(report, scope), "partner-services", scope, month)
    progress(50)
    pdf_table(pdf, _("Par comptoir"), _("Comptoir"), services)
    points = partner_trend(export.partner.pk, report.month, exact=export.exact)
    progress(80)
    title = _("Passages acceptés sur douze mois")
    pdf.ln(2)
    pdf.image(io.BytesIO(str(trend_svg(title, points)).encode()), w=180)
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(0, 4, legend(export.exact), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def pdf_table(pdf: Any, title: str, first: str, sheet: Sheet) -> None:
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
        grid.row(header_row(sheet, first))
        for label, values in sheet.rows:
            grid.row([label] + [figure_text(c, values[c]) for c in columns])
        grid.row([sheet.total_label] + [figure_text(c, sheet.total[c]) for c in columns])
    pdf.ln(3)
