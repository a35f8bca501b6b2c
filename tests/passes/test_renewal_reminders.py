"""Renewal reminders: one e-mail per social worker, each pass once per end date, in their
language, with the minimum; and the same list on the social worker's home page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail

from network.models import NetworkSettings
from network.services import network_settings_update
from passes.models import RenewalReminder
from passes.services import (
    pass_issue,
    pass_renew,
    pass_revoke,
    pass_suspend,
    renewal_reminders_send,
)
from tests.concurrency import run_together
from tests.factories import membership, user

TODAY = date(2026, 3, 2)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _day_and_keys(frozen_day, pass_keys):
    return frozen_day


def with_email(account, language: str = ""):
    account.email = f"{account.username}@example.org"
    account.language = language
    account.save(update_fields=["email", "language"])
    return account


def issued(actor, household, convention, ends_in_days: int):
    return pass_issue(
        actor=actor,
        household=household,
        convention=convention,
        valid_until=TODAY + timedelta(days=ends_in_days),
        today=TODAY,
    )


@pytest.fixture
def worker_a(social_worker_a):
    return with_email(social_worker_a)


@pytest.fixture
def worker_b(social_worker_b):
    return with_email(social_worker_b)


def test_each_social_worker_gets_one_email_listing_their_passes_that_end_soon(
    worker_a, worker_b, partner_a, partner_b, convention_a, convention_b, make_household
):
    marie = make_household(worker_a, partner_a, "Marie", "Dupont", granted=True)
    lucas = make_household(worker_a, partner_a, "Lucas", "Lambert", 1990, granted=True)
    later = make_household(worker_a, partner_a, "Zoé", "Leclercq", 1985, granted=True)
    jean = make_household(worker_b, partner_b, "Jean", "Martin", 1975, granted=True)
    issued(worker_a, marie, convention_a, 10)
    issued(worker_a, lucas, convention_a, 30)
    issued(worker_a, later, convention_a, 31)  # beyond the 30 days: not yet
    issued(worker_b, jean, convention_b, 5)

    sent = renewal_reminders_send(today=TODAY)

    assert (sent.emails, sent.passes) == (2, 3)
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {"sw.a@example.org", "sw.b@example.org"}
    to_a = by_recipient["sw.a@example.org"]
    assert "2 accès-pass à renouveler" in to_a.subject
    assert "Marie, jusqu'au 12 mars 2026" in to_a.body
    assert "Lucas, jusqu'au 1 avril 2026" in to_a.body
    assert f"http://127.0.0.1:8000/households/{marie.pk}/" in to_a.body
    assert "Zoé" not in to_a.body and "Jean" not in to_a.body
    to_b = by_recipient["sw.b@example.org"]
    assert "Jean" in to_b.body and "Marie" not in to_b.body


def test_the_email_holds_first_names_dates_and_links_only(
    worker_a, partner_a, convention_a, make_household
):
    household = make_household(
        worker_a, partner_a, "Marie", "Dupont", granted=True, postal_code="5000", commune="Namur"
    )
    issued(worker_a, household, convention_a, 3)

    renewal_reminders_send(today=TODAY)

    (message,) = mail.outbox
    text = message.subject + message.body
    for private in ("Dupont", "DUPONT", "Namur", "5000", "Loyer impayé", "1980"):
        assert private not in text


def test_a_second_run_sends_nothing_and_changes_nothing(
    worker_a, partner_a, convention_a, household_a
):
    issued(worker_a, household_a, convention_a, 10)
    renewal_reminders_send(today=TODAY)
    reminders = list(RenewalReminder.objects.values_list("access_pass", "valid_until"))

    again = renewal_reminders_send(today=TODAY)
    the_next_day = renewal_reminders_send(today=TODAY + timedelta(days=1))

    assert (again.emails, again.passes) == (0, 0)
    assert (the_next_day.emails, the_next_day.passes) == (0, 0)
    assert len(mail.outbox) == 1
    assert list(RenewalReminder.objects.values_list("access_pass", "valid_until")) == reminders


def test_a_renewed_pass_is_reminded_again_once_for_its_new_end(
    worker_a, partner_a, convention_a, household_a
):
    access_pass = issued(worker_a, household_a, convention_a, 10)
    renewal_reminders_send(today=TODAY)
    pass_renew(
        actor=worker_a,
        access_pass=access_pass,
        reason="Situation inchangée",
        valid_until=TODAY + timedelta(days=20),
        today=TODAY,
    )

    renewal_reminders_send(today=TODAY)
    renewal_reminders_send(today=TODAY)

    assert len(mail.outbox) == 2
    ends = sorted(RenewalReminder.objects.values_list("valid_until", flat=True))
    assert ends == [TODAY + timedelta(days=10), TODAY + timedelta(days=20)]


def test_only_active_passes_are_reminded(worker_a, partner_a, convention_a, make_household):
    suspended = issued(
        worker_a, make_household(worker_a, partner_a, "A", "A", granted=True), convention_a, 5
    )
    revoked = issued(
        worker_a, make_household(worker_a, partner_a, "B", "B", granted=True), convention_a, 5
    )
    pass_suspend(actor=worker_a, access_pass=suspended, reason="En attente")
    pass_revoke(actor=worker_a, access_pass=revoked, reason="Déménagement")

    sent = renewal_reminders_send(today=TODAY)

    assert (sent.emails, sent.passes) == (0, 0)
    assert mail.outbox == []


def test_a_pass_that_already_ended_is_not_reminded(worker_a, partner_a, convention_a, household_a):
    issued(worker_a, household_a, convention_a, 1)

    sent = renewal_reminders_send(today=TODAY + timedelta(days=2))

    assert sent.passes == 0


def test_the_period_comes_from_the_network_settings(
    worker_a, coordinator, network_org, partner_a, convention_a, household_a
):
    issued(worker_a, household_a, convention_a, 10)
    network_settings_update(actor=coordinator, network=network_org, renewal_reminder_days=7)

    assert renewal_reminders_send(today=TODAY).passes == 0
    network_settings_update(actor=coordinator, network=network_org, renewal_reminder_days=10)
    assert renewal_reminders_send(today=TODAY).passes == 1
    assert "10 prochains jours" in mail.outbox[0].body


def test_without_saved_settings_the_period_is_30_days(
    worker_a, partner_a, convention_a, make_household
):
    assert NetworkSettings.objects.count() == 0
    issued(worker_a, make_household(worker_a, partner_a, "A", "A", granted=True), convention_a, 30)
    issued(worker_a, make_household(worker_a, partner_a, "B", "B", granted=True), convention_a, 31)

    assert renewal_reminders_send(today=TODAY).passes == 1


def test_the_email_is_in_the_social_workers_language(
    worker_a, partner_a, convention_a, household_a
):
    with_email(worker_a, language="nl")
    issued(worker_a, household_a, convention_a, 10)

    renewal_reminders_send(today=TODAY)

    (message,) = mail.outbox
    assert "12 maart 2026" in message.body
    assert "mars" not in message.body


def test_a_worker_who_left_the_partner_or_has_no_address_gets_nothing(
    worker_a, partner_a, convention_a, household_a, make_household
):
    issued(worker_a, household_a, convention_a, 10)
    worker_a.memberships.update(is_active=False)
    no_address = membership(user("sw.a2"), partner_a, "social_worker").user
    other = make_household(no_address, partner_a, "Paul", "Petit", 1970, granted=True)
    issued(no_address, other, convention_a, 10)

    sent = renewal_reminders_send(today=TODAY)

    assert (sent.emails, sent.passes) == (0, 0)
    assert RenewalReminder.objects.count() == 0


def test_a_failed_email_records_nothing_and_the_next_run_sends_it(
    worker_a, partner_a, convention_a, household_a, monkeypatch
):
    issued(worker_a, household_a, convention_a, 10)

    def broken(*args, **kwargs):
        raise OSError("SMTP server unreachable")

    monkeypatch.setattr("passes.services.reminders.send_mail", broken)
    with pytest.raises(OSError):
        renewal_reminders_send(today=TODAY)
    assert RenewalReminder.objects.count() == 0
    monkeypatch.undo()

    assert renewal_reminders_send(today=TODAY).passes == 1
    assert len(mail.outbox) == 1


# --- the social worker's home ---------------------------------------------------------------


def test_the_home_page_lists_the_passes_to_renew_within_the_period(
    client, worker_a, worker_b, partner_a, convention_a, convention_b, make_household
):
    soon = make_household(worker_a, partner_a, "Marie", "Dupont", granted=True)
    later = make_household(worker_a, partner_a, "Zoé", "Leclercq", 1985, granted=True)
    colleague = membership(user("sw.a3"), partner_a, "social_worker").user
    theirs = make_household(colleague, partner_a, "Paul", "Petit", 1970, granted=True)
    other = make_household(
        worker_b, partner_b_of(convention_b), "Jean", "Martin", 1975, granted=True
    )
    issued(worker_a, soon, convention_a, 10)
    issued(worker_a, later, convention_a, 45)
    issued(colleague, theirs, convention_a, 10)
    issued(worker_b, other, convention_b, 10)
    client.force_login(worker_a)

    page = client.get("/social/").content.decode()

    assert "Accès à renouveler dans les 30 jours" in page
    assert f"/households/{soon.pk}/" in page
    assert "12/03/2026" in page
    for absent in (later, theirs, other):
        assert f"/households/{absent.pk}/" not in page


def partner_b_of(convention):
    return convention.partner


def test_the_home_page_says_so_when_nothing_is_to_renew(client, worker_a):
    client.force_login(worker_a)

    page = client.get("/social/").content.decode()

    assert "Accès à renouveler dans les 30 jours" in page
    assert "ne se termine dans ce délai" in page


def test_the_home_page_follows_the_network_settings(
    client, worker_a, coordinator, network_org, partner_a, convention_a, household_a
):
    issued(worker_a, household_a, convention_a, 10)
    network_settings_update(actor=coordinator, network=network_org, renewal_reminder_days=7)
    client.force_login(worker_a)

    page = client.get("/social/").content.decode()

    assert "Accès à renouveler dans les 7 jours" in page
    assert f"/households/{household_a.pk}/" not in page


# --- two workers at once -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_one_email_per_social_worker_listing_each_pass_once(
    postgres, worker_a, worker_b, partner_a, partner_b, service_s, make_household
):
    from tests.factories import convention_make

    convention_a = convention_make(partner_a, [service_s], max_active_passes=20)
    convention_b = convention_make(partner_b, [service_s], max_active_passes=20)
    passes = []
    for index in range(6):
        household = make_household(worker_a, partner_a, f"A{index}", "Dupont", granted=True)
        passes.append(issued(worker_a, household, convention_a, 5 + index))
    for index in range(4):
        household = make_household(worker_b, partner_b, f"B{index}", "Martin", granted=True)
        passes.append(issued(worker_b, household, convention_b, 5 + index))

    first = run_together(2, lambda _index: renewal_reminders_send(today=TODAY))
    again = run_together(2, lambda _index: renewal_reminders_send(today=TODAY))

    assert not [r for r in first + again if isinstance(r, Exception)], first + again
    assert sum(r.emails for r in first) == 2
    assert sum(r.passes for r in first) == len(passes)
    assert sum(r.passes for r in again) == 0

    assert sorted(message.to[0] for message in mail.outbox) == [
        "sw.a@example.org",
        "sw.b@example.org",
    ]
    listed = [
        line
        for message in mail.outbox
        for line in message.body.splitlines()
        if ", jusqu'au" in line
    ]
    assert len(listed) == len(passes) == len(set(listed))
    assert RenewalReminder.objects.count() == len(passes)
