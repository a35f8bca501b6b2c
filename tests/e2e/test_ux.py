"""In a real browser, what a new user first notices: the header on one line on a laptop
and on a tablet, in French, Dutch and English; a way home from every page (the counter's
too); the role chooser; the pass form's fields in line; the counter's code field.

The network is built here with the names the demo uses, so the screenshots read like it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from network.models import User
from passes.services import MemberData
from tests.e2e.helpers_counter import GLOVE_TARGET_PX, counter_open_all_day, overlaps
from tests.e2e.helpers_passes import (
    assert_no_csp_errors,
    convention_make,
    household_make,
    shot,
    today,
)
from tests.factories import TEST_PASSWORD, membership, organisation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1280, "height": 800}  # also a 10-inch tablet in landscape
TABLET_PORTRAIT = {"width": 800, "height": 1280}
VIEWPORTS = {"1280": LAPTOP, "tablet": TABLET_PORTRAIT}
LANGUAGES = ("fr", "nl", "en")
# "CP1" and 122 base32 characters: what a hand scanner types for a card.
FULL_TOKEN = "CP1" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" * 3 + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@pytest.fixture
def world(transactional_db):
    """A small network as the demo names it, one person per role and one with two roles."""
    network = organisation(kind="network", name="Réseau namurois", slug="reseau")
    cpas = organisation(kind="partner", name="CPAS de Namur", slug="cpas", partner_kind="cpas")
    one = organisation(kind="partner", name="ONE Namur", slug="one", partner_kind="one")
    cigogne = organisation(
        kind="service", name="La Cigogne", slug="la-cigogne", service_kind="shop"
    )
    fourmi = organisation(kind="service", name="La Fourmi", slug="la-fourmi", service_kind="coop")
    people = {
        "assistante": ("Sophie", "Lambert", cpas, "social_worker"),
        "responsable": ("Marc", "Dubois", cpas, "partner_head"),
        "benevole": ("Lucie", "Martin", cigogne, "volunteer"),
        "gerant": ("Julien", "Collard", cigogne, "manager"),
        "coordination": ("Anne", "Leroy", network, "coordinator"),
    }
    for username, (first, last, org, role) in people.items():
        membership(user(username, first_name=first, last_name=last), org, role)
    claire = User.objects.create(username="claire", first_name="Claire", last_name="Jacquet")
    claire.set_password(TEST_PASSWORD)
    claire.save()
    membership(claire, one, "social_worker")
    membership(claire, fourmi, "volunteer")
    counter_open_all_day(cigogne)
    convention = convention_make(cpas, [cigogne, fourmi], reference="CPAS-2026")
    assistante = User.objects.get(username="assistante")
    household = household_make(
        assistante,
        cpas,
        first_name="Amina",
        last_name="Benali",
        members=(MemberData("3-15", "f"),),
        granted=True,
    )
    return {"convention": convention, "household": household}


def user(username: str, *, first_name: str, last_name: str) -> User:
    account = User.objects.create(username=username, first_name=first_name, last_name=last_name)
    account.set_password(TEST_PASSWORD)
    account.save()
    return account


@pytest.fixture
def open_page(browser, live_server):
    """open(username, viewport, language): logged in through the login page, on their home."""
    contexts = []

    def open_as(username: str, viewport: dict, language: str = "fr", path: str = ""):
        User.objects.filter(username=username).update(language=language)
        context = browser.new_context(locale=f"{language}-BE", viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        page.csp_errors = []
        page.on(
            "console",
            lambda m: "Content Security Policy" in m.text and page.csp_errors.append(m.text),
        )
        page.goto(live_server.url + "/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", TEST_PASSWORD)
        page.click("button.button-primary")
        page.wait_for_load_state()
        if path:
            page.goto(live_server.url + path)
        return page

    yield open_as
    for context in contexts:
        context.close()


def header_problems(page, header: str) -> list[str]:
    """Whatever keeps a header from being one line: items wrapped under others, items
    overlapping, the header taller than one line of buttons, the page wider than the screen."""
    boxes = page.evaluate(
        """(selector) => {
            const header = document.querySelector(selector);
            const items = Array.from(header.children).filter((el) => el.checkVisibility());
            const box = (el) => { const r = el.getBoundingClientRect();
                return {name: el.className || el.tagName, x: r.x, y: r.y, width: r.width,
                        height: r.height}; };
            return {header: box(header), items: items.map(box),
                    pageWidth: document.documentElement.scrollWidth};
        }""",
        header,
    )
    problems = []
    items = boxes["items"]
    top = min(item["y"] for item in items)
    bottom = max(item["y"] + item["height"] for item in items)
    for item in items:
        # On one line, every item shares the header's middle band.
        middle = item["y"] + item["height"] / 2
        if not top <= middle <= bottom or item["y"] >= top + 0.6 * (bottom - top):
            problems.append(f"{item['name']} is below the others")
    for left, right in zip(items, items[1:], strict=False):
        if right["x"] < left["x"] + left["width"] - 1:
            problems.append(f"{right['name']} wraps under or overlaps {left['name']}")
        if overlaps(left, right):
            problems.append(f"{left['name']} overlaps {right['name']}")
    if boxes["header"]["height"] > 80:
        problems.append(f"the header is {boxes['header']['height']:.0f} px high")
    if boxes["pageWidth"] > page.viewport_size["width"]:
        problems.append(f"the page is {boxes['pageWidth']} px wide")
    return problems


# --- 7. the header on one line ---------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("size", VIEWPORTS)
def test_the_desk_header_is_one_line_on_a_laptop_and_a_tablet(open_page, world, language, size):
    for username, path in [
        ("assistante", "/households/"),
        ("responsable", "/partner/"),
        ("gerant", "/manage/"),
        ("coordination", "/network/"),
    ]:
        page = open_page(username, VIEWPORTS[size], language, path)
        assert page.get_attribute("html", "lang") == language
        shot(page, f"ux-header-{username}-{size}-{language}")
        assert header_problems(page, ".site-header") == [], (username, size, language)
        assert_no_csp_errors(page)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("size", VIEWPORTS)
def test_someone_with_two_roles_sees_both_homes_in_one_line(open_page, world, language, size):
    page = open_page("claire", VIEWPORTS[size], language)
    page.click("button.choice[value]:has-text('ONE Namur')")
    page.wait_for_selector("[data-role-home=social_worker]")
    homes = page.locator(".site-header .home-nav a")
    expect(homes).to_have_count(2)
    expect(page.locator(".home-nav a[data-home=social_worker]")).to_have_attribute(
        "aria-current", "true"
    )
    page.click(".user-menu summary")
    expect(page.locator(".user-menu-panel")).to_be_visible()
    shot(page, f"ux-header-two-roles-{size}-{language}")
    assert header_problems(page, ".site-header") == []
    # The menu closes on a click elsewhere.
    page.mouse.click(5, page.viewport_size["height"] - 5)
    expect(page.locator(".user-menu-panel")).to_be_hidden()
    assert_no_csp_errors(page)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("size", VIEWPORTS)
def test_the_counter_header_is_one_line(open_page, world, language, size):
    for username in ("benevole", "gerant"):
        page = open_page(username, VIEWPORTS[size], language, "/counter/")
        page.wait_for_selector("[data-role-home=volunteer]")
        shot(page, f"ux-counter-{username}-{size}-{language}")
        assert header_problems(page, ".counter-header") == [], (username, size, language)
        small = [
            box
            for box in page.locator(".counter-header button, .counter-header a").all()
            if box.bounding_box()["height"] < GLOVE_TARGET_PX
        ]
        assert small == []
        assert_no_csp_errors(page)


# --- 4. a way home from the counter ----------------------------------------------------


def test_a_manager_on_the_counter_screen_goes_back_to_the_service_page(
    open_page, world, live_server
):
    page = open_page("gerant", LAPTOP, "fr")
    page.wait_for_selector("[data-role-home=manager]")
    page.click("text=Ouvrir l'écran du comptoir")
    page.wait_for_selector("[data-role-home=volunteer]")
    back = page.locator(".counter-header a[data-home=manager]")
    expect(back).to_have_text("Gestion du service")
    shot(page, "ux-counter-manager-way-back")
    back.click()
    page.wait_for_selector("[data-role-home=manager]")
    assert page.url == live_server.url + "/manage/"


def test_a_volunteer_at_the_counter_has_no_other_page_to_go_to(open_page, world):
    page = open_page("benevole", TABLET_PORTRAIT, "fr")
    page.wait_for_selector("[data-role-home=volunteer]")
    expect(page.locator(".counter-header a")).to_have_count(0)
    expect(page.locator(".counter-logout")).to_be_visible()


# --- 3. another role's page -----------------------------------------------------------


@pytest.mark.parametrize("size", VIEWPORTS)
def test_a_coordinator_opening_the_households_is_told_whom_they_are_for(
    open_page, world, live_server, size
):
    page = open_page("coordination", VIEWPORTS[size], "fr")
    page.wait_for_selector("[data-role-home=coordinator]")
    answer = page.goto(live_server.url + "/households/")
    assert answer.status == 403
    shot(page, f"ux-refusal-coordinator-households-{size}")
    body = page.inner_text("main")
    assert "Vous ne pouvez pas utiliser Comptoir" not in body
    expect(page.locator("[data-page-roles] li")).to_have_text(
        ["Travailleur·euse social·e", "Responsable de service partenaire"]
    )
    assert header_problems(page, ".site-header") == []
    page.click("[data-homes] a")
    page.wait_for_selector("[data-role-home=coordinator]")
    assert page.url == live_server.url + "/network/"
    assert_no_csp_errors(page)


# --- 7. the role chooser ----------------------------------------------------------------


@pytest.mark.parametrize("size", VIEWPORTS)
def test_the_role_chooser_is_a_list_of_large_styled_choices(open_page, world, size):
    page = open_page("claire", VIEWPORTS[size], "fr")
    page.wait_for_selector("button.choice[value]")
    shot(page, f"ux-choose-role-{size}")
    choices = page.locator("button.choice[value]")
    expect(choices).to_have_count(2)
    boxes = [choice.bounding_box() for choice in choices.all()]
    styles = choices.first.evaluate(
        """(el) => { const s = getComputedStyle(el);
            return {border: s.borderTopWidth, radius: s.borderTopLeftRadius,
                    background: s.backgroundColor}; }"""
    )
    assert styles["border"] != "0px" and styles["radius"] != "0px"
    assert styles["background"] != "rgba(0, 0, 0, 0)"
    for box in boxes:
        assert box["height"] >= 64 and box["width"] >= 280
    # One under the other, the same width, not touching.
    assert boxes[0]["width"] == boxes[1]["width"]
    assert boxes[1]["y"] >= boxes[0]["y"] + boxes[0]["height"]
    assert header_problems(page, ".site-header") == []
    assert_no_csp_errors(page)


# --- 6. the pass form's fields in line ----------------------------------------------------


@pytest.mark.parametrize("size", VIEWPORTS)
def test_the_pass_forms_fields_stay_in_line_even_with_an_error(open_page, world, size):
    household = world["household"]
    page = open_page("assistante", VIEWPORTS[size], "fr", f"/households/{household.pk}/passes/new/")
    page.wait_for_selector("#issue-form")
    shot(page, f"ux-pass-form-{size}")
    _assert_fields_in_line(page)

    # An end before the start: the live check answers next to one field only.
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.fill("#id_valid_until", (today() - timedelta(days=3)).isoformat())
        page.locator("#id_valid_until").dispatch_event("change")
    page.wait_for_selector("#issue-form .field-error")
    shot(page, f"ux-pass-form-error-{size}")
    _assert_fields_in_line(page)
    assert_no_csp_errors(page)


def _assert_fields_in_line(page) -> None:
    """Start and end side by side, same top and height; every field's left edge, and the
    form's full-width fields' right edge, on one line."""
    start = page.locator("#id_valid_from").bounding_box()
    end = page.locator("#id_valid_until").bounding_box()
    convention = page.locator("#id_convention").bounding_box()
    assert abs(start["y"] - end["y"]) <= 1, (start, end)
    assert abs(start["height"] - end["height"]) <= 1
    assert abs(start["x"] - convention["x"]) <= 1
    assert abs(end["x"] + end["width"] - (convention["x"] + convention["width"])) <= 1
    labels = [
        page.locator(f"label[for={name}]").bounding_box()
        for name in ("id_valid_from", "id_valid_until")
    ]
    assert abs(labels[0]["y"] - labels[1]["y"]) <= 1
    assert labels[0]["x"] == start["x"] and labels[1]["x"] == end["x"]


# --- 8. the counter's code field --------------------------------------------------------


@pytest.mark.parametrize("size", ["landscape", "portrait"])
def test_the_counter_code_field_spans_the_screen_for_a_full_token(open_page, world, size):
    viewport = LAPTOP if size == "landscape" else TABLET_PORTRAIT
    page = open_page("benevole", viewport, "fr")
    page.wait_for_selector("[data-role-home=volunteer]")
    page.locator("#scan-code").evaluate("(el, token) => { el.value = token; }", FULL_TOKEN)
    shot(page, f"ux-counter-token-{size}")
    field = page.locator("#scan-code").bounding_box()
    main = page.locator("#main").bounding_box()
    # Across the screen, less the "Valider" button: about 40 characters more than before.
    assert field["width"] >= 0.7 * main["width"], (field, main)
    verdict = page.locator("#counter-live .verdict").bounding_box()
    assert verdict["y"] + verdict["height"] <= viewport["height"]
