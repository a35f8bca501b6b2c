"""A page of another role: the refusal says whom the page is for and leads the person to
their own home pages; every page's header leads to the home of each of the user's roles."""

import re
from html import unescape

import pytest

from tests.factories import membership, user

HOMES = {
    "social_worker": "/social/",
    "partner_head": "/partner/",
    "volunteer": "/counter/",
    "manager": "/manage/",
    "coordinator": "/network/",
}
ROLE_WORDS = {
    "fr": {
        "social_worker": "Travailleur·euse social·e",
        "partner_head": "Responsable de service partenaire",
        "volunteer": "Bénévole au comptoir",
        "manager": "Gestionnaire de service collectif",
        "coordinator": "Coordination du réseau",
    },
    "nl": {
        "social_worker": "Maatschappelijk werker",
        "partner_head": "Verantwoordelijke partnerdienst",
        "volunteer": "Vrijwilliger aan de balie",
        "manager": "Beheerder collectieve dienst",
        "coordinator": "Netwerkcoördinatie",
    },
    "en": {
        "social_worker": "Social worker",
        "partner_head": "Partner service manager",
        "volunteer": "Counter volunteer",
        "manager": "Collective service manager",
        "coordinator": "Network coordination",
    },
}
NO_ROLE_HEADING = "Vous ne pouvez pas utiliser Comptoir"


def text_of(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def list_items(html: str, marker: str) -> list[str]:
    block = re.search(rf"<ul[^>]*{marker}[^>]*>(.*?)</ul>", html, re.S)
    assert block, f"no list {marker}"
    return [unescape(item.strip()) for item in re.findall(r"<li>(.*?)</li>", block.group(1))]


def refusal_links(html: str) -> list[str]:
    block = re.search(r"data-homes>(.*?)</p>", html, re.S)
    return re.findall(r'href="([^"]+)"', block.group(1)) if block else []


@pytest.mark.parametrize(
    ("persona", "own_role", "url", "page_roles"),
    [
        ("coordinator", "coordinator", "/households/", ["social_worker", "partner_head"]),
        ("coordinator", "coordinator", "/social/", ["social_worker"]),
        ("volunteer_s", "volunteer", "/households/", ["social_worker", "partner_head"]),
        ("volunteer_s", "volunteer", "/manage/", ["manager"]),
        ("social_worker_a", "social_worker", "/manage/", ["manager"]),
        ("social_worker_a", "social_worker", "/counter/", ["volunteer", "manager"]),
        ("social_worker_a", "social_worker", "/conventions/", ["coordinator", "manager"]),
        ("partner_head_a", "partner_head", "/network/", ["coordinator"]),
        ("manager_s", "manager", "/partner/", ["partner_head"]),
        ("manager_s", "manager", "/network/", ["coordinator"]),
        ("manager_s", "manager", "/households/new/", ["social_worker", "partner_head"]),
    ],
)
def test_another_roles_page_says_whom_it_is_for_and_leads_home(
    client, request, persona, own_role, url, page_roles
):
    account = request.getfixturevalue(persona)
    client.force_login(account)
    response = client.get(url)
    assert response.status_code == 403
    html = response.text
    assert NO_ROLE_HEADING not in unescape(html)
    assert "Cette page est réservée à un autre rôle que le vôtre." in unescape(html)
    assert list_items(html, "data-page-roles") == [ROLE_WORDS["fr"][r] for r in page_roles]
    assert list_items(html, "data-user-roles")[0].startswith(ROLE_WORDS["fr"][own_role])
    assert refusal_links(html) == [HOMES[own_role]]
    # The header leads home too.
    assert f'href="{HOMES[own_role]}" data-home="{own_role}"' in html


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
def test_the_refusal_names_the_roles_in_the_users_language(client, coordinator, language):
    coordinator.language = language
    coordinator.save()
    client.force_login(coordinator)
    response = client.get("/households/")
    assert response.status_code == 403
    assert f'<html lang="{language}">' in response.text
    words = ROLE_WORDS[language]
    roles = list_items(response.text, "data-page-roles")
    assert roles == [words["social_worker"], words["partner_head"]]
    assert list_items(response.text, "data-user-roles") == [f"{words['coordinator']} · Réseau test"]
    assert refusal_links(response.text) == ["/network/"]
    if language != "fr":
        assert "réservée" not in response.text


def test_someone_with_two_roles_is_led_to_both_homes(client, partner_a, service_s):
    claire = user("claire")
    membership(claire, partner_a, "social_worker")
    membership(claire, service_s, "manager")
    client.force_login(claire)
    response = client.get("/network/")
    assert response.status_code == 403
    assert refusal_links(response.text) == ["/social/", "/manage/"]
    assert len(list_items(response.text, "data-user-roles")) == 2


def test_a_user_without_role_still_hears_that_they_cannot_use_comptoir(client, db):
    client.force_login(user("nobody"))
    response = client.get("/households/")
    assert response.status_code == 403
    text = unescape(response.text)
    assert NO_ROLE_HEADING in text
    assert "aucun rôle" in text
    assert "data-page-roles" not in text and "data-homes" not in text


def test_a_user_of_a_deactivated_organisation_still_hears_why(client, social_worker_a, partner_a):
    partner_a.is_active = False
    partner_a.save()
    client.force_login(social_worker_a)
    response = client.get("/network/")
    assert response.status_code == 403
    text = unescape(response.text)
    assert NO_ROLE_HEADING in text and "« CPAS A » est désactivée" in text


def test_a_counters_session_is_told_to_end_the_shift_and_led_to_its_counter(
    client, partner_a, service_s
):
    claire = user("claire")
    membership(claire, partner_a, "social_worker")
    volunteer = membership(claire, service_s, "volunteer")
    client.force_login(claire)
    client.post("/role/", {"membership": volunteer.pk})
    response = client.get("/social/")
    assert response.status_code == 403
    text = unescape(response.text)
    assert "Cette session est celle du comptoir « Épicerie S »" in text
    assert refusal_links(response.text) == ["/counter/"]
    assert list_items(response.text, "data-user-roles") == ["Bénévole au comptoir · Épicerie S"]


# --- every page leads to each of the user's homes ----------------------------------------


def header_homes(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)" data-home="', html)


def test_a_manager_on_the_counter_screen_has_a_way_back_to_the_service_page(client, manager_s):
    client.force_login(manager_s)
    html = client.get("/counter/").text
    assert header_homes(html) == ["/manage/"]
    assert "Gestion du service" in text_of(html)


def test_a_volunteer_at_the_counter_has_no_other_page(client, volunteer_s):
    client.force_login(volunteer_s)
    assert header_homes(client.get("/counter/").text) == []


def test_every_desk_page_leads_to_each_home_of_a_person_with_several_roles(
    client, partner_a, service_s, network_org
):
    anne = user("anne")
    membership(anne, partner_a, "partner_head")
    membership(anne, service_s, "manager")
    membership(anne, network_org, "coordinator")
    client.force_login(anne)
    for url in (
        "/partner/",
        "/households/",
        "/manage/",
        "/manage/hours/",
        "/network/",
        "/conventions/",
        "/password/change/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert header_homes(response.text) == ["/partner/", "/manage/", "/network/"], url
    # …and on the counter screen, the same way back to the desk pages.
    assert header_homes(client.get("/counter/").text) == ["/partner/", "/manage/", "/network/"]


def test_the_administrator_with_a_role_is_also_led_to_the_admin(client, coordinator):
    coordinator.is_staff = True
    coordinator.save()
    client.force_login(coordinator)
    assert header_homes(client.get("/network/").text) == ["/network/", "/admin/"]
