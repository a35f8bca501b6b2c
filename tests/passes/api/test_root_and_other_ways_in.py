"""The passes API's root and schema, anonymous callers, and the other ways in."""

from rest_framework.authtoken.models import Token

from passes.models import PassEvent

# --- the API root and the schema ------------------------------------------------------


def test_the_api_root_links_the_passes_collections(api, db):
    body = api.get("/api/").json()
    assert body["households"].endswith("/api/households/")
    assert body["passes"].endswith("/api/passes/")
    assert body["assessment_reasons"].endswith("/api/assessment-reasons/")
    assert body["pass_keys"].endswith("/api/pass-keys/")


def test_the_openapi_schema_documents_the_passes_api(api, db):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {
        "/api/households/",
        "/api/households/{id}/",
        "/api/households/{id}/assessments/",
        "/api/assessments/{id}/notes/",
        "/api/assessment-reasons/",
        "/api/passes/",
        "/api/passes/{id}/",
        "/api/passes/{id}/renew/",
        "/api/passes/{id}/suspend/",
        "/api/passes/{id}/resume/",
        "/api/passes/{id}/revoke/",
        "/api/passes/{id}/replace/",
        "/api/passes/{id}/history/",
        "/api/passes/{id}/qr.svg",
        "/api/passes/{id}/qr.png",
        "/api/pass-keys/",
    } <= set(paths)
    png = paths["/api/passes/{id}/qr.png"]["get"]["responses"]["200"]["content"]
    assert png["image/png"]["schema"]["format"] == "binary"
    listed = paths["/api/households/"]["get"]["responses"]["200"]["content"]
    assert "Paginated" in listed["application/json"]["schema"]["$ref"]


def test_the_api_refuses_anonymous_callers_on_households_and_passes(api, household_a):
    for url in ["/api/households/", "/api/passes/", f"/api/households/{household_a.pk}/"]:
        response = api.get(url)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
        assert response.json()["code"] == "not_authenticated"


# --- other ways in --------------------------------------------------------------------


def test_a_partner_head_manages_their_partners_passes_too(api, partner_head_a, pass_a):
    api.force_authenticate(partner_head_a)
    assert [row["id"] for row in api.get("/api/passes/").json()["results"]] == [pass_a.pk]
    response = api.post(f"/api/passes/{pass_a.pk}/suspend/", {"reason": "Demande du ménage"})
    assert response.status_code == 200
    event = PassEvent.objects.filter(access_pass=pass_a).first()
    assert (event.action, event.actor) == ("suspend", partner_head_a)


def test_a_device_with_a_token_gets_the_card_and_answers_in_its_users_language(
    api, social_worker_a, pass_a
):
    social_worker_a.language = "nl"
    social_worker_a.save()
    token = Token.objects.create(user=social_worker_a)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get(f"/api/passes/{pass_a.pk}/qr.svg").status_code == 200
    response = api.get("/api/households/", {"status": "lost"})
    assert response.json()["errors"]["status"] == ['"lost" is een ongeldige keuze.']


def test_a_page_past_the_end_is_not_found_with_a_code(api, social_worker_a, household_a):
    api.force_authenticate(social_worker_a)
    response = api.get("/api/households/", {"page": 9})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_search_in_the_url_is_refused_so_names_stay_out_of_logs(api, social_worker_a):
    api.force_authenticate(social_worker_a)
    response = api.get("/api/households/", {"q": "dupont"})
    assert response.status_code == 400
    assert response.json()["code"] == "search_in_url"


def test_the_search_pages_its_results(api, social_worker_a, partner_a, make_household):
    for index in range(27):
        make_household(social_worker_a, partner_a, f"Prénom{index}", "Dupuis", 1970 + index)
    api.force_authenticate(social_worker_a)
    first = api.post("/api/households/search/", {"q": "dupu"}, format="json").json()
    second = api.post("/api/households/search/", {"q": "dupu", "page": 2}, format="json").json()
    assert (first["count"], first["pages"], len(first["results"])) == (27, 2, 25)
    assert second["page"] == 2 and len(second["results"]) == 2
