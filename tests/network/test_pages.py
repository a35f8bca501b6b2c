"""Languages, security headers, health, and what each home page shows."""

from html import unescape

from django.conf import settings

from tests.factories import membership, organisation, user


def test_the_language_can_be_switched_and_is_remembered(client, social_worker_a):
    client.force_login(social_worker_a)
    response = client.post("/language/", {"language": "nl", "next": "/social/"})
    assert response["Location"] == "/social/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "nl"
    page = client.get("/social/")
    assert '<html lang="nl">' in page.text
    social_worker_a.refresh_from_db()
    assert social_worker_a.language == "nl"


def test_the_chosen_language_follows_the_user_to_another_device(client, social_worker_a):
    social_worker_a.language = "en"
    social_worker_a.save()
    client.force_login(social_worker_a)
    page = client.get("/social/")
    assert '<html lang="en">' in page.text
    assert page.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_an_unknown_language_is_refused_and_nothing_changes(client, social_worker_a):
    client.force_login(social_worker_a)
    response = client.post("/language/", {"language": "xx", "next": "/social/"}, follow=True)
    assert "Cette langue n'est pas disponible." in unescape(response.text)
    social_worker_a.refresh_from_db()
    assert social_worker_a.language == ""


def test_the_language_switch_never_redirects_off_site(client, db):
    response = client.post("/language/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_pages_send_a_strict_content_security_policy(client, db):
    response = client.get("/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_pages_carry_no_inline_script_or_style(client, social_worker_a, coordinator):
    for account, url in [(social_worker_a, "/social/"), (coordinator, "/network/")]:
        client.force_login(account)
        html = client.get(url).text
        assert "<script>" not in html and "<script type" not in html
        assert "style=" not in html and "<style" not in html


def test_healthz_reports_database_and_broker(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"]["ok"] is True
    assert "ok" in body["broker"]
    assert body["status"] in {"ok", "degraded"}


def test_healthz_reports_a_down_broker_without_failing(client, db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["broker"]["ok"] is False
    assert body["status"] == "degraded"


def test_healthz_shows_the_workers_last_heartbeat(client, db):
    from worker.tasks import worker_heartbeat

    worker_heartbeat.delay()
    body = client.get("/healthz").json()
    assert body["worker"]["ok"] is True
    assert body["worker"]["age_seconds"] < 5


def test_the_partner_head_sees_their_team_and_not_another_partners(
    client, partner_head_a, social_worker_a, social_worker_b
):
    client.force_login(partner_head_a)
    page = client.get("/partner/").text
    assert "Sw.A" in page
    assert "Sw.B" not in page


def test_the_coordinator_sees_the_network_overview(client, coordinator, partner_a, service_s):
    client.force_login(coordinator)
    page = client.get("/network/").text
    assert "CPAS A" in page and "Épicerie S" in page


def test_the_counter_shows_the_next_opening_sessions(client, volunteer_s, service_s):
    from datetime import time

    import time_machine

    from schedules.models import OpeningRule

    OpeningRule.objects.create(
        service=service_s, recurrence="FREQ=WEEKLY;BYDAY=TH", starts_at=time(14), ends_at=time(16)
    )
    # Thursday 26 November 2026, 15:00 in Brussels: open; the day after: the next session.
    with time_machine.travel("2026-11-26 15:00 +0100", tick=False):
        client.force_login(volunteer_s)
        open_page = client.get("/counter/").text
    with time_machine.travel("2026-11-27 10:00 +0100", tick=False):
        client.force_login(volunteer_s)
        closed_page = client.get("/counter/").text
    assert "Ouvert maintenant" in open_page and "16:00" in open_page
    assert "Fermé maintenant" in closed_page
    assert "jeudi 3 décembre" in closed_page


def test_money_is_written_the_way_each_language_writes_it(db):
    from decimal import Decimal

    from django.utils import translation

    from network.templatetags.comptoir import euros

    amounts = {}
    for language in ("fr", "nl", "en"):
        with translation.override(language):
            amounts[language] = euros(Decimal("1234.5"))
    assert amounts["fr"] == "1\u202f234,50\xa0€"
    assert amounts["nl"] == "€\xa01.234,50"
    assert amounts["en"] == "€1,234.50"


def test_a_volunteer_of_two_services_sees_the_one_they_chose(client, db):
    first = organisation(kind="service", name="Un", slug="un", service_kind="shop")
    second = organisation(kind="service", name="Deux", slug="deux", service_kind="coop")
    lucie = user("lucie")
    membership(lucie, first, "volunteer")
    chosen = membership(lucie, second, "volunteer")
    client.force_login(lucie)
    client.post("/role/", {"membership": chosen.pk})
    assert "Deux" in client.get("/counter/").text
