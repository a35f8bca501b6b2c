"""In a real browser, the month's statistics: a coordinator picks a month, opens a service
and a convention's drill-down, asks for a partner's PDF, follows its progress and
downloads it; a partner head sees their own conventions and gets their own PDF.

The month is the seeded November 2026 of the reports' tests (`tests.reports.seed`),
compiled before the browser opens. The e2e live server has no worker: the coordinator's
request is queued on kombu's in-memory broker and the test plays the worker (it takes
the message and runs `worker.tasks.export_build` with its arguments) while the page
polls; the partner head's is made with the broker unreachable, so the view builds the
file in the request. Each step, and the PDF's first page, is saved under test-artifacts/.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pypdfium2
import pytest
from playwright.sync_api import expect

from comptoir.tasks import _sender
from reports.models import Export
from reports.services import month_compile
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers_counter import console_errors_watch
from tests.e2e.helpers_passes import (
    assert_no_csp_errors,
    log_in,
    pass_keys,  # noqa: F401  (fixture)
)
from tests.reports.seed import NOVEMBER, month_seed

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("pass_keys"),
]

OCTOBER = date(2026, 10, 1)
UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def november(
    service_s, partner_a, partner_b, social_worker_a, social_worker_b, volunteer_s, manager_s
):
    """The seeded month and the one before, both compiled (October holds one meal)."""
    month = month_seed(
        service_s=service_s,
        partner_a=partner_a,
        partner_b=partner_b,
        social_worker_a=social_worker_a,
        social_worker_b=social_worker_b,
        volunteer_s=volunteer_s,
        manager_s=manager_s,
    )
    month_compile(month=OCTOBER)
    month_compile(month=NOVEMBER)
    return month


@pytest.fixture
def broker(settings):
    """The web app's sender pointed at a broker URL (the live server runs in this process)."""

    def use(url: str) -> None:
        settings.CELERY_BROKER_URL = url
        settings.CELERY_RESULT_BACKEND = None
        _sender.cache_clear()

    yield use
    _sender.cache_clear()


def month_pick(page, month: str) -> None:
    """Type the month into the picker and show it: htmx swaps the page's body."""
    page.fill("#month-field", month)
    with page.expect_response(lambda r: f"month={month}" in r.url) as answer:
        page.click(".month-picker button")
    assert answer.value.request.headers.get("hx-request") == "true"
    assert answer.value.status == 200


def worker_takes_the_export() -> str:
    """What the worker does: take the queued message, run the task with its arguments."""
    from worker.tasks import export_build

    with _sender().connection_for_read() as connection:
        message = connection.SimpleQueue("celery").get(timeout=5)
    assert message.headers["task"] == "worker.tasks.export_build"
    message.ack()
    return export_build(*message.payload[0])


def pdf_first_page(content: bytes, name: str) -> tuple[str, Path]:
    """The PDF saved, its first page's text, and that page as a PNG."""
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(content)
    document = pypdfium2.PdfDocument(content)
    first = document[0]
    image = ARTIFACTS / f"{name}-page-1.png"
    first.render(scale=2).to_pil().save(image)
    return first.get_textpage().get_text_range(), image


def download(page):
    with page.expect_download() as started:
        page.get_by_role("link", name=re.compile("^Télécharger")).click()
    return started.value


def test_a_coordinator_reviews_a_month_drills_down_and_downloads_a_partners_pdf(
    page, live_server, november, coordinator, broker, screenshot
):
    broker("memory://")
    errors = console_errors_watch(page)
    log_in(page, live_server.url, "coord", "coordinator")

    page.get_by_role("link", name=re.compile("^Relire ")).click()
    expect(page.locator("h1")).to_contain_text("Statistiques du mois")
    screenshot(page, "statistics-01-month-opened")

    month_pick(page, "2026-10")
    expect(page.locator("h1")).to_have_text("Statistiques du mois · octobre 2026")
    assert page.url.endswith("month=2026-10")
    screenshot(page, "statistics-02-october-picked")
    month_pick(page, "2026-11")
    expect(page.locator("h1")).to_have_text("Statistiques du mois · novembre 2026")
    assert page.url.endswith("month=2026-11")
    expect(page.locator("#month-field")).to_have_value("2026-11")
    overview = page.locator("section.panel", has_text="Par service collectif")
    expect(overview.locator("tbody tr")).to_have_count(4)
    expect(overview.locator("tfoot")).to_contain_text("27")  # persons reached
    screenshot(page, "statistics-03-november-picked")

    overview.get_by_role("link", name="Épicerie S").click()
    expect(page.locator("h1")).to_have_text("Épicerie S · novembre 2026")
    rows = page.locator("table.stats-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(2)).to_contain_text("Cartes sans convention (illisibles, inconnues)")
    screenshot(page, "statistics-04-service")

    page.get_by_role("link", name="CPAS A · CONV-A").click()
    expect(page.locator("h1")).to_have_text("CPAS A · CONV-A · novembre 2026")
    weeks = page.locator("section.panel", has_text="Passages acceptés par semaine")
    expect(weeks.locator("thead")).to_contain_text("sem. du 26 Oct")
    expect(weeks.locator("thead")).to_contain_text("sem. du 30 Nov")
    refusals = page.locator("section.panel", has_text="Refus par motif")
    for reason in (
        "Déjà servi",
        "Accès suspendu",
        "Colis déjà donné",
        "Montant au-delà du plafond",
    ):
        expect(refusals.locator("thead")).to_contain_text(reason)
    screenshot(page, "statistics-05-convention-drill-down")

    page.go_back()
    expect(page.locator("h1")).to_have_text("Épicerie S · novembre 2026")
    page.locator(".breadcrumb a").click()
    expect(page.locator("h1")).to_have_text("Statistiques du mois · novembre 2026")

    pdf_form = page.locator("section.panel", has_text="Rapport mensuel d'un partenaire (PDF)")
    pdf_form.locator("#pdf-partner").select_option(label="CPAS A")
    pdf_form.get_by_role("button", name="Préparer le PDF").click()
    expect(page.locator("h1")).to_have_text("Export des statistiques · novembre 2026")
    expect(page.locator("#export-status [role=status]")).to_have_text("En attente…")
    expect(page.locator("#export-status progress")).to_be_visible()
    screenshot(page, "statistics-06-export-waiting")

    said = worker_takes_the_export()

    expect(page.get_by_role("link", name=re.compile("^Télécharger"))).to_be_visible(timeout=10_000)
    screenshot(page, "statistics-07-export-ready")
    export = Export.objects.get()
    assert said == f"{export.filename}: {len(export.content)} bytes"
    got = download(page)
    assert got.suggested_filename == "comptoir-2026-11-partner-cpas-a.pdf"
    content = Path(got.path()).read_bytes()
    assert content == bytes(export.content)
    text, image = pdf_first_page(content, "statistics-08-partner-pdf")
    assert image.exists()
    assert text.startswith("Rapport mensuel\r\nCPAS A\r\n")
    assert "CPAS A · CONV-A <5 7 <5 0 <5 <5 <5 0 10" in text
    assert "Mutualité B" not in text
    assert errors == []
    assert_no_csp_errors(page)


def test_a_partner_head_sees_their_conventions_only_and_gets_their_own_pdf(
    page, live_server, november, partner_head_a, broker, screenshot
):
    broker(UNREACHABLE)
    errors = console_errors_watch(page)
    log_in(page, live_server.url, "head.a", "partner_head")

    # Their home page has no way to the statistics yet: they are reached by address.
    page.goto(live_server.url + "/network/statistics/?month=2026-11")
    expect(page.locator("h1")).to_have_text("Statistiques du mois · novembre 2026")
    expect(page.locator(".lead")).to_have_text("Les conventions de CPAS A")
    conventions = page.locator("section.panel", has_text="Par convention").last
    expect(conventions.locator("tbody tr")).to_have_count(1)
    expect(conventions.locator("tbody")).to_contain_text("CPAS A · CONV-A")
    assert "Mutualité B" not in page.content() and "CONV-B" not in page.content()
    pdf_form = page.locator("section.panel", has_text="Rapport mensuel d'un partenaire (PDF)")
    expect(pdf_form.locator("select")).to_have_count(0)  # their own partner, no choice
    expect(page.locator("input[name=exact]")).to_have_count(0)  # exact figures: coordinators
    screenshot(page, "statistics-09-partner-head-month")

    pdf_form.get_by_role("button", name="Préparer le PDF").click()

    expect(page.get_by_role("link", name=re.compile("^Télécharger"))).to_be_visible()
    screenshot(page, "statistics-10-partner-head-export-ready")
    export = Export.objects.get()
    assert (export.requested_by, export.partner.name, export.exact) == (
        partner_head_a,
        "CPAS A",
        False,
    )
    content = Path(download(page).path()).read_bytes()
    text, _image = pdf_first_page(content, "statistics-11-partner-head-pdf")
    assert "CPAS A · CONV-A <5 7 <5 0 <5 <5 <5 0 10" in text
    assert "Mutualité B" not in text
    assert errors == []
    assert_no_csp_errors(page)
