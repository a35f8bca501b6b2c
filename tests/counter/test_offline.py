"""The counter without the network: the day's list a tablet keeps, and the sync of what it
decided meanwhile (real moments, marked offline, once per key, conflicts for the manager)."""

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from counter.models import Visit
from counter.offline import OfflineScan, offline_scans_record
from counter.services import rule_period_starts, usage_counted, visit_record
from network.models import AuditEntry
from passes.selectors import pass_token
from passes.services.lifecycle import pass_replace, pass_revoke
from reports.models import Figure
from reports.services import month_compile
from tests.factories import membership, organisation, user

pytestmark = pytest.mark.django_db
SNAPSHOT = "/api/counter/offline/snapshot/"
SYNC = "/api/counter/offline/scans/"
BRUSSELS = ZoneInfo("Europe/Brussels")


@pytest.fixture
def device(volunteer_s):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=volunteer_s).key}")
    return client


def at(hour, minute=0):
    """A moment of the frozen day (Monday 2 March 2026), Brussels time."""
    return datetime(2026, 3, 2, hour, minute, tzinfo=BRUSSELS)


def offline(code, moment, accepted=True, reason="", key=None):
    return {
        "idempotency_key": key or uuid.uuid4().hex,
        "code": code,
        "at": moment.isoformat(),
        "accepted": accepted,
        "reason": reason,
    }


def test_the_snapshot_holds_what_the_online_verdict_shows_and_no_more(device, token_a, pass_a):
    response = device.get(SNAPSHOT)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["day"] == "2026-03-02"
    assert body["keys"]["deployment"] == 4242
    assert set(body["keys"]["public_keys"]) == {"1", "2"}
    assert [(s["starts"][11:16], s["ends"][11:16]) for s in body["sessions"]] == [
        ("08:00", "20:00")
    ]
    entry = body["passes"][str(pass_a.pk)]
    assert entry == {
        "v": pass_a.card_version,
        "refusal": "",
        "name": "Marie",
        "size": 3,
        "last_at": None,
        "after": [
            "Budget d'achats : 70,00\xa0€ par mois",
            "Plus aucun passage cette semaine · à nouveau le lundi 9 mars",
        ],
        "appointments": [],
    }
    # The same words as the online verdict after the scan.
    online = device.post(
        "/api/counter/scans/", {"code": token_a, "idempotency_key": uuid.uuid4().hex}, format="json"
    ).json()
    assert entry["after"] == [allowance["text"] for allowance in online["allowances"]]
    # Nothing of the assessment, the address or the partner: only these keys.
    assert body["messages"]["revoked"]
    assert AuditEntry.objects.filter(action="counter.offline_snapshot").count() == 1


def test_the_snapshot_names_no_refused_household_and_counts_the_days_visits(
    device, token_a, pass_a, pass_b, social_worker_a
):
    device.post(
        "/api/counter/scans/", {"code": token_a, "idempotency_key": uuid.uuid4().hex}, format="json"
    )
    body = device.get(SNAPSHOT).json()

    entry = body["passes"][str(pass_a.pk)]
    assert entry["used_up"]["reason"] == "already_served"
    assert entry["last_at"] is not None
    pass_revoke(actor=social_worker_a, access_pass=pass_a, reason="fin de suivi")
    entry = device.get(SNAPSHOT).json()["passes"][str(pass_a.pk)]
    assert entry == {"v": pass_a.card_version, "refusal": "revoked"}


def test_the_snapshot_is_only_the_callers_own_counter(token_a, pass_b, service_s):
    other = organisation(kind="service", slug="autre", name="Autre épicerie", service_kind="shop")
    stranger = user("benevole.autre")
    membership(stranger, other, "volunteer")
    client = APIClient()
    client.force_authenticate(stranger)

    assert client.get(SNAPSHOT, {"service": service_s.pk}).status_code == 404
    body = client.get(SNAPSHOT).json()
    assert body["passes"] == {}


def test_offline_scans_are_recorded_at_their_real_moment_marked_offline(device, token_a):
    scans = [offline(token_a, at(9, 30)), offline("CP1FORGED", at(9, 31), False, "malformed")]

    response = device.post(SYNC, {"scans": scans}, format="json")

    assert response.status_code == 200
    results = response.json()
    assert [(r["status"], r["accepted"], r["conflict"]) for r in results] == [
        ("recorded", True, False),
        ("recorded", False, False),
    ]
    visits = list(Visit.objects.order_by("at"))
    assert [
        (timezone.localtime(v.at).strftime("%H:%M"), v.accepted, v.offline) for v in visits
    ] == [
        ("09:30", True, True),
        ("09:31", False, True),
    ]


def test_a_sync_sent_again_after_a_cut_records_nothing_twice(device, token_a, pass_b):
    token_b = pass_token(access_pass=pass_b)
    scans = [offline(token_a, at(9, 30)), offline(token_b, at(9, 40))]
    device.post(SYNC, {"scans": scans[:1]}, format="json")

    results = device.post(SYNC, {"scans": scans}, format="json").json()

    assert [r["status"] for r in results] == ["replayed", "recorded"]
    assert Visit.objects.count() == 2


def test_one_card_served_offline_on_two_tablets_is_a_conflict_counted_once(
    token_a, volunteer_s, service_s, manager_s, client, convention_a
):
    first = offline_scans_record(
        service=service_s,
        user=volunteer_s,
        scans=[OfflineScan(uuid.uuid4().hex, token_a, at(9, 30), accepted=True)],
    )
    second = offline_scans_record(
        service=service_s,
        user=volunteer_s,
        scans=[OfflineScan(uuid.uuid4().hex, token_a, at(9, 45), accepted=True)],
    )

    assert first[0].verdict.accepted
    conflict = second[0].verdict
    assert (conflict.accepted, conflict.reason, conflict.visit.offline_conflict) == (
        False,
        "already_served",
        True,
    )
    assert Visit.objects.filter(offline_conflict=True).count() == 1
    client.force_login(manager_s)
    page = client.get("/manage/").content.decode()
    assert "1 conflit hors ligne aujourd'hui" in page
    assert "Déjà servi cette semaine : prochain passage le lundi 9 mars." in page
    report = month_compile(month=date(2026, 3, 1), now=at(12)).report
    accepted = Figure.objects.get(
        report=report, convention=convention_a, indicator="visits_accepted", detail=""
    )
    assert accepted.value == 1


def test_a_card_the_tablet_refused_stays_refused_whatever_the_server_would_say(device, token_a):
    scans = [offline(token_a, at(9, 30), accepted=False, reason="offline_unknown")]

    result = device.post(SYNC, {"scans": scans}, format="json").json()[0]

    assert (result["accepted"], result["reason"], result["conflict"]) == (
        False,
        "offline_unknown",
        False,
    )
    visit = Visit.objects.get()
    assert visit.access_pass_id is not None and visit.offline


def test_a_revoked_card_served_offline_is_a_conflict_and_a_replaced_one_too(
    device, token_a, pass_a, social_worker_a
):
    old_card = token_a
    pass_replace(actor=social_worker_a, access_pass=pass_a, reason="perdue")
    results = device.post(SYNC, {"scans": [offline(old_card, at(9, 30))]}, format="json").json()

    assert (results[0]["reason"], results[0]["conflict"]) == ("replaced", True)


def test_a_scan_from_long_ago_is_rejected_one_from_a_clock_ahead_recorded_now(
    device, token_a, pass_b
):
    token_b = pass_token(access_pass=pass_b)
    scans = [
        offline(token_a, at(10, 30)),
        offline(token_b, at(9, 0) - timedelta(days=8)),
        offline(token_b, at(9, 50)),
    ]

    results = device.post(SYNC, {"scans": scans}, format="json").json()

    assert [r["status"] for r in results] == ["recorded", "rejected", "recorded"]
    assert "L'horloge de la tablette est-elle juste ?" in results[1]["message"]
    assert Visit.objects.count() == 2
    ahead = Visit.objects.get(pk=results[0]["visit"])
    assert ahead.accepted and ahead.at == at(10) and ahead.synced_at == at(10)


def test_a_late_scan_is_judged_in_its_own_period_and_its_nearest_visit(
    pass_a, service_s, frozen_day
):
    rules = pass_a.rule_snapshots(service_s.pk)  # one visit a week
    starts = rule_period_starts(rules, date(2026, 3, 2))
    next_week = (at(10) + timedelta(days=7), 1, 0)
    same_week = (at(10) + timedelta(days=2), 1, 0)
    soon_after = (at(10, 5), 1, 0)

    assert usage_counted(rules, starts, [next_week], at(10)).per_rule[-1].used == 0
    assert usage_counted(rules, starts, [same_week], at(10)).per_rule[-1].used == 1
    nearest = usage_counted(rules, starts, [next_week, soon_after], at(10)).last_at
    assert nearest == at(10, 5)


def test_a_revoked_device_token_cannot_sync(volunteer_s, token_a):
    token = Token.objects.create(user=volunteer_s)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    token.delete()

    response = client.post(SYNC, {"scans": [offline(token_a, at(9, 30))]}, format="json")

    assert response.status_code == 401
    assert Visit.objects.count() == 0


def test_a_sync_refuses_a_broken_body_in_the_users_language(device):
    response = device.post(
        SYNC, {"scans": [{"code": "x", "at": "hier", "accepted": True}]}, format="json"
    )

    assert response.status_code == 400
    assert Visit.objects.count() == 0


def test_a_scan_the_tablet_refused_after_the_server_had_accepted_it_is_undone(
    token_a, volunteer_s, service_s
):
    key = uuid.uuid4().hex
    # The server accepted it; its answer never reached the tablet, which refused it offline.
    online = visit_record(text=token_a, service=service_s, user=volunteer_s, idempotency_key=key)
    assert online.accepted

    # "Cannot tell without the server": the server's verdict stands.
    undecided = OfflineScan(key, token_a, at(10), accepted=False, reason="offline_unknown")
    offline_scans_record(service=service_s, user=volunteer_s, scans=[undecided])
    assert Visit.objects.get().undone_at is None

    scan = OfflineScan(key, token_a, at(10), accepted=False, reason="already_served")
    for _ in range(2):  # sent twice: nothing more changes
        result = offline_scans_record(service=service_s, user=volunteer_s, scans=[scan])[0]

    visit = Visit.objects.get()
    assert result.status == "replayed"
    assert visit.undone_at is not None
    assert "la réponse du serveur n'était pas arrivée" in visit.undo_reason
    assert AuditEntry.objects.filter(action="visit.undo").count() == 1


def test_a_scan_the_tablet_accepted_after_the_server_had_refused_it_is_a_conflict(
    token_a, volunteer_s, service_s
):
    visit_record(
        text=token_a, service=service_s, user=volunteer_s, idempotency_key=uuid.uuid4().hex
    )
    key = uuid.uuid4().hex
    refused = visit_record(text=token_a, service=service_s, user=volunteer_s, idempotency_key=key)
    assert refused.reason == "already_served"

    scan = OfflineScan(key, token_a, at(10), accepted=True)
    result = offline_scans_record(service=service_s, user=volunteer_s, scans=[scan])[0]

    assert (result.status, result.verdict.accepted) == ("replayed", False)
    assert Visit.objects.get(idempotency_key=key).offline_conflict
