"""The counter's API for devices: scan, retry, undo, today; hostile bodies; SQL per scan."""

import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from counter.models import Visit
from passes.selectors import pass_current_card
from tests.factories import membership, organisation

pytestmark = pytest.mark.django_db
SCAN = "/api/counter/scans/"


@pytest.fixture
def device(volunteer_s):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=volunteer_s).key}")
    return client


def scan(client, code, **extra):
    body = {"code": code, "idempotency_key": uuid.uuid4().hex, **extra}
    return client.post(SCAN, body, format="json")


def test_a_device_scans_a_card_and_gets_the_verdict(device, token_a):
    response = scan(device, token_a)

    assert response.status_code == 201
    body = response.json()
    assert (body["accepted"], body["reason"], body["message"]) == (True, "", "Accès accepté.")
    assert (body["first_name"], body["household_size"], body["replayed"]) == ("Marie", 3, False)
    assert {a["kind"]: a["remaining"] for a in body["allowances"]} == {"budget": None, "visits": 0}
    assert body["visit"] == Visit.objects.get().pk


def test_a_retried_request_returns_the_first_verdict(device, token_a):
    body = {"code": token_a, "idempotency_key": "tablet-3-000042"}
    first = device.post(SCAN, body, format="json")
    retry = device.post(SCAN, body, format="json")

    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["replayed"] and retry.json()["visit"] == first.json()["visit"]
    assert retry.json()["accepted"] is True
    assert Visit.objects.count() == 1


@pytest.mark.parametrize("second_scan", [False, True], ids=["accepted", "already_served"])
def test_a_retried_request_gets_the_first_answer_whole(device, token_a, second_scan):
    """The same key again answers what the first request answered: the allowances left,
    the household's size, the sentence; only `replayed` differs."""
    if second_scan:
        scan(device, token_a)
    body = {"code": token_a, "idempotency_key": "tablet-3-000043"}
    first = device.post(SCAN, body, format="json").json()
    scan(device, token_a)  # later scans of the card change what is left, not the replay
    retry = device.post(SCAN, body, format="json").json()

    assert first["allowances"]
    assert {**retry, "replayed": False} == first


def sql_of(capture) -> list[str]:
    # The test runs inside a transaction, so the scan's own one shows as savepoints.
    return [q["sql"] for q in capture if "SAVEPOINT" not in q["sql"]]


def statements_of_scan(device, code) -> tuple[dict, list[str]]:
    """The answer to a scan and its SQL, read at once (Django empties the query log at
    each request)."""
    with CaptureQueriesContext(connection) as captured:
        body = scan(device, code).json()
    return body, sql_of(captured.captured_queries)


def test_a_scan_costs_three_queries_whatever_the_history(device, token_a, pass_a):
    """The pass (locked), its visits (one aggregate), the new visit.

    The device's token and roles are read by its first request in a process, then kept
    (on PostgreSQL, which tells every process when they change: first the connection
    LISTENs); on SQLite they are read each time. The first scan of a minute in a
    process also reads the counter's rules and closures (its schedule is then kept
    for a minute).
    """
    body, cold = statements_of_scan(device, token_a)
    assert body["accepted"]
    for _ in range(30):
        scan(device, token_a)
    body, later = statements_of_scan(device, token_a)
    assert body["reason"] == "already_served"
    _body, typed = statements_of_scan(device, pass_current_card(access_pass=pass_a).human_code)
    _body, forged = statements_of_scan(device, token_a[:-4] + "AAAA")

    # the token and the memberships: kept on PostgreSQL, read each time elsewhere
    postgres = connection.vendor == "postgresql"
    auth = 0 if postgres else 2
    assert len(cold) == (1 + 2 if postgres else 2) + 2 + 3, "\n".join(cold)
    assert len(later) == auth + 3, "\n".join(later)
    assert len(typed) == auth + 4, "\n".join(typed)
    assert len(forged) == auth + 2, "\n".join(forged)


def test_refusals_speak_the_device_users_language(device, token_a, volunteer_s):
    volunteer_s.language = "nl"
    volunteer_s.save()
    scan(device, token_a)

    body = scan(device, token_a).json()

    assert body["reason"] == "already_served"
    assert body["message"].startswith("Deze kaart")


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("", "empty"),
        ("X" * 10_000, "code_length"),
        ("\x00\x00\x00", "code_length"),
        ("K7M\x004QXP9", "code_characters"),
        ("🙂🙂🙂🙂🙂🙂🙂🙂🙂", "code_characters"),
        ("<script>alert(1)</script>", "code_length"),
        ("' OR 1=1 --", "code_length"),
        ("https://comptoir.example/passes/12/", "code_length"),
        ("CP1" + "A" * 200, "malformed"),
    ],
)
def test_hostile_codes_are_one_clear_refusal_never_an_error(device, token_a, code, reason):
    response = scan(device, code)

    assert response.status_code == 201
    body = response.json()
    assert (body["accepted"], body["reason"]) == (False, reason)
    assert body["message"] and "<" not in body["message"]


def test_lone_surrogates_in_a_code_are_a_refused_card_not_an_error(device, token_a):
    body = b'{"code": "\\ud83d\\ud83d\\ud83d", "idempotency_key": "surrogate-0001"}'
    response = device.post(SCAN, body, content_type="application/json")
    assert response.status_code == 201
    assert (response.json()["accepted"], response.json()["reason"]) == (False, "code_length")


def test_a_token_with_a_scanners_enter_and_spaces_is_accepted(device, token_a):
    assert scan(device, f"  {token_a.lower()}\r\n").json()["accepted"]


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"idempotency_key": "k" * 20}, "invalid", "code"),
        ({"code": 12, "idempotency_key": "k" * 20}, "invalid", "code"),
        ({"code": ["a"], "idempotency_key": "k" * 20}, "invalid", "code"),
        ({"code": "x", "idempotency_key": "k" * 20, "service": "abc"}, "invalid", "service"),
        # Whatever is wrong with the key, one code says so.
        ({"code": "x"}, "idempotency_key_invalid", "idempotency_key"),
        ({"code": "x", "idempotency_key": ""}, "idempotency_key_invalid", "idempotency_key"),
        ({"code": "x", "idempotency_key": "short"}, "idempotency_key_invalid", "idempotency_key"),
        (
            {"code": "x", "idempotency_key": " abcdefgh "},
            "idempotency_key_invalid",
            "idempotency_key",
        ),
        (
            {"code": "x", "idempotency_key": "abc\x00defgh"},
            "idempotency_key_invalid",
            "idempotency_key",
        ),
    ],
)
def test_a_request_that_is_not_a_scan_is_refused_and_records_nothing(
    device, token_a, body, code, field
):
    response = device.post(SCAN, body, format="json")

    assert response.status_code == 400
    payload = response.json()
    assert payload["code"] == code
    assert field in json.dumps(payload)
    assert not Visit.objects.exists()


def test_an_empty_service_means_the_callers_only_counter(device, token_a):
    response = device.post(
        SCAN, {"code": token_a, "idempotency_key": "k" * 20, "service": ""}, format="json"
    )
    assert (response.status_code, response.json()["accepted"]) == (201, True)


@pytest.mark.parametrize("raw", [b"[1, 2]", b"not json", b'"a string"', b"\x00\xff"])
def test_a_broken_body_is_a_400_not_a_500(device, token_a, raw):
    response = device.post(SCAN, raw, content_type="application/json")
    assert response.status_code == 400
    assert not Visit.objects.exists()


def test_another_counter_is_404_and_a_social_worker_cannot_scan(device, token_a, social_worker_a):
    other = organisation(kind="service", name="Resto", slug="resto-z", service_kind="restaurant")
    assert scan(device, token_a, service=other.pk).status_code == 404

    worker = APIClient()
    worker.force_authenticate(social_worker_a)
    response = scan(worker, token_a)
    assert response.status_code == 400 and "service" in response.json()["errors"]
    assert not Visit.objects.exists()


def test_a_volunteer_of_two_counters_names_one(device, token_a, volunteer_s, service_s):
    second = organisation(
        kind="service", name="Vestiaire", slug="vestiaire-y", service_kind="other"
    )
    membership(volunteer_s, second, "volunteer")

    assert scan(device, token_a).status_code == 400
    assert scan(device, token_a, service=service_s.pk).json()["accepted"]


def test_anonymous_callers_cannot_scan(token_a):
    response = scan(APIClient(), token_a)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert not Visit.objects.exists()


def test_undo_and_today_through_the_api(device, token_a):
    visit = scan(device, token_a).json()["visit"]
    scan(device, "nonsense")

    refused = device.post(f"/api/counter/visits/{visit}/undo/", {}, format="json")
    undone = device.post(
        f"/api/counter/visits/{visit}/undo/", {"reason": "Mauvaise carte"}, format="json"
    )
    again = device.post(
        f"/api/counter/visits/{visit}/undo/", {"reason": "Mauvaise carte"}, format="json"
    )
    today = device.get("/api/counter/today/").json()

    assert refused.status_code == 400 and refused.json()["code"] == "reason_required"
    assert undone.status_code == 200 and undone.json()["undone_at"]
    assert again.status_code == 409 and again.json()["code"] == "already_undone"
    assert today["accepted_count"] == 0
    assert [v["first_name"] for v in today["recent"]] == ["", "Marie"]
    assert device.post("/api/counter/visits/999999/undo/", {"reason": "x"}).status_code == 404


def test_the_schema_documents_the_counter(device):
    schema = device.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert {"/api/counter/scans/", "/api/counter/today/"} <= set(schema["paths"])
    verdict = schema["components"]["schemas"]["Verdict"]["properties"]
    assert {"accepted", "reason", "message", "allowances", "replayed"} <= set(verdict)


def test_the_whole_schema_validates_without_warnings(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    assert "/api/counter/scans/" in (tmp_path / "s.yml").read_text()


@pytest.mark.parametrize(
    "body",
    [
        {"code": "CP1ABC", "idempotency_key": "k" * 20},
        {"code": "", "idempotency_key": ""},
        {"code": " x\r\n", "idempotency_key": "k" * 20, "service": 3},
        {"code": "x", "idempotency_key": "k" * 20, "service": None, "units": 3},
        {"code": "x", "units": -4},
        {"code": "x\x00"},
    ],
)
def test_the_usual_scan_is_read_as_the_serializer_reads_it(body):
    from counter.serializers import ScanRequestSerializer, scan_request_plain

    serializer = ScanRequestSerializer(data=body)
    assert serializer.is_valid(), serializer.errors
    expected = {"service": None, **serializer.validated_data}
    assert scan_request_plain(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        {"code": 12, "idempotency_key": "k" * 20},
        {"code": "x", "units": True},
        {"code": "x", "units": "2"},
        {"code": "x", "service": ""},
        {"code": "x", "service": "3"},
        {"code": "x", "amount": "1.50"},
        {"code": "x", "reference": "T-1"},
        {"idempotency_key": "k" * 20},
        ["code", "x"],
    ],
)
def test_any_other_scan_body_is_left_to_the_serializer(body):
    from counter.serializers import scan_request_plain

    assert scan_request_plain(body) is None
