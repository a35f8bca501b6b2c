"""What the pages and the documents around them say: each page's title names the app once,
the admin shows an icon that exists, the API and the admin name only what exists, the
login page speaks the browser's language."""

import re
import urllib.request
from datetime import date, datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model

from tests.factories import assess, convention_make, household_make, pass_make
from tests.passes.conftest import pass_keys  # noqa: F401  (fixture)

APP = "Comptoir"
# Links a crawl does not follow: leaving the session, files, the admin and the API.
NOT_FOLLOWED = re.compile(r"^/(?:logout/|admin/|api/|static/)|\.png$|\.svg$|/card/$")


def title_of(html: str) -> str:
    found = re.search(r"<title>(.*?)</title>", html, re.S)
    assert found, "no <title>"
    return " ".join(unescape(found.group(1)).split())


def links_of(html: str) -> set[str]:
    return {
        unescape(href)
        for href in re.findall(r'href="(/[^"#]*)"', html)
        if not NOT_FOLLOWED.search(href)
    }


def crawl(client, start: str, depth: int = 3) -> dict[str, str]:
    """Every page reachable from `start` by GET links, `depth` clicks deep: url -> title."""
    titles: dict[str, str] = {}
    frontier = {start}
    for _level in range(depth + 1):
        following: set[str] = set()
        for url in sorted(frontier - set(titles)):
            response = client.get(url, follow=True)
            if "text/html" not in response.get("Content-Type", ""):
                continue
            titles[url] = title_of(response.text)
            following |= links_of(response.text)
        frontier = following
    return titles


@pytest.fixture
def network(
    partner_a, service_s, social_worker_a, partner_head_a, volunteer_s, manager_s, coordinator
):
    with time_machine.travel(datetime(2026, 3, 2, 10, tzinfo=ZoneInfo("Europe/Brussels"))):
        convention = convention_make(partner_a, [service_s])
        household = household_make(social_worker_a, partner_a, first_name="Amina")
        assess(social_worker_a, household, on=date(2026, 2, 1))
        pass_make(social_worker_a, household, convention)
    return household


@pytest.mark.parametrize(
    ("persona", "home"),
    [
        ("social_worker_a", "/social/"),
        ("partner_head_a", "/partner/"),
        ("volunteer_s", "/counter/"),
        ("manager_s", "/manage/"),
        ("coordinator", "/network/"),
    ],
)
@pytest.mark.usefixtures("pass_keys", "network")
def test_no_page_title_repeats_the_apps_name(client, request, persona, home):
    client.force_login(request.getfixturevalue(persona))
    titles = crawl(client, home)
    assert len(titles) >= 3 or persona == "volunteer_s", titles
    for url, title in titles.items():
        assert title.count(APP) == 1, (url, title)
        assert title == APP or title.endswith(f" · {APP}"), (url, title)
        assert not title.startswith("·"), (url, title)


def test_pages_seen_before_login_and_refusals_name_the_app_once(client, db, coordinator):
    pages = ["/login/", "/password/reset/", "/password/reset/sent/", "/password/reset/complete/"]
    for url in pages:
        title = title_of(client.get(url).text)
        assert title.count(APP) == 1 and title != APP, (url, title)
    client.force_login(coordinator)
    for url, status in [("/households/", 403), ("/nowhere/", 404)]:
        response = client.get(url)
        assert response.status_code == status
        assert title_of(response.text).count(APP) == 1


def test_the_counters_title_is_the_service(client, volunteer_s):
    client.force_login(volunteer_s)
    assert title_of(client.get("/counter/").text) == f"Épicerie S · {APP}"


@pytest.mark.django_db(transaction=True)
def test_the_admin_links_an_icon_that_exists(client, live_server):
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "x-long-secret")
    client.force_login(admin)
    for url in ("/admin/", "/admin/network/organisation/", "/admin/network/organisation/add/"):
        html = client.get(url).text
        icon = re.search(r'<link rel="icon" href="([^"]+)"', html)
        assert icon, url
        with urllib.request.urlopen(live_server.url + icon.group(1)) as answer:  # noqa: S310
            assert answer.status == 200
            assert answer.headers["Content-Type"].startswith("image/svg")
    assert '<link rel="icon"' in client.get("/admin/login/", follow=True).text
    # Browsers that ask for /favicon.ico anyway (the browsable API, a JSON page) get it too.
    with urllib.request.urlopen(live_server.url + "/favicon.ico") as answer:  # noqa: S310
        assert answer.status == 200
        assert answer.headers["Content-Type"].startswith("image/svg")


def test_the_api_describes_only_what_it_offers(client, db):
    schema = client.get("/api/schema/?format=json").json()
    description = schema["info"]["description"].lower()
    assert "statistic" not in description
    for offered in ("households", "passes", "scans", "baskets", "sales", "food-aid parcels"):
        assert offered in description
    paths = " ".join(schema["paths"])
    assert "/api/shop/sales/" in paths
    assert "/api/foodaid/parcel-templates/" in paths and "/api/foodaid/distributions/" in paths
    assert "statistic" not in paths


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
def test_the_admin_names_only_what_exists_in_the_users_language(client, admin_user, language):
    admin_user.language = language
    admin_user.save()
    client.force_login(admin_user)
    html = client.get("/admin/").text
    apps = [unescape(name) for name in re.findall(r"<caption>\s*<a[^>]*>(.*?)</a>", html, re.S)]
    assert apps
    words = " ".join(apps).lower()
    for promise in ("statisti", "colis", "parcel", "pakket"):
        assert promise not in words, apps
    # The stock's products and lots are there, read-only, in the user's language.
    assert {"fr": "stock", "nl": "voorraad", "en": "stock"}[language] in words, apps
    if language != "fr":
        assert "Horaires" not in words and "Réseau" not in apps, apps


@pytest.mark.parametrize(
    ("accept", "language", "button"),
    [
        ("nl-BE,nl;q=0.9,fr;q=0.8", "nl", "Aanmelden"),
        ("en-GB,en;q=0.9", "en", "Log in"),
        ("fr-BE,fr;q=0.9", "fr", "Se connecter"),
        ("de-DE,de;q=0.9", "fr", "Se connecter"),
        ("", "fr", "Se connecter"),
    ],
)
def test_the_login_page_speaks_the_browsers_language(client, db, accept, language, button):
    response = client.get("/", follow=True, HTTP_ACCEPT_LANGUAGE=accept)
    assert response.redirect_chain[-1][0] == "/login/"
    assert f'<html lang="{language}">' in response.text
    assert button in response.text


def test_a_language_chosen_with_the_buttons_wins_over_the_browsers(client, db):
    client.post("/language/", {"language": "en", "next": "/login/"})
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="nl-BE,nl;q=0.9")
    assert '<html lang="en">' in response.text
