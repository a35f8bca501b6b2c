"""The exports of a month: CSV, Excel and the partner's PDF of the seeded November,
small counts hidden in whatever leaves the network (exact figures for the coordinator
alone), refusals with their sentence, who may fetch a file, and the worker's part.

The seeded month is `tests.reports.seed`; its figures are worked out by hand in
test_compile. The attacker that checks the suppression is the one of test_suppression.
"""

import csv
import io
from datetime import date

import pypdfium2
import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from comptoir.tasks import _sender
from network.models import AuditEntry
from reports import documents, selectors
from reports.documents import partner_trend
from reports.exports import export_build, export_request
from reports.indicators import ALL
from reports.models import Export
from reports.publishing import month_shown, published, sheet_of
from reports.selectors import COMMON, Row, Scope, Table
from reports.services import ReportRefused, month_compile
from reports.suppression import SMALL, WITHHELD, grid_relations
from tests.factories import membership, user
from tests.reports.conftest import UNREACHABLE
from tests.reports.seed import NOVEMBER, at
from tests.reports.test_review_pages import signed_in, text_of
from tests.reports.test_suppression import assert_safe, counts_up_to

pytestmark = pytest.mark.django_db

OCTOBER = date(2026, 10, 1)
LEGEND = (
    "« <5 » : de 1 à 4. « x » : chiffre masqué pour qu'aucun « <5 » ne puisse se "
    "déduire des totaux."
)
EXACT_LEGEND = "Chiffres exacts, pour l'usage interne du réseau : à ne pas diffuser."
TITLE = "Statistiques du mois · novembre 2026"
CHART_TITLE = "Passages acceptés sur douze mois"


def built(actor, scope: Scope = selectors.NETWORK, **asked) -> Export:
    """An export asked for and built, as the worker would, read back from its row."""
    asked = {"kind": "csv", "month": NOVEMBER, "table": "services"} | asked
    export = export_request(actor=actor, scope=scope, **asked)
    export_build(str(export.pk))
    export.refresh_from_db()
    assert export.status == Export.Status.DONE, export.error
    return export


def csv_rows(export: Export) -> list[list[str]]:
    text = bytes(export.content).decode("utf-8")
    assert text.startswith("\ufeff")  # so that Excel reads the accents
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def xlsx_rows(export: Export) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(bytes(export.content))).active
    return [
        tuple(cell for cell in row if cell is not None) for row in sheet.iter_rows(values_only=True)
    ]


def pdf_pages(export: Export) -> list[str]:
    document = pypdfium2.PdfDocument(bytes(export.content))
    return [document[n].get_textpage().get_text_range() for n in range(len(document))]


ROW_LABELS = (
    "CPAS A · CONV-A",
    "Mutualité B · CONV-B",
    "Colis F · ",
    "Culture O · ",
    "Resto M · ",
    "Épicerie S · ",
    "Total ",
)


def table_lines(text: str) -> list[str]:
    """The PDF's table rows, a line each: a label and its figures."""
    return [line.strip() for line in text.splitlines() if line.startswith(ROW_LABELS)]


def chart_text(text: str) -> list[str]:
    """What the chart writes: its axis, its months and the value at each point."""
    after = text.split(CHART_TITLE, 1)[1]
    return after.split("« <5 »", 1)[0].split()


def assert_no_count_from_one_to_four(cells) -> None:
    for cell in cells:
        if cell in (SMALL, WITHHELD):
            continue
        assert not 1 <= int(cell) <= 4, f"{cell} published in {cells}"


# --- CSV, Excel and PDF of the seeded month -------------------------------------------


def test_the_csv_of_the_services_hides_counts_under_five_and_gives_the_legend(
    compiled, coordinator
):
    export = built(coordinator)

    rows = csv_rows(export)

    assert export.filename == "comptoir-2026-11-services.csv"
    assert rows == [
        [TITLE],
        [
            "Service",
            "Ménages servis",
            "Personnes atteintes",
            "Passages acceptés",
            "Passages refusés",
        ],
        # Exactly: Colis F 2, 5, 2, 1; Culture O 2, 5, 3, 1; Resto M 3, 9, 4, 0;
        # Épicerie S 3, 8, 3, 5. The refusals' total (7) would give 1 + 1 + 0 + 5 away.
        # Resto M's and Épicerie S's persons are withheld: the month is protected as a
        # whole, and the partners' own tables show their parts of those figures.
        ["Colis F", "<5", "5", "<5", "<5"],
        ["Culture O", "<5", "5", "<5", "<5"],
        ["Resto M", "<5", "x", "<5", "0"],
        ["Épicerie S", "<5", "x", "<5", "5"],
        ["Total", "10", "27", "12", "x"],
        [],
        [LEGEND],
    ]
    for row in rows[2:7]:
        assert_no_count_from_one_to_four(row[1:])


def test_the_csv_with_exact_figures_shows_every_count_and_says_it_stays_inside(
    compiled, coordinator
):
    rows = csv_rows(built(coordinator, exact=True))

    assert rows[2:] == [
        ["Colis F", "2", "5", "2", "1"],
        ["Culture O", "2", "5", "3", "1"],
        ["Resto M", "3", "9", "4", "0"],
        ["Épicerie S", "3", "8", "3", "5"],
        ["Total", "10", "27", "12", "7"],
        [],
        [EXACT_LEGEND],
    ]


def test_the_excel_of_the_shop_hides_counts_under_five_and_keeps_the_amounts(
    compiled, coordinator, november
):
    export = built(coordinator, kind="xlsx", table="service", service=november.shop)

    rows = xlsx_rows(export)

    assert export.filename == "comptoir-2026-11-service-epicerie-s.xlsx"
    assert rows[0] == (TITLE,)
    assert rows[1] == (
        "Convention",
        "Ménages servis",
        "Personnes atteintes",
        "Passages acceptés",
        "Passages refusés",
        "Ventes",
        "Valeur au prix du marché",
        "Payé par les ménages",
        "Aide apportée",
    )
    # Amounts in euros are never hidden: they count no one. The persons' total (8) is
    # withheld: with A's 5 shown, B's "<5" (3) would otherwise follow.
    assert rows[2:] == [
        ("CPAS A · CONV-A", "<5", 5, "<5", "<5", "<5", 5.9, 1.8, 4.1),
        ("Mutualité B · CONV-B", "<5", "<5", "<5", "<5", "<5", 7, 2, 5),
        ("Cartes sans convention", 0, 0, 0, "<5", 0, 0, 0, 0),
        ("Total", "<5", "x", "<5", 5, "<5", 12.9, 3.8, 9.1),
        (),
        (LEGEND,),
    ]
    for row in rows[2:6]:
        assert_no_count_from_one_to_four(row[1:6])
    sheet = load_workbook(io.BytesIO(bytes(export.content))).active
    assert sheet["G3"].number_format == "#,##0.00"


def test_the_excel_with_exact_figures_shows_every_count(compiled, coordinator, november):
    rows = xlsx_rows(
        built(coordinator, kind="xlsx", table="service", service=november.shop, exact=True)
    )

    assert rows[2:] == [
        ("CPAS A · CONV-A", 2, 5, 2, 2, 1, 5.9, 1.8, 4.1),
        ("Mutualité B · CONV-B", 1, 3, 1, 1, 1, 7, 2, 5),
        ("Cartes sans convention", 0, 0, 0, 2, 0, 0, 0, 0),
        ("Total", 3, 8, 3, 5, 2, 12.9, 3.8, 9.1),
        (),
        (EXACT_LEGEND,),
    ]


def test_the_partner_pdf_is_one_page_with_the_period_both_tables_a_chart_and_the_legend(
    compiled, coordinator, partner_a
):
    export = built(coordinator, kind="pdf", table="partner", partner=partner_a)

    pages = pdf_pages(export)

    assert export.filename == "comptoir-2026-11-partner-cpas-a.pdf"
    assert len(pages) == 1
    text = pages[0]
    lines = text.splitlines()
    assert lines[:3] == [
        "Rapport mensuel",
        "CPAS A",
        "Période : du 1 novembre 2026 au 30 novembre 2026. Version 1 (à relire), "
        "établie le 5 décembre 2026.",
    ]
    assert "Par convention" in lines and "Par comptoir" in lines
    assert table_lines(text) == [
        # Exactly 3, 7, 2, 0, 3, 1, 1, 0 and a quota of 10 (a setting: never hidden).
        "CPAS A · CONV-A <5 7 <5 0 <5 <5 <5 0 10",
        "Total <5 7 <5 0 <5 <5 <5 0 10",
        "Colis F · CONV-A <5 5 <5 <5",
        "Culture O · CONV-A <5 5 <5 <5",
        "Resto M · CONV-A <5 6 <5 0",
        "Épicerie S · CONV-A <5 5 <5 <5",
        # A's totals of households (8) and visits (10) are withheld: the network's
        # tables show 10 and 12, which would give B's "<5" (2 and 2) away.
        "Total x 21 x <5",
    ]
    for line in table_lines(text):
        assert_no_count_from_one_to_four(line.split()[-4:])
    assert "Mutualité B" not in text and "CONV-B" not in text
    # The chart: November's total is withheld, so it plots nothing (no month before it
    # was compiled): an axis and the months only.
    chart = chart_text(text)
    assert chart[:2] == ["0", "1"] and chart[2] == "Déc"
    assert "10" not in chart
    assert text.rstrip().endswith(LEGEND)


def test_the_partner_pdf_with_exact_figures_shows_every_count(compiled, coordinator, partner_a):
    export = built(coordinator, kind="pdf", table="partner", partner=partner_a, exact=True)

    text = pdf_pages(export)[0]

    assert table_lines(text) == [
        "CPAS A · CONV-A 3 7 2 0 3 1 1 0 10",
        "Total 3 7 2 0 3 1 1 0 10",
        "Colis F · CONV-A 2 5 2 1",
        "Culture O · CONV-A 2 5 3 1",
        "Resto M · CONV-A 2 6 3 0",
        "Épicerie S · CONV-A 2 5 2 2",
        "Total 8 21 10 4",
    ]
    assert text.rstrip().endswith(EXACT_LEGEND)


def test_a_partner_head_gets_their_own_pdf_with_small_counts_hidden(
    compiled, partner_head_a, partner_a, coordinator
):
    own = built(
        partner_head_a,
        Scope(partner_id=partner_a.pk),
        kind="pdf",
        table="partner",
        partner=partner_a,
    )
    theirs = built(coordinator, kind="pdf", table="partner", partner=partner_a)

    assert table_lines(pdf_pages(own)[0]) == table_lines(pdf_pages(theirs)[0])
    assert own.partner == partner_a and not own.exact


def test_a_manager_exports_the_table_of_their_own_service(compiled, manager_s, november):
    export = built(
        manager_s, Scope(service_id=november.shop.pk), table="service", service=november.shop
    )

    assert [row[:6] for row in csv_rows(export)[2:6]] == [
        ["CPAS A · CONV-A", "<5", "5", "<5", "<5", "<5"],
        ["Mutualité B · CONV-B", "<5", "<5", "<5", "<5", "<5"],
        ["Cartes sans convention", "0", "0", "0", "<5", "0"],
        ["Total", "<5", "x", "<5", "5", "<5"],
    ]


# --- the chart shows only what the month's table shows --------------------------------


def test_the_pdf_chart_leaves_a_gap_where_the_months_total_is_hidden(
    november, today, coordinator, partner_a, partner_b
):
    """October holds one meal of A's (at 23:30 on the 31st); B's November 2 visits. Both
    totals are "<5" in their month's table, so the chart has no point for them."""
    month_compile(month=OCTOBER, now=at(12, 1, 3))
    month_compile(month=NOVEMBER, now=at(12, 1, 3))

    hidden = {
        partner.name: dict(partner_trend(partner.pk, NOVEMBER, exact=False))
        for partner in (partner_a, partner_b)
    }
    exact = {
        partner.name: dict(partner_trend(partner.pk, NOVEMBER, exact=True))
        for partner in (partner_a, partner_b)
    }

    assert (exact["CPAS A"][OCTOBER], exact["CPAS A"][NOVEMBER]) == (1, 10)
    # A's November total (10) is withheld with the month protected as a whole (see the
    # partner PDF test): the chart leaves it out as its table does.
    assert (hidden["CPAS A"][OCTOBER], hidden["CPAS A"][NOVEMBER]) == (None, None)
    assert (exact["Mutualité B"][NOVEMBER], hidden["Mutualité B"][NOVEMBER]) == (2, None)
    for month in hidden["CPAS A"]:
        for partner in (partner_a, partner_b):
            report = selectors.report_latest(month)
            if report is None:
                continue
            table = selectors.partner_services(report, Scope(partner_id=partner.pk))
            month_figures = month_shown(report, exact=False)
            shown = sheet_of(table, "partner-services", Scope(partner_id=partner.pk), month_figures)
            shown = shown.total["visits_accepted"]
            point = hidden[partner.name][month]
            assert point == (shown if isinstance(shown, int) else None)
            assert point is None or not 1 <= point <= 4
    # In B's PDF the chart has an axis, its months and October's 0, not November's 2; in
    # A's, November's 10 and not October's 1. The exact PDFs show both.
    b_pdf = pdf_pages(built(coordinator, kind="pdf", table="partner", partner=partner_b))[0]
    assert "Total <5 6 <5 <5" in table_lines(b_pdf)
    charts = {
        (partner.name, exact): chart_text(
            pdf_pages(
                built(coordinator, kind="pdf", table="partner", partner=partner, exact=exact)
            )[0]
        )
        for partner in (partner_a, partner_b)
        for exact in (False, True)
    }
    assert "2" not in charts["Mutualité B", False]
    assert "2" in charts["Mutualité B", True]
    assert "10" not in charts["CPAS A", False]
    assert "1" in charts["CPAS A", True]
    assert "10" in charts["CPAS A", True]


# --- any small month's table -----------------------------------------------------------


@st.composite
def month_tables(draw: st.DrawFn) -> Table:
    """A table as the selectors make it: rows of counts (an amount column now and then),
    the total row their sum; now and then a row of cards no convention could be named for."""
    columns = draw(
        st.sampled_from(
            [
                COMMON,
                COMMON + ("sales", "sales_market_cents"),
                ("households", "persons", "meals", "vouchers_used"),
                ("households", "persons", "passes_issued", "passes_active", "quota"),
            ]
        )
    )
    counts = counts_up_to(draw(st.sampled_from([2, 8, 40])))
    rows = []
    for number in range(draw(st.integers(1, 5))):
        values = {
            key: draw(counts if ALL[key].identifying else st.integers(0, 10_000)) for key in columns
        }
        label = draw(st.sampled_from([f"Partenaire {number} · CONV-{number}", ""]))
        rows.append(Row(label=label, values=values))
    total = Row(label="Total", values={key: sum(row.value(key) for row in rows) for key in columns})
    return Table(title="", columns=columns, rows=rows, total=total)


@settings(
    max_examples=200,
    deadline=None,
    # The autouse clean-slate fixture is harmless to share between examples.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(month_tables())
def test_no_published_table_shows_a_small_count_or_lets_one_be_worked_out(table):
    sheet = published(table, exact=False)

    values: dict[tuple[str, str], int] = {}
    shown: dict[tuple[str, str], object] = {}
    keys = [str(number) for number in range(len(table.rows))]
    for key, row, (label, cells) in zip(keys, table.rows, sheet.rows, strict=True):
        assert label == (row.label or "Cartes sans convention")
        for column in table.columns:
            values[key, column], shown[key, column] = row.value(column), cells[column]
    for column in table.columns:
        values["total", column], shown["total", column] = (
            table.total.value(column),
            sheet.total[column],
        )
    counts = {cell for cell in values if ALL[cell[1]].identifying}
    for cell, mark in shown.items():
        assert not (cell in counts and isinstance(mark, int) and 1 <= mark <= 4), cell
    assert sheet.hidden == any(isinstance(mark, str) for mark in shown.values())
    relations = grid_relations(rows=keys, total="total", columns=list(table.columns))
    assert_safe(values, shown, relations, counts)


# --- refusals --------------------------------------------------------------------------


@pytest.fixture
def refused(db):
    """The refusal of an export asked for, once nothing was created."""

    def ask(actor, scope: Scope = selectors.NETWORK, **asked) -> ReportRefused:
        asked = {"kind": "csv", "month": NOVEMBER, "table": "services"} | asked
        with pytest.raises(ReportRefused) as refusal:
            export_request(actor=actor, scope=scope, **asked)
        assert not Export.objects.exists()
        assert not AuditEntry.objects.filter(action="statistics.export").exists()
        return refusal.value

    return ask


def test_an_export_of_a_month_in_the_future_is_refused(compiled, coordinator, refused):
    refusal = refused(coordinator, month=date(2027, 1, 1))

    assert refusal.code == "month_in_future"
    assert refusal.message == (
        "Le mois 01/2027 n'a pas encore commencé : ses chiffres n'existent pas."
    )


def test_an_export_of_a_month_never_compiled_is_refused(compiled, coordinator, refused):
    refusal = refused(coordinator, month=OCTOBER)

    assert refusal.code == "not_compiled"
    assert refusal.message == (
        "Les chiffres de ce mois n'ont pas encore été calculés : calculez-les d'abord."
    )


def test_a_partner_head_may_not_export_another_partners_pdf(
    compiled, partner_head_a, partner_a, partner_b, refused
):
    refusal = refused(
        partner_head_a,
        Scope(partner_id=partner_a.pk),
        kind="pdf",
        table="partner",
        partner=partner_b,
    )

    assert refusal.code == "export_forbidden"
    assert refusal.message == (
        "Vous ne pouvez exporter que les chiffres de votre propre service partenaire."
    )


def test_a_partner_head_posting_another_partners_id_gets_the_sentence_and_no_export(
    compiled, partner_head_a, partner_b
):
    back = reverse("reports:month") + "?month=2026-11"

    page = signed_in(partner_head_a).post(
        reverse("reports:export-request"),
        {
            "kind": "pdf",
            "table": "partner",
            "month": "2026-11",
            "partner": partner_b.pk,
            "back": back,
        },
        follow=True,
    )

    assert page.redirect_chain == [(back, 302)]
    assert (
        "Vous ne pouvez exporter que les chiffres de votre propre service partenaire."
        in text_of(page)
    )
    assert not Export.objects.exists()


@pytest.mark.parametrize("persona", ["partner_head_a", "manager_s"])
def test_only_the_coordinator_may_ask_for_exact_figures(
    compiled, november, persona, request, refused
):
    person = request.getfixturevalue(persona)
    if persona == "manager_s":
        scope = Scope(service_id=november.shop.pk)
    else:
        scope = Scope(partner_id=november.convention_a.partner_id)

    refusal = refused(person, scope, table="service", service=november.shop, exact=True)

    assert refusal.code == "exact_not_allowed"
    assert refusal.message == "Seule la coordination peut exporter les chiffres exacts."
    page = signed_in(person).post(
        reverse("reports:export-request"),
        {
            "kind": "csv",
            "table": "service",
            "month": "2026-11",
            "service": november.shop.pk,
            "exact": "1",
        },
        follow=True,
    )
    assert "Seule la coordination peut exporter les chiffres exacts." in text_of(page)
    assert not Export.objects.exists()


@pytest.mark.parametrize(
    "asked",
    [{"table": "service", "service": "food_aid"}, {"table": "services"}, {"table": "conventions"}],
    ids=["another_service", "every_service", "every_convention"],
)
def test_a_manager_may_export_only_the_table_of_their_own_service(
    compiled, manager_s, november, refused, asked
):
    if "service" in asked:
        asked = asked | {"service": november.food_aid}

    refusal = refused(manager_s, Scope(service_id=november.shop.pk), **asked)

    assert refusal.code == "export_forbidden"
    assert refusal.message == "Vous ne pouvez exporter que les chiffres de votre propre service."


@pytest.mark.parametrize(
    ("asked", "sentence"),
    [
        ({"kind": "docx"}, "Ce format ou ce tableau n'existe pas."),
        ({"table": "households"}, "Ce format ou ce tableau n'existe pas."),
        (
            {"kind": "pdf"},
            "Le rapport PDF se fait pour un service partenaire ; les tableaux en CSV ou Excel.",
        ),
        (
            {"table": "partner"},
            "Le rapport PDF se fait pour un service partenaire ; les tableaux en CSV ou Excel.",
        ),
        ({"kind": "pdf", "table": "partner"}, None),  # a PDF of no partner
        ({"table": "service"}, "Choisissez le service collectif du tableau."),
    ],
    ids=["kind", "table", "pdf_of_a_table", "csv_of_a_partner", "pdf_of_nobody", "no_service"],
)
def test_a_wrong_kind_or_table_is_refused_as_invalid(
    compiled, coordinator, refused, asked, sentence
):
    refusal = refused(coordinator, **asked)

    assert refusal.code == "export_invalid"
    assert refusal.message == (
        sentence
        or "Le rapport PDF se fait pour un service partenaire ; les tableaux en CSV ou Excel."
    )


# --- who may fetch an export -------------------------------------------------------------


def test_an_export_is_shown_and_given_only_to_the_person_who_asked_for_it(
    compiled, coordinator, network_org, partner_head_a, manager_s, volunteer_s
):
    export = built(coordinator)
    page = reverse("reports:export", args=[export.pk])
    download = reverse("reports:export-download", args=[export.pk])
    other_coordinator = membership(user("coord.2"), network_org, "coordinator").user

    for person in (other_coordinator, partner_head_a, manager_s):
        client = signed_in(person)
        assert client.get(page).status_code == 404
        assert client.get(download).status_code == 404
    client = signed_in(volunteer_s)
    assert client.get(page).status_code == 403
    assert client.get(download).status_code == 403

    own = signed_in(coordinator)
    assert own.get(page).status_code == 200
    file = own.get(download)
    assert file.status_code == 200
    assert file["Content-Type"] == "text/csv; charset=utf-8"
    assert file["Content-Disposition"] == 'attachment; filename="comptoir-2026-11-services.csv"'
    assert file.content == bytes(export.content)


def test_the_file_is_offered_only_once_it_is_built(compiled, coordinator):
    export = export_request(
        actor=coordinator, scope=selectors.NETWORK, kind="csv", month=NOVEMBER, table="services"
    )
    client = signed_in(coordinator)
    page = reverse("reports:export", args=[export.pk])
    download = reverse("reports:export-download", args=[export.pk])

    waiting = client.get(page, headers={"HX-Request": "true"})
    assert waiting.content.decode().lstrip().startswith('<section class="panel" id="export-status"')
    assert 'hx-trigger="every 1s"' in waiting.content.decode()
    assert "En attente…" in text_of(waiting)
    assert "Télécharger" not in text_of(waiting)
    assert client.get(download).status_code == 404

    export_build(str(export.pk))

    done = client.get(page, headers={"HX-Request": "true"})
    assert "Télécharger comptoir-2026-11-services.csv" in text_of(done)
    assert "hx-trigger" not in done.content.decode()  # the page stops asking
    assert client.get(download).status_code == 200


def test_an_export_is_audited_with_who_asked_what(compiled, coordinator, partner_a):
    export = export_request(
        actor=coordinator,
        scope=selectors.NETWORK,
        kind="pdf",
        month=NOVEMBER,
        table="partner",
        partner=partner_a,
        exact=True,
    )

    entry = AuditEntry.objects.get(action="statistics.export")
    assert (entry.actor, entry.organisation, entry.target_id) == (
        coordinator,
        partner_a,
        str(compiled.pk),
    )
    assert entry.detail == {
        "export": str(export.pk),
        "kind": "pdf",
        "table": "partner",
        "exact": True,
    }


# --- the worker ------------------------------------------------------------------------


def test_building_an_export_twice_leaves_the_first_file(compiled, coordinator, partner_a):
    from worker.tasks import export_build as task

    export = export_request(
        actor=coordinator,
        scope=selectors.NETWORK,
        kind="pdf",
        month=NOVEMBER,
        table="partner",
        partner=partner_a,
    )

    first = task(str(export.pk))
    export.refresh_from_db()
    content, finished_at = bytes(export.content), export.finished_at
    second = task(str(export.pk))

    assert first == f"comptoir-2026-11-partner-cpas-a.pdf: {len(content)} bytes"
    assert second == f"export {export.pk} already taken"
    export.refresh_from_db()
    assert (export.status, export.progress) == ("done", 100)
    assert (bytes(export.content), export.finished_at) == (content, finished_at)


def test_a_failed_build_records_the_error_and_the_page_says_so(
    compiled, coordinator, partner_a, monkeypatch, tmp_path
):
    """The PDF's fonts missing from the deployment, say."""
    monkeypatch.setattr(documents, "FONT_DIR", tmp_path / "no-fonts")
    export = export_request(
        actor=coordinator,
        scope=selectors.NETWORK,
        kind="pdf",
        month=NOVEMBER,
        table="partner",
        partner=partner_a,
    )

    with pytest.raises(FileNotFoundError):
        export_build(str(export.pk))

    export.refresh_from_db()
    assert export.status == "failed"
    assert export.error.startswith("FileNotFoundError:")
    assert "DejaVuSans.ttf" in export.error
    assert export.content is None and export.finished_at is not None
    client = signed_in(coordinator)
    page = client.get(reverse("reports:export", args=[export.pk]))
    assert "L'export a échoué" in text_of(page)
    assert "hx-trigger" not in page.content.decode()
    assert client.get(reverse("reports:export-download", args=[export.pk])).status_code == 404


def test_with_the_broker_down_the_file_is_built_in_the_request(
    compiled, coordinator, partner_a, broker
):
    broker(UNREACHABLE)

    page = signed_in(coordinator).post(
        reverse("reports:export-request"),
        {"kind": "pdf", "table": "partner", "month": "2026-11", "partner": partner_a.pk},
        follow=True,
    )

    export = Export.objects.get()
    assert page.redirect_chain == [(reverse("reports:export", args=[export.pk]), 302)]
    assert export.status == "done" and export.requested_by == coordinator
    assert "Télécharger comptoir-2026-11-partner-cpas-a.pdf" in text_of(page)


def test_an_export_is_queued_for_the_worker_and_the_page_follows_it(
    compiled, coordinator, partner_a, broker
):
    from worker.tasks import export_build as task

    broker("memory://")
    client = signed_in(coordinator)

    response = client.post(
        reverse("reports:export-request"),
        {"kind": "pdf", "table": "partner", "month": "2026-11", "partner": partner_a.pk},
    )

    export = Export.objects.get()
    assert response["Location"] == reverse("reports:export", args=[export.pk])
    assert export.status == "queued"
    with _sender().connection_for_read() as connection:
        message = connection.SimpleQueue("celery").get(timeout=1)
    assert message.headers["task"] == "worker.tasks.export_build"
    assert message.payload[0] == [str(export.pk)]
    message.ack()
    assert "En attente…" in text_of(client.get(response["Location"]))

    task(*message.payload[0])  # what the worker does with the message

    assert "Télécharger comptoir-2026-11-partner-cpas-a.pdf" in text_of(
        client.get(response["Location"])
    )


# --- the month's tables laid side by side -------------------------------------------------


def test_the_months_tables_laid_side_by_side_give_no_hidden_count_away(compiled):
    """The network's table of services minus a partner's table of its counters gave the
    other partner's figures when each table was protected alone. Every sum any table of
    the month shows is a relation of one decision; an attacker who knows them all still
    cannot pin a hidden count."""
    from reports.indicators import ALL
    from reports.models import Figure
    from reports.publishing import _month_cells
    from tests.reports.test_suppression import assert_safe

    report = compiled
    shown = month_shown(report, exact=False).shown
    indicators = set(
        Figure.objects.filter(report=report, detail="").values_list("indicator", flat=True)
    )
    checked = 0
    for indicator in sorted(i for i in indicators if i in ALL and ALL[i].identifying):
        rows = list(
            Figure.objects.filter(report=report, detail="", indicator=indicator).values_list(
                "convention_id", "convention__partner_id", "service_id", "value"
            )
        )
        values, relations = _month_cells(rows)
        decided = {key: shown[(*key, indicator)] for key in values}
        assert_safe(values, decided, relations, set(values))
        checked += 1
    assert checked >= 10


def test_a_build_whose_worker_died_or_that_failed_is_taken_again_by_the_next_try(
    compiled, coordinator
):
    from datetime import timedelta

    from django.utils import timezone

    died = export_request(
        actor=coordinator, scope=selectors.NETWORK, kind="csv", month=NOVEMBER, table="services"
    )
    Export.objects.filter(pk=died.pk).update(
        status=Export.Status.RUNNING, started_at=timezone.now() - timedelta(minutes=5)
    )
    assert "already taken" in export_build(str(died.pk))  # still building elsewhere

    Export.objects.filter(pk=died.pk).update(started_at=timezone.now() - timedelta(hours=1))
    export_build(str(died.pk))
    died.refresh_from_db()
    assert died.status == Export.Status.DONE and died.content

    failed = export_request(
        actor=coordinator, scope=selectors.NETWORK, kind="csv", month=NOVEMBER, table="services"
    )
    Export.objects.filter(pk=failed.pk).update(status=Export.Status.FAILED, error="OSError")
    export_build(str(failed.pk))
    failed.refresh_from_db()
    assert (failed.status, failed.error) == (Export.Status.DONE, "")
