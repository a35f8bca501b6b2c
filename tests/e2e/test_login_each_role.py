"""In a real browser: the French login page, then each demo role's home page."""

import pytest
from django.core.management import call_command

from demo.namur.data import DEMO_PASSWORD
from demo.namur.open_counter import try_now
from tests.e2e.helpers_counter import scan_by_hand

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROLES = [
    ("assistante.cpas", "/social/", "social_worker", "CPAS de Namur"),
    ("responsable.cpas", "/partner/", "partner_head", "CPAS de Namur"),
    ("benevole.cigogne", "/counter/", "volunteer", "La Cigogne"),
    ("gerant.cigogne", "/manage/", "manager", "La Cigogne"),
    ("coordination", "/network/", "coordinator", "Réseau namurois"),
]


@pytest.fixture
def demo(transactional_db):
    call_command("demo_load", quiet=True)


def log_in(page, base_url: str, username: str) -> None:
    page.goto(base_url + "/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button.button-primary")


def test_the_browser_first_shows_the_french_login(page, live_server, demo, screenshot):
    page.goto(live_server.url + "/")
    assert page.url.endswith("/login/")
    assert page.get_attribute("html", "lang") == "fr"
    assert page.inner_text("button.button-primary") == "Se connecter"
    assert page.evaluate("typeof htmx") == "object"
    screenshot(page, "login-fr")
    assert page.csp_errors == []


@pytest.mark.parametrize(("username", "home", "role", "organisation"), ROLES)
def test_each_demo_role_logs_in_and_sees_its_home(
    page, live_server, demo, screenshot, username, home, role, organisation
):
    log_in(page, live_server.url, username)
    page.wait_for_selector(f"[data-role-home={role}]")
    assert page.url == live_server.url + home
    assert organisation in page.inner_text("body")
    screenshot(page, f"home-{role}")
    assert page.csp_errors == []


@pytest.mark.parametrize(
    ("username", "counter"),
    [("benevole.fourmi", "La Fourmi"), ("benevole.saintvincent", "Saint-Vincent")],
)
def test_each_counter_volunteer_lands_on_their_counter(page, live_server, demo, username, counter):
    log_in(page, live_server.url, username)
    page.wait_for_selector("[data-role-home=volunteer]")
    assert page.url == live_server.url + "/counter/"
    assert counter in page.inner_text(".counter-service")


def test_the_counter_open_now_accepts_a_card_the_demo_suggests(page, live_server, demo, screenshot):
    now = try_now()
    log_in(page, live_server.url, now.counter.volunteers[0])
    page.wait_for_selector("[data-role-home=volunteer]")
    page.click("[data-type-code]")  # the card's code, typed as a person reads it
    scan_by_hand(page, now.cards[0].code)
    verdict = page.locator("#counter-live [data-verdict]")
    assert verdict.get_attribute("data-verdict") == "accepted"
    assert now.cards[0].first_name in verdict.inner_text()
    screenshot(page, "demo-open-counter-accepted")
    assert page.csp_errors == []


def test_the_administrator_reaches_the_django_admin(page, live_server, demo):
    log_in(page, live_server.url, "admin")
    page.wait_for_url(live_server.url + "/admin/")
    assert "Comptoir" in page.inner_text("#site-name")


def test_someone_with_two_roles_picks_one(page, live_server, demo, screenshot):
    log_in(page, live_server.url, "claire.deuxroles")
    page.wait_for_selector("text=Pour qui travaillez-vous aujourd'hui ?")
    screenshot(page, "choose-role")
    page.click("button.choice:has-text('La Fourmi')")
    page.wait_for_selector("[data-role-home=volunteer]")
    assert "La Fourmi" in page.inner_text(".counter-service")


def test_a_wrong_password_is_refused_in_plain_words(page, live_server, demo):
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "assistante.cpas")
    page.fill("#id_password", "not-the-password")
    page.click("button.button-primary")
    assert "Identifiant ou mot de passe incorrect." in page.inner_text(".form-error")


def test_the_language_switch_turns_the_page_to_dutch_and_stays(page, live_server, demo):
    log_in(page, live_server.url, "assistante.cpas")
    page.wait_for_selector("[data-role-home=social_worker]")
    page.click(".site-header .language-switcher button[value=nl]")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "nl"
    page.goto(live_server.url + "/social/")
    assert page.get_attribute("html", "lang") == "nl"


def test_the_counter_fits_a_tablet_in_portrait(browser, live_server, demo, screenshot):
    context = browser.new_context(locale="fr-BE", viewport={"width": 800, "height": 1280})
    page = context.new_page()
    log_in(page, live_server.url, "benevole.cigogne")
    page.wait_for_selector("[data-role-home=volunteer]")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 800
    screenshot(page, "counter-tablet-portrait")
    context.close()


def test_the_api_documentation_page_renders_without_outside_requests(page, live_server, demo):
    outside = []
    page.on(
        "request",
        lambda req: not req.url.startswith(live_server.url) and outside.append(req.url),
    )
    page.goto(live_server.url + "/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15000)
    assert "Comptoir API" in page.inner_text(".swagger-ui .info .title")
    assert [url for url in outside if not url.startswith("data:")] == []
