"""In a real browser, the counter on a 10-inch tablet: what a volunteer does with cards.

A card held in front of the (fake) camera, a hand scanner typing a token and
Enter, a code typed by hand, an undo with its reason; the screen in portrait and
landscape, in French and in Dutch; hostile text through the form never breaks it.
"""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from django.utils import formats, translation
from playwright.sync_api import expect

from counter.models import Visit
from passes.qr import qr_png
from passes.selectors import pass_current_card, pass_token
from passes.services import MemberData, pass_revoke
from passes.tokens import human_code_display
from tests.e2e.fake_camera import qr_frame, y4m_write
from tests.e2e.helpers_counter import (
    GLOVE_TARGET_PX,
    accepted_visits,
    camera_args,
    console_errors_watch,
    counter_open_all_day,
    csp_errors_watch,
    dialogs_watch,
    focused_id,
    is_scan_post,
    one_sentence,
    overlaps,
    pass_for,
    scan_by_hand,
    scan_posts_watch,
    small_targets,
)
from tests.e2e.helpers_passes import (
    ARTIFACTS,
    assert_no_csp_errors,
    assessment_reasons,  # noqa: F401  (fixture)
    convention_make,
    log_in,
    pass_keys,  # noqa: F401  (fixture)
    today,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("pass_keys", "assessment_reasons", "counter_open"),
]

TABLET_PORTRAIT = {"width": 800, "height": 1280}
TABLET_LANDSCAPE = {"width": 1280, "height": 800}
# The page's own rule (counter.js): the same text again within 4 s is not sent.
SAME_CARD_SECONDS = 4


@pytest.fixture
def counter_open(service_s):
    return counter_open_all_day(service_s)


@pytest.fixture
def convention(partner_a, service_s):
    return convention_make(partner_a, [service_s], reference="CONV-COUNTER", visits_per_week=1)


@pytest.fixture
def volunteer_page(page, live_server, volunteer_s):
    """The volunteer logged in, on the counter screen, with its console errors watched."""
    page.console_errors = console_errors_watch(page)
    log_in(page, live_server.url, "vol.s", "volunteer")
    page.goto(live_server.url + "/counter/")
    return page


@pytest.fixture
def camera_page(browser, chromium_path_session, live_server, tmp_path):
    """open(access_pass, viewport): a second Chromium whose camera films that pass's card,
    the volunteer logged in on the counter screen. Its console errors are watched."""
    launched = []

    def open_counter(access_pass, viewport):
        # The QR as the project draws it, held still in front of the lens while it plays.
        card = qr_frame(qr_png(pass_token(access_pass=access_pass)))
        video = y4m_write(tmp_path / f"card-{len(launched)}.y4m", card)
        # The session's Playwright: a second sync_playwright() may not start inside its loop.
        fake = browser.browser_type.launch(
            executable_path=chromium_path_session, args=camera_args(video)
        )
        launched.append(fake)
        context = fake.new_context(locale="fr-BE", viewport=viewport, permissions=["camera"])
        page = context.new_page()
        page.console_errors = console_errors_watch(page)
        csp_errors_watch(page)
        page.wasm_responses = []
        page.on("response", lambda r: r.url.endswith(".wasm") and page.wasm_responses.append(r))
        log_in(page, live_server.url, "vol.s", "volunteer")
        page.goto(live_server.url + "/counter/")
        return page

    yield open_counter
    for fake in launched:
        fake.close()


@pytest.fixture
def tablet_page(browser, live_server):
    """open(viewport): the volunteer on the counter screen of a tablet of that size."""
    contexts = []

    def open_counter(viewport):
        context = browser.new_context(locale="fr-BE", viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = console_errors_watch(page)
        csp_errors_watch(page)
        log_in(page, live_server.url, "vol.s", "volunteer")
        page.goto(live_server.url + "/counter/")
        return page

    yield open_counter
    for context in contexts:
        context.close()


def camera_on(page) -> None:
    """Switch the camera on and wait for the scan its first reading sends."""
    with page.expect_response(is_scan_post, timeout=20_000):
        page.click("[data-camera-toggle]")


# --- 1. the camera ------------------------------------------------------------------


def test_a_card_held_in_front_of_the_camera_is_accepted_once(
    camera_page, screenshot, volunteer_s, social_worker_a, partner_a, convention
):
    access_pass = pass_for(social_worker_a, partner_a, convention, "Amina")
    page = camera_page(access_pass, TABLET_PORTRAIT)
    native_reader = page.evaluate("'BarcodeDetector' in window")
    sent = scan_posts_watch(page)

    camera_on(page)
    verdict = page.locator("#counter-live [data-verdict]")
    expect(verdict).to_have_attribute("data-verdict", "accepted")
    expect(verdict.locator(".verdict-title")).to_have_text("ACCEPTÉ")
    expect(verdict.locator(".verdict-person")).to_contain_text("Amina")
    expect(page.locator("[data-camera-toggle]")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("[data-camera]")).to_be_visible()
    accepted_at = time.monotonic()
    screenshot(page, "counter-camera-portrait")
    if not native_reader:
        # Linux Chromium has no BarcodeDetector: the vendored zxing-wasm did the reading.
        # (Fetched once more by the page's offline copy: see offline_counter.js.)
        served = {(r.status, r.headers.get("content-type")) for r in page.wasm_responses}
        assert served == {(200, "application/wasm")}

    # The card stays in view past the page's 4 s: it is still one presentation, sent once.
    page.wait_for_timeout((SAME_CARD_SECONDS + 2) * 1000)
    page.click("[data-camera-toggle]")
    watched = time.monotonic() - accepted_at
    expect(page.locator("[data-camera-toggle]")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("[data-camera]")).to_be_hidden()
    page.wait_for_load_state("networkidle")

    assert accepted_visits(access_pass) == 1
    # The camera reads the card every 150 ms or so for seconds; the page sent it once.
    assert watched > SAME_CARD_SECONDS
    assert len(sent) == 1 == Visit.objects.count()
    assert page.console_errors == []
    assert_no_csp_errors(page)


def test_the_accepted_verdict_stays_while_the_card_is_still_in_front_of_the_camera(
    camera_page, volunteer_s, social_worker_a, partner_a, convention
):
    page = camera_page(pass_for(social_worker_a, partner_a, convention, "Amina"), TABLET_PORTRAIT)
    camera_on(page)
    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "accepted")

    page.wait_for_timeout((SAME_CARD_SECONDS + 2) * 1000)

    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "accepted")
    expect(page.locator(".verdict-undo summary")).to_be_visible()
    assert Visit.objects.count() == 1


def test_the_verdict_is_on_screen_in_landscape_while_the_camera_is_on(
    camera_page, volunteer_s, social_worker_a, partner_a, convention
):
    page = camera_page(pass_for(social_worker_a, partner_a, convention, "Amina"), TABLET_LANDSCAPE)
    camera_on(page)
    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "accepted")
    # What the volunteer sees, not the whole page: the screen is the point here.
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "counter-camera-landscape.png"), caret="initial")

    box = page.locator("[data-verdict]").bounding_box()
    assert box["y"] + box["height"] <= TABLET_LANDSCAPE["height"], box


# --- 2. the hand scanner and the typed code -------------------------------------------


def test_a_hand_scanner_a_revoked_card_and_a_typed_code_each_get_their_verdict(
    volunteer_page, social_worker_a, partner_a, convention
):
    page = volunteer_page
    amina = pass_for(
        social_worker_a, partner_a, convention, "Amina", members=(MemberData("3-15", "f"),)
    )
    bruno = pass_for(social_worker_a, partner_a, convention, "Bruno")
    pass_revoke(actor=social_worker_a, access_pass=bruno, reason="Déménagement")
    chloe = pass_for(social_worker_a, partner_a, convention, "Chloé")
    verdict = page.locator("#counter-live [data-verdict]")
    count = page.locator("[data-today-count]")
    recent = page.locator(".recent-scans li")
    key = page.locator("[name=idempotency_key]")

    # A scanner is a keyboard: the field has the focus as soon as the page is open.
    assert focused_id(page) == "scan-code"
    expect(count).to_have_text("0")
    first_key = key.input_value()

    response = scan_by_hand(page, pass_token(access_pass=amina))
    assert response.status == 200
    expect(verdict).to_have_attribute("data-verdict", "accepted")
    expect(verdict.locator(".verdict-title")).to_have_text("ACCEPTÉ")
    expect(verdict.locator(".verdict-message")).to_have_text("Accès accepté.")
    expect(verdict.locator(".verdict-person")).to_have_text("Amina · 2 personnes")
    expect(verdict.locator(".verdict-allowances li")).to_have_text(
        [f"Plus aucun passage cette semaine · à nouveau le {_next_monday_words()}"]
    )
    expect(count).to_have_text("1")
    expect(recent).to_have_count(1)
    expect(recent.first).to_contain_text("Amina")
    expect(recent.first).to_contain_text("accepté")
    # Ready for the next card: an empty, focused field and a fresh idempotency key.
    assert page.input_value("#scan-code") == ""
    assert focused_id(page) == "scan-code"
    assert key.input_value() != first_key

    # The scanner reads the same card again at once: the page sends nothing.
    sent = scan_posts_watch(page)
    page.keyboard.type(pass_token(access_pass=amina))
    page.keyboard.press("Enter")
    page.wait_for_timeout(500)
    assert sent == []
    assert Visit.objects.count() == 1
    assert page.input_value("#scan-code") == ""
    expect(verdict).to_have_attribute("data-verdict", "accepted")

    scan_by_hand(page, pass_token(access_pass=bruno))
    expect(verdict).to_have_attribute("data-verdict", "refused")
    expect(verdict).to_have_attribute("data-reason", "revoked")
    expect(verdict.locator(".verdict-title")).to_have_text("REFUSÉ")
    expect(verdict.locator(".verdict-message")).to_have_text("Cet accès-pass a été révoqué.")
    expect(count).to_have_text("1")
    expect(recent).to_have_count(2)
    expect(recent.first).to_contain_text("Bruno")
    expect(recent.first).to_contain_text("refusé")

    # A card that will not scan: its code read aloud and typed, in lower case with dashes.
    page.click("[data-type-code]")
    assert focused_id(page) == "scan-code"
    assert page.get_attribute("#scan-code", "inputmode") == "text"
    typed = human_code_display(pass_current_card(access_pass=chloe).human_code).lower()
    assert "-" in typed and typed != typed.upper()
    scan_by_hand(page, typed)
    expect(verdict).to_have_attribute("data-verdict", "accepted")
    expect(verdict.locator(".verdict-person")).to_have_text("Chloé · 1 personne")
    expect(count).to_have_text("2")
    expect(recent).to_have_count(3)
    expect(recent.first).to_contain_text("Chloé")

    assert accepted_visits() == 2
    assert Visit.objects.count() == 3
    assert page.console_errors == []
    assert_no_csp_errors(page)


def _next_monday_words() -> str:
    """« lundi 30 novembre »: when a one-visit-a-week pass is good again."""
    monday = today() + timedelta(days=7 - today().weekday())
    with translation.override("fr"):
        return formats.date_format(monday, "l j F")


# --- 3. undo ---------------------------------------------------------------------------


def test_a_volunteer_undoes_an_accepted_scan_with_a_reason(
    volunteer_page, screenshot, social_worker_a, partner_a, convention
):
    page = volunteer_page
    amina = pass_for(social_worker_a, partner_a, convention, "Amina")
    scan_by_hand(page, pass_token(access_pass=amina))
    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "accepted")
    expect(page.locator("[data-today-count]")).to_have_text("1")

    page.click(".verdict-undo summary:has-text('Annuler ce passage')")
    page.fill("#undo-reason", "Scanné deux fois")
    # Typing the reason must not be stolen back by the scan field.
    assert focused_id(page) == "undo-reason"
    screenshot(page, "counter-undo-open-landscape")
    assert small_targets(page) == []
    page.click(".verdict-undo button:has-text('Annuler le passage')")

    live = page.locator("#counter-live")
    expect(live.locator(".verdict-title")).to_have_text("Passage annulé")
    expect(live.locator(".verdict-message")).to_contain_text("ne compte plus")
    expect(page.locator("[data-today-count]")).to_have_text("0")
    expect(page.locator(".recent-scans li.recent-undone")).to_have_count(1)
    expect(page.locator(".recent-scans li").first).to_contain_text("annulé")
    visit = Visit.objects.get()
    assert visit.undone_at is not None
    assert visit.undo_reason == "Scanné deux fois"
    assert accepted_visits() == 0
    assert page.console_errors == []
    assert_no_csp_errors(page)


# --- 4. the screen on a 10-inch tablet ------------------------------------------------


@pytest.mark.parametrize(
    ("orientation", "viewport"),
    [("portrait", TABLET_PORTRAIT), ("landscape", TABLET_LANDSCAPE)],
)
def test_the_verdicts_fit_a_ten_inch_tablet(
    tablet_page,
    screenshot,
    volunteer_s,
    social_worker_a,
    partner_a,
    convention,
    orientation,
    viewport,
):
    amina = pass_for(
        social_worker_a,
        partner_a,
        convention,
        "Amina",
        members=(MemberData("3-15", "f"), MemberData("16-24", "m"), MemberData("0-2", "f")),
    )
    page = tablet_page(viewport)

    scan_by_hand(page, pass_token(access_pass=amina))
    expect(page.locator("[data-verdict]")).to_have_attribute("data-verdict", "accepted")
    screenshot(page, f"counter-accepted-{orientation}")
    _assert_fits_a_tablet(page, viewport)

    # The same household again, by its typed code: already served.
    scan_by_hand(page, pass_current_card(access_pass=amina).human_code)
    verdict = page.locator("[data-verdict]")
    expect(verdict).to_have_attribute("data-verdict", "refused")
    expect(verdict).to_have_attribute("data-reason", "already_served")
    expect(verdict.locator(".verdict-message")).to_contain_text("a déjà été acceptée ici")
    screenshot(page, f"counter-refused-{orientation}")
    _assert_fits_a_tablet(page, viewport)
    assert page.console_errors == []
    assert_no_csp_errors(page)


def test_the_counter_speaks_dutch_after_the_language_switch(
    tablet_page, live_server, screenshot, volunteer_s, social_worker_a, partner_a, convention
):
    bruno = pass_for(social_worker_a, partner_a, convention, "Bruno")
    pass_revoke(actor=social_worker_a, access_pass=bruno, reason="Déménagement")
    page = tablet_page(TABLET_PORTRAIT)
    page.click(".counter-header .language-switcher button[value=nl]")
    page.wait_for_url(live_server.url + "/counter/")
    assert page.get_attribute("html", "lang") == "nl"

    scan_by_hand(page, pass_token(access_pass=bruno))
    verdict = page.locator("[data-verdict]")
    expect(verdict).to_have_attribute("data-verdict", "refused")
    screenshot(page, "counter-refused-portrait-nl")
    _assert_fits_a_tablet(page, TABLET_PORTRAIT)
    expect(verdict.locator(".verdict-message")).to_have_text("Deze toegangspas is ingetrokken.")
    expect(page.locator(".counter-status-title")).to_have_text("Nu open")
    # Nothing of the counter's own words is left in French.
    body = page.inner_text("body")
    for french in ("REFUSÉ", "Valider", "Caméra", "Taper un code", "Mes derniers scans", "refusé"):
        assert french not in body, f"« {french} » is not translated to Dutch"
    assert page.console_errors == []
    assert_no_csp_errors(page)


def _assert_fits_a_tablet(page, viewport) -> None:
    """Readable at arm's length, nothing cut or overlapping, every target big enough."""
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    verdict = page.locator("[data-verdict]")
    box = verdict.bounding_box()
    side = page.locator(".counter-side").bounding_box()
    form = page.locator("#scan-form").bounding_box()
    # The whole verdict is on screen without scrolling, beside or under the form.
    assert box["y"] + box["height"] <= viewport["height"]
    assert not overlaps(box, side) and not overlaps(box, form)
    if viewport["width"] < viewport["height"]:
        assert box["width"] >= 0.9 * form["width"]  # the full width in portrait
    title_px = float(
        verdict.locator(".verdict-title").evaluate("el => getComputedStyle(el).fontSize")[:-2]
    )
    assert title_px >= 48  # about 13 mm high capitals on a 10-inch screen
    # No text runs out of its box.
    clipped = page.evaluate(
        """() => Array.from(document.querySelectorAll('#counter-live *'))
            .filter((el) => el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflow !== 'visible')
            .map((el) => el.className)"""
    )
    assert clipped == []
    assert small_targets(page) == [], f"smaller than {GLOVE_TARGET_PX} px"


# --- 5. hostile input ------------------------------------------------------------------

# (what, the text, the refusal the server gives it)
HOSTILE = [
    ("10 kB", "K" * 10_000, "code_length"),
    ("NUL bytes", "K7M\u00004QXP9", "code_characters"),
    ("HTML", "<img src=x onerror=alert(1)>", "code_length"),
    ("SQL", "' OR 1=1 --", "code_length"),
    ("URL", "https://comptoir.example/passes/12/?code=K7M4QXP9A", "code_length"),
    ("emoji", "🙂🍞🥫🙂🍞🥫🙂🍞🥫", "code_characters"),
    ("Arabic", "مرحبا بكم في المتجر", "code_length"),
    ("token-shaped", "CP1" + "A" * 200, "malformed"),
]


def test_hostile_text_through_the_form_gets_one_plain_refusal(volunteer_page, live_server):
    page = volunteer_page
    dialogs = dialogs_watch(page)
    sent = scan_posts_watch(page)
    verdict = page.locator("#counter-live [data-verdict]")

    for label, text, reason in HOSTILE:
        page.fill("#scan-code", text)
        with page.expect_response(is_scan_post) as answered:
            page.press("#scan-code", "Enter")
        assert answered.value.status == 200, label
        expect(verdict).to_have_attribute("data-verdict", "refused")
        expect(verdict).to_have_attribute("data-reason", reason)
        expect(verdict.locator(".verdict-title")).to_have_text("REFUSÉ")
        message = verdict.locator(".verdict-message").inner_text()
        assert one_sentence(message), (label, message)
        assert text[:20] not in message, label
        page.wait_for_function("document.activeElement.id === 'scan-code'")

    assert Visit.objects.filter(accepted=False).count() == len(HOSTILE)
    assert Visit.objects.filter(accepted=True).count() == 0
    codes = [parse_qs(request.post_data)["code"][0] for request in sent]
    assert len(codes[0]) == 400  # the field's maxlength cut the 10 kB paste
    assert "\x00" in codes[1]  # the field keeps NUL bytes: the server saw them

    # Past the field: what a script could post, with the page's own CSRF token.
    csrf = page.input_value("#scan-form [name=csrfmiddlewaretoken]")
    for label, text in [("10 kB", "K" * 10_000), ("NUL bytes", "\u0000" * 9)]:
        response = page.request.post(
            live_server.url + "/counter/scan/",
            form={
                "code": text,
                "idempotency_key": f"hostile-{len(text)}",
                "csrfmiddlewaretoken": csrf,
            },
            headers={"X-CSRFToken": csrf, "Referer": live_server.url + "/counter/"},
        )
        assert response.status == 200, (label, response.status)
        assert "REFUSÉ" in response.text(), label
    assert Visit.objects.filter(accepted=False).count() == len(HOSTILE) + 2

    assert dialogs == []
    assert page.locator("#counter-live img").count() == 0
    assert page.evaluate("typeof window.alert") == "function"
    assert page.console_errors == []
    assert_no_csp_errors(page)
