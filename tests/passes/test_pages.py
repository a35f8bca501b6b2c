"""The social workers' pages: constant query counts, search, and what the pages say."""

import html
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from passes.models import PassCard
from passes.services import pass_issue, pass_replace, pass_resume, pass_suspend

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _day_and_keys(frozen_day, pass_keys):
    return frozen_day


def queries_of(client, method, url, data=None, **headers) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, data or {}, headers=headers)
    assert response.status_code == 200, response.status_code
    return len(captured.captured_queries), response


def issued(actor, household, convention):
    return pass_issue(
        actor=actor, household=household, convention=convention, today=date(2026, 3, 2)
    )


def test_the_household_list_costs_the_same_queries_for_3_or_30_households(
    client, social_worker_a, partner_a, convention_a, make_household
):
    client.force_login(social_worker_a)
    for index in range(3):
        household = make_household(social_worker_a, partner_a, f"P{index}", "Dubois", granted=True)
        issued(social_worker_a, household, convention_a)
    few, _response = queries_of(client, "get", "/households/")
    for index in range(3, 30):
        make_household(social_worker_a, partner_a, f"P{index}", "Dubois", 1950 + index)
    many, response = queries_of(client, "get", "/households/")
    assert many == few
    assert response.content.count(b"/households/") >= 25
    searched, _response = queries_of(
        client,
        "post",
        "/households/",
        {"q": "dub"},
        HX_Request="true",
        HX_Target="household-results",
    )
    assert searched <= few


def test_the_household_page_costs_the_same_queries_with_one_or_many_passes(
    client, social_worker_a, partner_a, convention_a, make_household
):
    client.force_login(social_worker_a)
    household = make_household(social_worker_a, partner_a, granted=True)
    access_pass = issued(social_worker_a, household, convention_a)
    few, _response = queries_of(client, "get", f"/households/{household.pk}/")
    for _round in range(4):
        pass_suspend(actor=social_worker_a, access_pass=access_pass, reason="contrôle")
        pass_resume(actor=social_worker_a, access_pass=access_pass, reason="en ordre")
        pass_replace(actor=social_worker_a, access_pass=access_pass, reason="perdue")
    many, _response = queries_of(client, "get", f"/households/{household.pk}/")
    assert many == few
    few_history, _response = queries_of(client, "get", f"/passes/{access_pass.pk}/")
    pass_replace(actor=social_worker_a, access_pass=access_pass, reason="volée")
    more_history, response = queries_of(client, "get", f"/passes/{access_pass.pk}/")
    assert more_history == few_history
    assert html.unescape(response.content.decode()).count("Carte remplacée") == 5


def rows_for(client, text):
    response = client.post(
        "/households/",
        {"q": text},
        headers={"HX-Request": "true", "HX-Target": "household-results"},
    )
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_search_finds_a_surname_of_several_words_from_any_of_them(
    client, social_worker_a, partner_a, make_household
):
    make_household(social_worker_a, partner_a, "Éloïse", "Van den Berghe")
    make_household(social_worker_a, partner_a, "Denis", "Martin")
    client.force_login(social_worker_a)
    assert "VAN DEN BERGHE" in rows_for(client, "van den")
    assert "MARTIN" not in rows_for(client, "van den")  # "den" starts Denis, "van" nothing
    assert "VAN DEN BERGHE" in rows_for(client, "berghe")
    assert "VAN DEN BERGHE" in rows_for(client, "eloise van")
    assert "MARTIN" not in rows_for(client, "berghe")


def test_search_by_card_code_finds_the_household_even_typed_loosely(
    client, social_worker_a, partner_a, convention_a, make_household
):
    household = make_household(social_worker_a, partner_a, "Karim", "Benali", granted=True)
    make_household(social_worker_a, partner_a, "Autre", "Personne")
    access_pass = issued(social_worker_a, household, convention_a)
    code = PassCard.objects.get(access_pass=access_pass).human_code
    client.force_login(social_worker_a)
    page = rows_for(client, f" {code[:3].lower()}-{code[3:6]} {code[6:]} ")
    assert "BENALI" in page and "PERSONNE" not in page


def test_the_search_text_never_goes_into_the_address(client, social_worker_a):
    client.force_login(social_worker_a)
    response = client.get("/households/", {"q": "Dupont"})
    # A search in the URL is ignored: the page shows the unsearched list, and its
    # form posts (no GET form that would put the name in the address bar).
    page = response.content.decode()
    assert 'method="post"' in page and 'value="Dupont"' not in page
