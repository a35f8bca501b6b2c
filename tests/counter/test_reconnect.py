"""No `SELECT 1` before each request, and still no failed scan when PostgreSQL drops the
connection: the request that finds it dropped runs again on a new one, when running it
twice is safe (comptoir.middleware)."""

import uuid

import pytest
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from counter.models import Visit
from tests.counter.test_counter_api import SCAN

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def device(postgres, volunteer_s):
    # Answers 500 instead of raising what the first run met, as a server does.
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=volunteer_s).key}")
    return client


def another_process_runs(sql: str) -> None:
    """SQL on a connection of its own, as another process would."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute(sql)
    finally:
        other.close()


def database_drops_the_connection() -> None:
    pid = connection.connection.info.backend_pid
    another_process_runs(f"SELECT pg_terminate_backend({pid})")


def scan(client, code):
    return client.post(SCAN, {"code": code, "idempotency_key": uuid.uuid4().hex}, format="json")


def test_a_scan_on_a_dropped_connection_is_answered(device, token_a):
    assert device.get("/api/me/").status_code == 200
    database_drops_the_connection()

    response = scan(device, token_a)

    assert response.status_code == 201, response.content
    assert response.json()["accepted"]
    assert Visit.objects.filter(accepted=True).count() == 1


def test_no_health_check_before_a_request(device, token_a):
    scan(device, token_a)
    with CaptureQueriesContext(connection) as captured:
        scan(device, token_a)
    assert not any(q["sql"].strip().upper() == "SELECT 1" for q in captured.captured_queries)


def test_a_page_read_on_a_dropped_connection_is_answered(postgres, volunteer_s, open_s):
    client = Client(raise_request_exception=False)
    client.force_login(volunteer_s)
    assert client.get("/counter/").status_code == 200
    database_drops_the_connection()

    assert client.get("/counter/").status_code == 200


def test_a_scan_from_the_counter_page_on_a_dropped_connection_is_answered(
    postgres, volunteer_s, token_a
):
    """Here the dropped connection is met first by the session, in a middleware."""
    client = Client(raise_request_exception=False)
    client.force_login(volunteer_s)
    assert client.get("/counter/").status_code == 200
    database_drops_the_connection()

    response = client.post("/counter/scan/", {"code": token_a, "idempotency_key": uuid.uuid4().hex})

    assert response.status_code == 200
    assert Visit.objects.filter(accepted=True).count() == 1


def test_a_token_revoked_while_the_connection_was_down_is_refused(device, token_a):
    """The revocation's NOTIFY was lost with the connection: the new one starts afresh."""
    assert scan(device, token_a).status_code == 201
    database_drops_the_connection()
    another_process_runs("DELETE FROM authtoken_token")

    assert scan(device, token_a).status_code == 401


def test_a_write_without_its_own_key_is_not_run_twice(device, token_a):
    """An undo is not marked replay-safe: it fails once, the next request works."""
    visit_id = scan(device, token_a).json()["visit"]
    database_drops_the_connection()

    undo = device.post(f"/api/counter/visits/{visit_id}/undo/", {"reason": "erreur"})
    assert undo.status_code == 500
    assert device.get("/api/me/").status_code == 200
    assert Visit.objects.get(pk=visit_id).undone_at is None


def test_a_failure_on_a_working_connection_is_not_retried(device, token_a, monkeypatch):
    calls = []

    def broken(**kwargs):
        calls.append(kwargs)
        raise RuntimeError("a bug")

    monkeypatch.setattr("counter.api.visit_record", broken)

    assert scan(device, token_a).status_code == 500
    assert len(calls) == 1
