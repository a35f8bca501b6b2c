"""The WSGI entry point's two doors (comptoir.wsgi): a device's API call goes through the
few middleware it needs, a browser's request through all of them, and both answer the
same. Driven as gunicorn drives it, with a WSGI environ."""

import io
import json
import uuid
from wsgiref.util import setup_testing_defaults

import pytest
from rest_framework.authtoken.models import Token

from counter.models import Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def wsgi(db):
    """Calls comptoir.wsgi.application; (status, headers, body)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from comptoir.wsgi import application

    # As Django's test client does: the test's transaction must outlive each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)

    def call(method: str, path: str, body: dict | None = None, **headers: str):
        raw = json.dumps(body).encode() if body is not None else b""
        environ: dict = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "SERVER_NAME": "testserver",
            "HTTP_HOST": "testserver",
            "wsgi.input": io.BytesIO(raw),
            "CONTENT_LENGTH": str(len(raw)),
            "CONTENT_TYPE": "application/json",
            **{f"HTTP_{name.upper()}": value for name, value in headers.items()},
        }
        setup_testing_defaults(environ)
        answer: dict = {}

        def start_response(status, response_headers, exc_info=None):
            answer["status"] = int(status.split()[0])
            answer["headers"] = dict(response_headers)

        chunks = application(environ, start_response)
        content = b"".join(chunks)
        chunks.close()
        return answer["status"], answer["headers"], content

    yield call
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def device_token(volunteer_s):
    return Token.objects.create(user=volunteer_s).key


@pytest.fixture
def card(token_a):
    """A card of an active pass, at a counter open all day (tests/counter/conftest.py)."""
    return token_a


def scan_body(code: str) -> dict:
    return {"code": code, "idempotency_key": uuid.uuid4().hex}


def test_a_device_scan_takes_the_short_door(wsgi, device_token, card):
    from comptoir import wsgi as entry

    assert entry.is_device_call(
        {"PATH_INFO": "/api/counter/scans/", "HTTP_AUTHORIZATION": f"Token {device_token}"}
    )
    status, headers, content = wsgi(
        "POST", "/api/counter/scans/", scan_body(card), authorization=f"Token {device_token}"
    )

    assert status == 201, content
    assert json.loads(content)["accepted"]
    assert Visit.objects.filter(accepted=True).count() == 1
    # No browser middleware ran: no session, no CSP, no cookie.
    assert "Set-Cookie" not in headers
    assert "Content-Security-Policy" not in headers
    # What it needs did: the security headers, the language negotiated.
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "Accept-Language" in headers["Vary"]


def test_a_device_is_answered_in_the_language_it_asks_when_its_user_chose_none(
    wsgi, device_token, card, volunteer_s
):
    volunteer_s.language = ""
    volunteer_s.save()
    wsgi("POST", "/api/counter/scans/", scan_body(card), authorization=f"Token {device_token}")

    _status, _headers, content = wsgi(
        "POST",
        "/api/counter/scans/",
        scan_body(card),
        authorization=f"Token {device_token}",
        accept_language="nl",
    )

    assert json.loads(content)["message"].startswith("Deze kaart")


def test_a_wrong_token_is_refused_at_the_short_door_too(wsgi, card):
    status, headers, _content = wsgi(
        "POST", "/api/counter/scans/", scan_body(card), authorization="Token " + "0" * 40
    )
    assert status == 401
    assert headers["WWW-Authenticate"].startswith("Token")


def test_a_browsers_api_call_takes_the_long_door_and_its_csrf_check(
    wsgi, card, volunteer_s, client
):
    from comptoir import wsgi as entry

    client.force_login(volunteer_s)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    assert not entry.is_device_call({"PATH_INFO": "/api/counter/scans/", "HTTP_COOKIE": cookie})

    status, headers, content = wsgi("POST", "/api/counter/scans/", scan_body(card), cookie=cookie)

    assert status == 403, content
    assert "CSRF" in json.loads(content)["detail"]
    assert not Visit.objects.exists()


def test_pages_take_the_long_door(wsgi):
    status, headers, _content = wsgi("GET", "/login/")
    assert status == 200
    assert "Content-Security-Policy" in headers
    assert "csrftoken" in headers.get("Set-Cookie", "")
