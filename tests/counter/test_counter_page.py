"""The counter page: scan by form (htmx or plain), undo, who may use it, what it shows."""

import uuid
from datetime import time

import pytest

from counter.models import Visit
from passes.selectors import pass_token
from schedules.models import OpeningRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def token_a(frozen_day, pass_keys, service_s, pass_a):
    OpeningRule.objects.create(
        service=service_s, recurrence="FREQ=DAILY", starts_at=time(8), ends_at=time(20)
    )
    return pass_token(access_pass=pass_a)


@pytest.fixture
def tablet(client, volunteer_s):
    client.force_login(volunteer_s)
    return client


def post_scan(client, code, htmx=True, key=None):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    body = {"code": code, "idempotency_key": key or uuid.uuid4().hex}
    return client.post("/counter/scan/", body, **headers)


def test_the_page_may_compile_the_qr_decoder_and_nothing_more(tablet, token_a):
    response = tablet.get("/counter/")

    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'wasm-unsafe-eval'" in policy and "unsafe-inline" not in policy
    page = response.content.decode()
    assert 'name="idempotency_key"' in page and "zxing-reader" in page and "Prêt" in page


def test_a_scan_answers_with_the_verdict_fragment(tablet, token_a):
    response = post_scan(tablet, token_a)

    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-verdict="accepted"' in page and "ACCEPTÉ" in page
    assert "Marie · 3 personnes" in page
    assert "<html" not in page
    # The counter shows no surname, address, or anything of the assessment.
    assert "Dupont" not in page and "Namur" not in page and "Loyer" not in page


def test_without_javascript_the_form_gets_the_whole_page(tablet, token_a):
    response = post_scan(tablet, token_a, htmx=False)
    assert response.status_code == 200
    assert "<html" in response.content.decode() and "ACCEPTÉ" in response.content.decode()


def test_a_refusal_in_dutch(tablet, token_a, volunteer_s):
    volunteer_s.language = "nl"
    volunteer_s.save()
    post_scan(tablet, token_a)

    page = post_scan(tablet, token_a).content.decode()

    assert "GEWEIGERD" in page and "Deze kaart werd hier al aanvaard om 10:00." in page


@pytest.mark.parametrize(
    "code",
    ["", "x" * 10_000, "<img src=x onerror=alert(1)>", "' OR 1=1 --", "\x00abc", "🙂 مرحبا"],
)
def test_hostile_input_in_the_form_is_a_refusal_with_nothing_injected(tablet, token_a, code):
    response = post_scan(tablet, code)

    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-verdict="refused"' in page
    assert "<img src=x" not in page
    assert Visit.objects.get().accepted is False


def test_a_bad_idempotency_key_is_a_422_fragment_htmx_shows(tablet, token_a):
    response = post_scan(tablet, token_a, key="no")
    assert response.status_code == 422
    assert "idempotence absente ou invalide" in response.content.decode()
    assert not Visit.objects.exists()


def test_undo_from_the_page(tablet, token_a):
    post_scan(tablet, token_a)
    visit = Visit.objects.get()

    refused = tablet.post(f"/counter/visits/{visit.pk}/undo/", {"reason": " "}, HTTP_HX_REQUEST="1")
    undone = tablet.post(
        f"/counter/visits/{visit.pk}/undo/", {"reason": "Scanné deux fois"}, HTTP_HX_REQUEST="1"
    )

    assert refused.status_code == 422
    assert "pourquoi" in refused.content.decode()
    assert undone.status_code == 200 and "Passage annulé" in undone.content.decode()
    visit.refresh_from_db()
    assert visit.undo_reason == "Scanné deux fois"


def test_only_counter_staff_use_the_counter(client, token_a, social_worker_a, coordinator):
    assert client.get("/counter/").status_code == 302
    assert post_scan(client, token_a).status_code == 204  # htmx is sent to the login page
    for person in (social_worker_a, coordinator):
        client.force_login(person)
        assert client.get("/counter/").status_code == 403
        assert post_scan(client, token_a).status_code == 403
    assert not Visit.objects.exists()


def test_a_get_on_the_scan_url_is_refused(tablet, token_a):
    assert tablet.get("/counter/scan/").status_code == 405
