"""In a real browser, the counter when the network drops: the tablet decides from the
day's list, keeps its scans through a reload, and sends them when the server answers;
two tablets serving one card offline make one conflict for the manager."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from counter.models import Visit
from passes.models import AccessPass
from passes.selectors import pass_current_card, pass_token
from passes.services import pass_replace, pass_revoke
from passes.tokens import human_code_display
from schedules.models import OpeningRule
from tests.e2e.helpers_counter import console_errors_watch, counter_open_all_day, pass_for
from tests.e2e.helpers_passes import (
    ARTIFACTS,
    assert_no_csp_errors,
    assessment_reasons,  # noqa: F401  (fixture)
    convention_make,
    log_in,
    pass_keys,  # noqa: F401  (fixture)
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("pass_keys", "assessment_reasons"),
]
TABLET = {"width": 1280, "height": 800}

# The page's own queue (offline_counter.js), read as the test's witness.
QUEUE_LENGTH = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("comptoir-counter");
  open.onsuccess = () => {
    const request = open.result.transaction("queue").objectStore("queue").count();
    request.onsuccess = () => { open.result.close(); resolve(request.result); };
  };
  open.onerror = () => reject(open.error);
})"""
LIST_TAKEN = """() => new Promise((resolve) => {
  const open = indexedDB.open("comptoir-counter");
  open.onsuccess = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains("lists")) { db.close(); return resolve(0); } // wiped
    const request = db.transaction("lists").objectStore("lists").getAll();
    request.onsuccess = () => { db.close(); resolve(request.result.length); };
  };
})"""


@pytest.fixture
def convention(partner_a, service_s):
    return convention_make(partner_a, [service_s], reference="CONV-OFFLINE", visits_per_week=1)


def tablet(browser, live_server, username="vol.s", role="volunteer"):
    """A volunteer's tablet on the counter page, online, with its day's list and its
    offline copy ready."""
    # A tablet set to another time zone: days and times stay the counter's (Brussels).
    context = browser.new_context(locale="fr-BE", viewport=TABLET, timezone_id="Pacific/Auckland")
    page = context.new_page()
    page.console_errors = console_errors_watch(page)
    page.csp_errors = []
    page.on(
        "console",
        lambda m: "Content Security Policy" in m.text and page.csp_errors.append(m.text),
    )
    log_in(page, live_server.url, username, role)
    page.goto(live_server.url + "/counter/")
    page.wait_for_function(LIST_TAKEN)
    page.wait_for_selector("html[data-offline-ready]", state="attached")
    return context, page


def scan(page, text: str):
    """A hand scanner: the text, then Enter; the verdict shown."""
    page.fill("#scan-code", "")
    page.focus("#scan-code")
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    verdict = page.locator("#counter-live [data-verdict][data-offline]")
    expect(verdict).to_have_count(1)
    return verdict


def forged(token: str) -> str:
    """The same card with one character of its signature changed."""
    last = "A" if token[-2] != "A" else "B"
    return token[:-2] + last + token[-1]


def test_a_tablet_without_network_decides_keeps_its_scans_and_sends_them_back(
    browser, live_server, volunteer_s, social_worker_a, partner_a, convention, service_s
):
    counter_open_all_day(service_s)
    amina = pass_for(social_worker_a, partner_a, convention, "Amina")
    bilal = pass_for(social_worker_a, partner_a, convention, "Bilal")
    revoked = pass_for(social_worker_a, partner_a, convention, "Rita")
    replaced = pass_for(social_worker_a, partner_a, convention, "Rémi")
    expired = pass_for(social_worker_a, partner_a, convention, "Eva")
    cards = {p.household.first_name: pass_token(access_pass=p) for p in (amina, bilal)}
    revoked_card = pass_token(access_pass=revoked)
    replaced_card = pass_token(access_pass=replaced)
    expired_card = pass_token(access_pass=expired)
    pass_revoke(actor=social_worker_a, access_pass=revoked, reason="fin de suivi")
    pass_replace(actor=social_worker_a, access_pass=replaced, reason="carte perdue")
    yesterday = timezone.localdate() - timedelta(days=1)
    AccessPass.objects.filter(pk=expired.pk).update(
        valid_from=yesterday - timedelta(days=30), valid_until=yesterday
    )
    context, page = tablet(browser, live_server)

    context.set_offline(True)
    banner = page.locator("[data-offline-banner]")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Hors ligne depuis")
    expect(banner).to_contain_text("aucun scan en attente")

    accepted = scan(page, cards["Amina"])
    expect(accepted).to_have_attribute("data-verdict", "accepted")
    expect(accepted).to_contain_text("ACCEPTÉ")
    expect(accepted).to_contain_text("Amina")
    expect(accepted).to_contain_text("Décidé hors ligne")
    expect(banner).to_contain_text("1 scan à envoyer")
    page.screenshot(path=str(ARTIFACTS / "offline-accepted.png"))
    refusals = {
        "revoked": revoked_card,
        "replaced": replaced_card,
        "expired": expired_card,
        "bad_signature": forged(cards["Bilal"]),
        "already_served": cards["Amina"],
        # A short code typed by hand names its pass only on the server.
        "offline_unknown": human_code_display(pass_current_card(access_pass=bilal).human_code),
    }
    messages = {}
    for reason, card in refusals.items():
        verdict = scan(page, card)
        expect(verdict).to_have_attribute("data-reason", reason)
        expect(verdict).to_contain_text("REFUSÉ")
        messages[reason] = verdict.locator(".verdict-message").inner_text()
    expect(page.locator("[data-verdict]")).not_to_contain_text("Rita")
    expect(banner).to_contain_text("7 scans à envoyer")

    # Closed and opened again without a network: the page and its queue are still there.
    page.reload()
    expect(banner).to_contain_text("7 scans à envoyer")
    assert page.evaluate(QUEUE_LENGTH) == 7
    verdict = scan(page, cards["Bilal"])
    expect(verdict).to_have_attribute("data-verdict", "accepted")
    page.screenshot(path=str(ARTIFACTS / "offline-after-reload.png"))
    assert Visit.objects.count() == 0

    context.set_offline(False)
    expect(banner).to_be_hidden(timeout=15000)
    expect(page.locator("html")).to_have_attribute("data-offline-waiting", "0")
    visits = list(Visit.objects.order_by("at", "id"))
    assert [(v.accepted, v.reason, v.offline, v.offline_conflict) for v in visits] == [
        (True, "", True, False),
        (False, "revoked", True, False),
        (False, "replaced", True, False),
        (False, "expired", True, False),
        (False, "bad_signature", True, False),
        (False, "already_served", True, False),
        (False, "offline_unknown", True, False),
        (True, "", True, False),
    ]
    assert visits[0].access_pass_id == amina.pk and visits[-1].access_pass_id == bilal.pk
    served_at = timezone.localtime(visits[0].at).strftime("%H:%M")
    assert messages["already_served"] == f"Cette carte a déjà été acceptée ici à {served_at}."
    assert_no_csp_errors(page)
    # The browser's own line for each request that found no network, nothing else.
    assert [e for e in page.console_errors if "ERR_INTERNET_DISCONNECTED" not in e] == []
    context.close()


def test_a_card_outside_the_schedule_is_refused_offline(
    browser, live_server, volunteer_s, social_worker_a, partner_a, convention, service_s
):
    # Open only on the weekday after today: no session today.
    tomorrow = (timezone.localdate() + timedelta(days=1)).strftime("%a")[:2].upper()
    OpeningRule.objects.create(
        service=service_s,
        recurrence=f"FREQ=WEEKLY;BYDAY={tomorrow}",
        starts_at="09:00",
        ends_at="12:00",
    )
    card = pass_token(access_pass=pass_for(social_worker_a, partner_a, convention, "Nora"))
    context, page = tablet(browser, live_server)

    context.set_offline(True)
    verdict = scan(page, card)

    expect(verdict).to_have_attribute("data-reason", "counter_closed")
    expect(verdict).to_contain_text("Le comptoir est fermé maintenant.")
    context.close()


def test_one_card_served_offline_on_two_tablets_is_one_conflict_for_the_manager(
    browser,
    live_server,
    volunteer_s,
    manager_s,
    social_worker_a,
    partner_a,
    convention,
    service_s,
):
    counter_open_all_day(service_s)
    card = pass_token(access_pass=pass_for(social_worker_a, partner_a, convention, "Sami"))
    first_context, first = tablet(browser, live_server)
    second_context, second = tablet(browser, live_server, username="man.s", role="manager")
    first_context.set_offline(True)
    second_context.set_offline(True)

    expect(scan(first, card)).to_have_attribute("data-verdict", "accepted")
    expect(scan(second, card)).to_have_attribute("data-verdict", "accepted")
    first_context.set_offline(False)
    expect(first.locator("[data-offline-banner]")).to_be_hidden(timeout=15000)
    expect(first.locator("html")).to_have_attribute("data-offline-waiting", "0")
    second_context.set_offline(False)
    expect(second.locator("[data-offline-banner]")).to_be_hidden(timeout=15000)
    expect(second.locator("html")).to_have_attribute("data-offline-waiting", "0")

    visits = list(Visit.objects.order_by("id"))
    assert [(v.accepted, v.offline_conflict) for v in visits] == [(True, False), (False, True)]
    second.goto(live_server.url + "/manage/")
    conflicts = second.locator("[data-offline-conflicts]")
    expect(conflicts).to_contain_text("1 conflit hors ligne aujourd'hui")
    expect(conflicts).to_contain_text("Sami")
    second.screenshot(path=str(ARTIFACTS / "offline-conflict-manager.png"), full_page=True)
    first_context.close()
    second_context.close()


def test_logging_out_wipes_the_days_list_from_the_tablet(
    browser, live_server, volunteer_s, social_worker_a, partner_a, convention, service_s
):
    counter_open_all_day(service_s)
    pass_for(social_worker_a, partner_a, convention, "Lina")
    context, page = tablet(browser, live_server)
    assert page.evaluate(LIST_TAKEN) == 1

    page.click("button.counter-logout")
    page.wait_for_selector("#id_username")

    assert page.evaluate(LIST_TAKEN) == 0
    assert page.evaluate("caches.keys()") == []
    context.close()


def test_a_scan_the_server_never_answers_is_decided_on_the_tablet_and_recorded_once(
    browser, live_server, volunteer_s, social_worker_a, partner_a, convention, service_s
):
    counter_open_all_day(service_s)
    card = pass_token(access_pass=pass_for(social_worker_a, partner_a, convention, "Yara"))
    context, page = tablet(browser, live_server)
    # The Wi-Fi is up but the answer never comes back: the request is cut.
    page.route("**/counter/scan/", lambda route: route.abort("connectionreset"))

    verdict = scan(page, card)

    expect(verdict).to_have_attribute("data-verdict", "accepted")
    expect(page.locator("[data-offline-banner]")).to_contain_text("1 scan à envoyer")
    page.unroute("**/counter/scan/")
    # The next check of the server (every 10 s) finds it again and sends the queue.
    expect(page.locator("html")).to_have_attribute("data-offline-waiting", "0", timeout=25000)
    expect(page.locator("[data-offline-banner]")).to_be_hidden()
    visit = Visit.objects.get()
    assert (visit.accepted, visit.offline) == (True, True)
    context.close()
