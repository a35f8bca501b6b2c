"""The yearly EU food-aid report: its figures against an independent count in Python,
its files, and its refusals."""

import io
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pypdfium2 as pdfium
import pytest
import time_machine
from openpyxl import load_workbook

from counter.models import Visit
from foodaid.models import Distribution, DistributionLine
from network.models import AuditEntry
from passes.selectors import persons_reached
from reports import selectors
from reports.exports import export_build, fead_request
from reports.fead import FOOD_KINDS, fead_year
from reports.models import Export
from reports.selectors import Scope
from reports.services import ReportRefused
from tests.reports.seed import at

pytestmark = pytest.mark.django_db

CATEGORIES = {
    "persons": "persons",
    "persons_women": "women",
    "persons_children": "children",
    "persons_seniors": "seniors",
    "persons_with_disability": "with_disability",
    "persons_foreign_background": "foreign_background",
    "persons_homeless": "homeless",
}


def expected_persons(year: int) -> tuple[dict[int, dict[str, int]], dict[str, int]]:
    """The same figures counted another way: each household served at a food service,
    once per service and once for the network, through `persons_reached` (the rule the
    counter and the parcels use), not through the report's SQL."""
    households: dict[int | None, set] = defaultdict(set)
    visits = Visit.objects.filter(
        at__year=year,
        accepted=True,
        undone_at__isnull=True,
        service__service_kind__in=FOOD_KINDS,
    ).select_related("access_pass__household", "voucher__household")
    for visit in visits:
        household = visit.access_pass.household if visit.access_pass else visit.voucher.household
        if household is None:
            continue
        households[visit.service_id].add(household)
        households[None].add(household)

    def counted(group: set) -> dict[str, int]:
        totals = {"households": len(group)} | dict.fromkeys(CATEGORIES, 0)
        for household in group:
            reached = persons_reached(household, date(year, 12, 31))
            for key, attribute in CATEGORIES.items():
                totals[key] += getattr(reached, attribute) or 0
        return totals

    network = counted(households.pop(None, set()))
    return {pk: counted(group) for pk, group in households.items()}, network


def test_the_years_persons_match_an_independent_count_and_the_network_counts_each_once(
    november,
):
    figures = fead_year(2026)
    by_service, network = expected_persons(2026)

    assert by_service  # the seeded month served households at food services
    for service_id, expected in by_service.items():
        got = {key: figures.services[service_id].get(key, 0) for key in expected}
        assert got == expected, service_id
    assert {key: figures.network[key] for key in network} == network
    # A household seen at two services counts once for the network.
    assert network["households"] < sum(e["households"] for e in by_service.values())


def test_the_years_quantities_are_the_parcels_left_the_meals_and_the_kilos(november):
    figures = fead_year(2026)

    net: dict[int, Decimal] = defaultdict(Decimal)
    for line in DistributionLine.objects.filter(distribution__at__year=2026):
        distribution = line.distribution
        net[distribution.corrects_id or distribution.pk] += line.quantity
    parcels: dict[int, int] = defaultdict(int)
    for parcel_id, quantity in net.items():
        if quantity > 0:
            parcels[Distribution.objects.get(pk=parcel_id).service_id] += 1
    meals: dict[int, int] = defaultdict(int)
    for visit in Visit.objects.filter(
        at__year=2026, accepted=True, undone_at__isnull=True, service__service_kind="restaurant"
    ):
        meals[visit.service_id] += visit.units

    for service_id, count in parcels.items():
        assert figures.services[service_id]["parcels"] == count
    for service_id, count in meals.items():
        assert figures.services[service_id]["meals"] == count
    assert figures.network["parcels"] == sum(parcels.values())
    assert figures.network["meals"] == sum(meals.values())


def test_the_report_is_built_as_excel_and_pdf_with_small_counts_hidden(november, coordinator):
    with time_machine.travel(at(12, 5, 9), tick=False):
        xlsx = fead_request(actor=coordinator, scope=selectors.NETWORK, kind="xlsx", year=2026)
        pdf = fead_request(actor=coordinator, scope=selectors.NETWORK, kind="pdf", year=2026)
        export_build(str(xlsx.pk))
        export_build(str(pdf.pk))
    xlsx.refresh_from_db()
    pdf.refresh_from_db()

    assert (xlsx.filename, pdf.filename) == (
        "comptoir-aide-alimentaire-ue-2026.xlsx",
        "comptoir-aide-alimentaire-ue-2026.pdf",
    )
    rows = list(load_workbook(io.BytesIO(bytes(xlsx.content))).active.iter_rows(values_only=True))
    assert rows[0][0] == "Aide alimentaire européenne (FEAD / FSE+) · rapport 2026"
    assert rows[1][:3] == ("Service", "Ménages servis", "Personnes atteintes")
    network_row = next(row for row in rows if row[0] == "Réseau (personnes distinctes)")
    for row in rows[2:]:
        for cell in row[1:9]:
            assert not (isinstance(cell, int) and 1 <= cell <= 4), row
    assert network_row[1] in ("<5", "x") or network_row[1] >= 5
    text = pdfium.PdfDocument(io.BytesIO(bytes(pdf.content)))[0].get_textpage().get_text_range()
    assert "rapport 2026" in text and "Réseau (personnes distinctes)" in text
    assert AuditEntry.objects.filter(action="statistics.export").count() == 2


def test_only_the_coordinators_prepare_the_yearly_report(
    november, partner_head_a, partner_a, client
):
    with pytest.raises(ReportRefused) as refused:
        fead_request(
            actor=partner_head_a, scope=Scope(partner_id=partner_a.pk), kind="pdf", year=2026
        )
    assert refused.value.code == "export_forbidden"
    assert "seule la coordination" in refused.value.message

    client.force_login(partner_head_a)
    response = client.post("/network/statistics/eu-food-aid/", {"kind": "pdf", "year": "2026"})
    assert response.status_code == 403
    assert not Export.objects.exists()


@pytest.mark.parametrize(
    ("kind", "year", "code"),
    [("pdf", 2027, "year_invalid"), ("csv", 2026, "export_invalid"), ("pdf", 1999, "year_invalid")],
)
def test_a_year_not_begun_or_a_format_it_does_not_come_in_is_refused(coordinator, kind, year, code):
    with time_machine.travel(at(12, 5, 9), tick=False), pytest.raises(ReportRefused) as refused:
        fead_request(actor=coordinator, scope=selectors.NETWORK, kind=kind, year=year)
    assert refused.value.code == code
    assert not Export.objects.exists()


def test_the_coordinator_asks_for_the_report_from_the_page_and_gets_its_export(
    november, coordinator, client, settings
):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # no worker: built in the request
    from comptoir import tasks

    tasks._sender.cache_clear()
    client.force_login(coordinator)
    try:
        response = client.post("/network/statistics/eu-food-aid/", {"kind": "xlsx", "year": "2026"})
    finally:
        tasks._sender.cache_clear()

    export = Export.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/network/statistics/exports/{export.pk}/"
    assert export.status == Export.Status.DONE and export.year == 2026
