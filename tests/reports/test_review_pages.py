"""The review pages: who sees which figures, what a wrong month in the address answers,
compiling (queued, or in the request when the broker is down), locking, the jobs page."""

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from comptoir.tasks import _sender
from reports.jobs import job_run
from reports.models import MonthReport
from reports.services import month_compile, month_lock
from tests.reports.conftest import NOW, UNREACHABLE
from tests.reports.seed import NOVEMBER, at, clock, figures_of
from tests.reports.test_compile import EXPECTED

pytestmark = pytest.mark.django_db


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def url(name: str, *args, month: str | None = "2026-11") -> str:
    address = reverse(f"reports:{name}", args=args)
    return f"{address}?month={month}" if month is not None else address


def text_of(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def by_label(table) -> dict[str, dict[str, int]]:
    return {row.label: row.values for row in table.rows}


# --- who sees what ----------------------------------------------------------------------


def test_the_coordinator_sees_every_service_and_every_convention(compiled, coordinator, november):
    client = signed_in(coordinator)

    page = client.get(url("month"))

    assert page.status_code == 200
    overview = by_label(page.context["overview"])
    assert overview.keys() == {"Épicerie S", "Colis F", "Resto M", "Culture O"}
    # The shop: A's 2 and B's 1 accepted; A's 2, B's 1 and 2 cards of nobody refused.
    assert (
        overview["Épicerie S"]["visits_accepted"],
        overview["Épicerie S"]["visits_refused"],
    ) == (
        3,
        5,
    )
    passes = by_label(page.context["passes"])
    assert passes.keys() == {"CPAS A · CONV-A", "Mutualité B · CONV-B"}
    assert passes["CPAS A · CONV-A"] == {
        "households": 3,
        "persons": 7,
        "passes_issued": 2,
        "passes_suspended": 1,
        "passes_expired": 1,
        "passes_active": 3,
        "quota": 10,
    }
    assert "Statistiques du mois · novembre 2026" in text_of(page)
    assert "30 %" in text_of(page)  # A's quota: 3 active of 10

    shop = client.get(url("service-month", november.shop.pk))
    assert shop.status_code == 200
    assert "Cartes sans convention (illisibles, inconnues)" in text_of(shop)
    convention = client.get(url("convention-month", november.convention_b.pk))
    assert convention.status_code == 200
    assert convention.context["detail"].passes["passes_revoked"] == 1
    # The month picker's htmx request gets the page's body alone, from the same template.
    fragment = client.get(url("month"), headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert fragment.content.decode().lstrip().startswith('<div id="month-body">')


def test_a_partner_head_sees_only_the_conventions_of_their_partner(
    compiled, partner_head_a, november
):
    client = signed_in(partner_head_a)

    page = client.get(url("month"))

    assert page.status_code == 200
    assert by_label(page.context["passes"]).keys() == {"CPAS A · CONV-A"}
    shop = by_label(page.context["overview"])["Épicerie S"]
    # Only A's visits: B's and the cards of nobody are not theirs to see.
    assert (shop["visits_accepted"], shop["visits_refused"], shop["households"]) == (2, 2, 2)
    assert "CONV-B" not in page.content.decode()
    assert "Mutualité B" not in page.content.decode()

    table = client.get(url("service-month", november.shop.pk)).context["table"]
    assert [row.label for row in table.rows] == ["CPAS A · CONV-A"]
    assert client.get(url("convention-month", november.convention_a.pk)).status_code == 200
    assert client.get(url("convention-month", november.convention_b.pk)).status_code == 404


def test_a_manager_sees_only_their_own_service(compiled, manager_s, november):
    client = signed_in(manager_s)

    page = client.get(url("month"))

    assert page.status_code == 200
    assert by_label(page.context["overview"]).keys() == {"Épicerie S"}
    assert client.get(url("service-month", november.food_aid.pk)).status_code == 404
    table = client.get(url("service-month", november.shop.pk)).context["table"]
    assert [row.label for row in table.rows] == ["CPAS A · CONV-A", "Mutualité B · CONV-B", ""]
    detail = client.get(url("convention-month", november.convention_a.pk)).context["detail"]
    assert [row.label for row in detail.by_service.rows] == ["Épicerie S"]


def test_a_manager_does_not_see_a_convention_that_does_not_open_their_service(compiled, november):
    """Convention B opens the shop and the restaurant, not the food-aid point."""
    manager_f = november.managers["food_aid"]
    client = signed_in(manager_f)

    page = client.get(url("month"))

    assert by_label(page.context["passes"]).keys() == {"CPAS A · CONV-A"}
    assert "CONV-B" not in page.content.decode()
    assert client.get(url("convention-month", november.convention_b.pk)).status_code == 404


@pytest.mark.parametrize("persona", ["volunteer_s", "social_worker_a"])
def test_a_volunteer_or_a_social_worker_is_refused_every_statistics_page(
    compiled, november, persona, request
):
    client = signed_in(request.getfixturevalue(persona))

    pages = [
        url("month"),
        url("service-month", november.shop.pk),
        url("convention-month", november.convention_a.pk),
        url("month-status"),
        url("jobs", month=None),
    ]
    for address in pages:
        assert client.get(address).status_code == 403, address
    assert client.post(url("month-compile", month=None), {"month": "2026-11"}).status_code == 403
    assert client.post(url("month-lock", compiled.pk, month=None)).status_code == 403
    assert MonthReport.objects.get().status == "draft"


def test_a_partner_head_or_a_manager_may_not_compile_lock_or_read_the_jobs(
    compiled, partner_head_a, manager_s
):
    for person in (partner_head_a, manager_s):
        client = signed_in(person)
        assert (
            client.post(url("month-compile", month=None), {"month": "2026-11"}).status_code == 403
        )
        assert client.post(url("month-lock", compiled.pk, month=None)).status_code == 403
        assert client.get(url("jobs", month=None)).status_code == 403
        assert client.get(url("month-status")).status_code == 403
    compiled.refresh_from_db()
    assert (compiled.version, compiled.status) == (1, "draft")


# --- a wrong month in the address --------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "sentence"),
    [
        ("2027-01", "Le mois 01/2027 n'a pas encore commencé : ses chiffres n'existent pas."),
        ("2026-13", "Indiquez un mois sous la forme AAAA-MM, par exemple 2026-11."),
        ("abc", "Indiquez un mois sous la forme AAAA-MM, par exemple 2026-11."),
    ],
    ids=["future", "month_13", "letters"],
)
@pytest.mark.parametrize("page", ["month", "service-month", "convention-month"])
def test_a_wrong_month_in_the_address_gets_a_sentence_not_a_crash(
    compiled, coordinator, november, page, month, sentence
):
    args = {
        "month": (),
        "service-month": (november.shop.pk,),
        "convention-month": (november.convention_a.pk,),
    }[page]

    response = signed_in(coordinator).get(url(page, *args, month=month))

    assert response.status_code == 422
    assert sentence in text_of(response)
    # The page falls back on last month, whose figures it shows.
    assert response.context["month"] == NOVEMBER


# --- compiling and locking ---------------------------------------------------------------


def test_a_compile_request_with_the_broker_down_compiles_in_the_request(
    november, today, coordinator, broker
):
    """Redis unreachable (nothing listens on port 1): the page does not wait for a worker
    that cannot be told; the month is compiled in the request, at once."""
    broker(UNREACHABLE)
    client = signed_in(coordinator)

    response = client.post(url("month-compile", month=None), {"month": "2026-11"}, follow=True)

    assert response.redirect_chain == [(url("month"), 302)]
    assert "Les chiffres de 11/2026 sont calculés." in text_of(response)
    report = MonthReport.objects.get()
    assert report.compiled_by == coordinator
    assert figures_of(report) == EXPECTED


def test_a_locked_month_is_compiled_again_only_with_a_reason(compiled, today, coordinator, broker):
    broker(UNREACHABLE)
    month_lock(report_id=compiled.pk, actor=coordinator)
    client = signed_in(coordinator)

    refused = client.post(url("month-compile", month=None), {"month": "2026-11"}, follow=True)
    assert (
        "Ce mois est verrouillé : dites pourquoi il doit être recalculé "
        "(une correction de données, par exemple)."
    ) in text_of(refused)
    assert MonthReport.objects.count() == 1

    client.post(
        url("month-compile", month=None),
        {"month": "2026-11", "reason": "Une vente du 3 corrigée"},
    )

    assert list(MonthReport.objects.values_list("version", "status", "reason")) == [
        (2, "draft", "Une vente du 3 corrigée"),
        (1, "locked", ""),
    ]
    page = client.get(url("month"))
    assert "Motif de cette version : Une vente du 3 corrigée" in text_of(page)


@pytest.mark.parametrize(
    ("month", "sentence"),
    [
        ("2027-01", "Le mois 01/2027 n'a pas encore commencé : ses chiffres n'existent pas."),
        ("2026-13", "Indiquez un mois sous la forme AAAA-MM, par exemple 2026-11."),
        ("", "Indiquez un mois sous la forme AAAA-MM, par exemple 2026-11."),
    ],
    ids=["future", "month_13", "empty"],
)
def test_a_compile_request_for_a_wrong_month_is_refused_with_a_sentence(
    db, today, coordinator, broker, month, sentence
):
    broker(UNREACHABLE)

    response = signed_in(coordinator).post(
        url("month-compile", month=None), {"month": month}, follow=True
    )

    assert sentence in text_of(response)
    assert not MonthReport.objects.exists()


def test_a_compile_request_is_queued_for_the_worker_and_the_page_waits_for_it(
    november, today, coordinator, broker
):
    """A broker that answers (kombu's in-memory transport): the request only queues the
    task; the page polls the status until the worker's compilation is there."""
    from worker.tasks import statistics_compile

    broker("memory://")
    client = signed_in(coordinator)

    response = client.post(url("month-compile", month=None), {"month": "2026-11"})

    since = int(NOW.timestamp())
    assert response["Location"] == f"{url('month')}&waiting={since}"
    assert not MonthReport.objects.exists()
    with _sender().connection_for_read() as connection:
        message = connection.SimpleQueue("celery").get(timeout=1)
    assert message.headers["task"] == "worker.tasks.statistics_compile"
    args = message.payload[0]
    assert args == ["2026-11", coordinator.pk, ""]
    message.ack()
    status = url("month-status") + f"&waiting={since}"
    waiting = client.get(status, headers={"HX-Request": "true"})
    assert waiting.status_code == 200
    assert "Calcul en cours dans le worker…" in text_of(waiting)

    statistics_compile(*args)  # what the worker does with the message

    done = client.get(status, headers={"HX-Request": "true"})
    assert done.status_code == 204
    assert done["HX-Redirect"] == url("month")


def test_the_coordinator_locks_a_month_that_is_over_and_only_once(compiled, today, coordinator):
    client = signed_in(coordinator)
    lock = url("month-lock", compiled.pk, month=None)

    locked = client.post(lock, follow=True)
    again = client.post(lock, follow=True)

    assert locked.redirect_chain == [(url("month"), 302)]
    assert "Le mois est verrouillé." in text_of(locked)
    assert "Ce mois est déjà verrouillé." in text_of(again)
    compiled.refresh_from_db()
    assert (compiled.status, compiled.locked_by) == ("locked", coordinator)
    assert client.get(lock).status_code == 405


def test_the_month_under_way_is_not_locked_from_the_page(november, today, coordinator):
    december = month_compile(month=at(12, 1).date(), now=NOW).report

    response = signed_in(coordinator).post(url("month-lock", december.pk, month=None), follow=True)

    assert "Le mois n'est pas terminé : il ne peut être verrouillé qu'à partir du 1er." in text_of(
        response
    )
    december.refresh_from_db()
    assert december.status == "draft"


# --- the jobs page ------------------------------------------------------------------------


def test_the_jobs_page_lists_each_jobs_runs_with_what_they_did_and_their_errors(db, coordinator):
    with clock(at(12, 1, 3)):
        job_run("statistics_last_month", lambda: "2026-11 compiled: 140 figures")
    with clock(at(12, 2, 9)):

        def broken() -> str:
            raise RuntimeError("could not connect to server")

        with pytest.raises(RuntimeError):
            job_run("statistics_compile", broken)

    with clock(NOW):
        page = signed_in(coordinator).get(url("jobs", month=None))

    assert page.status_code == 200
    text = text_of(page)
    assert "Statistiques du mois écoulé (chaque nuit, jusqu'au calcul)" in text
    assert "2026-11 compiled: 140 figures" in text
    assert "RuntimeError: could not connect to server" in text
    assert "Terminé" in text and "Échec" in text
    # The expiry job never ran here: the page says so rather than showing nothing.
    assert "Jamais exécutée jusqu'ici." in text


def test_a_network_of_many_conventions_reads_them_a_page_at_a_time_with_the_whole_total(
    compiled, coordinator, monkeypatch
):
    from reports import views

    monkeypatch.setattr(views, "CONVENTIONS_PER_PAGE", 1)
    client = signed_in(coordinator)

    first = client.get(url("month"))
    second = client.get(url("month") + "&page=2")

    assert [row.label for row in first.context["passes_page"]] == ["CPAS A · CONV-A"]
    assert [row.label for row in second.context["passes_page"]] == ["Mutualité B · CONV-B"]
    assert "Page 2 sur 2" in text_of(second)
    # The total row is the network's, whichever page is read.
    assert first.context["passes"].total.values == second.context["passes"].total.values
    assert second.context["passes"].total.value("households") == 3 + 1  # A 3, B 1
