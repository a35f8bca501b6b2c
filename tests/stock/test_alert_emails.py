"""The managers' morning e-mail of stock alerts: once per service and day, to each manager of
the service in their language, never about another service, never when there is nothing to
say, and exactly once when two workers run at once (PostgreSQL, real threads)."""

import smtplib
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from network.models import Membership
from stock.models import Lot, Product, StockAlertDigest
from stock.selectors import alert_recipients
from stock.services import (
    AlertOutcome,
    ReceiptLine,
    service_stock_alerts_email,
    stock_alerts_email,
    stock_receive,
)
from tests.concurrency import run_together
from tests.factories import membership, organisation, user

D = Decimal
BRUSSELS = ZoneInfo("Europe/Brussels")
TOMORROW_7AM = datetime(2026, 3, 3, 7, 0, tzinfo=BRUSSELS)


def with_email(account, language: str = ""):
    account.email = f"{account.username}@example.org"
    account.language = language
    account.save()
    return account


@pytest.fixture
def alerts_s(catalogue, frozen_day):
    """At shop S on Monday 2 March 2026: oil under its minimum (5 of 6), the EU pasta lot
    dated Wednesday (first out), the nappies dated yesterday."""
    catalogue["oil"].minimum_stock = D(6)
    catalogue["oil"].save()
    Lot.objects.filter(product=catalogue["pasta"], origin="eu_food_aid").update(
        best_before=frozen_day + timedelta(days=2)
    )
    Lot.objects.filter(product=catalogue["nappies"]).update(
        best_before=frozen_day - timedelta(days=1)
    )
    return catalogue


@pytest.fixture
def managers_s(manager_s, service_s):
    """Two managers of S with an e-mail address, the second reading Dutch."""
    second = membership(user("man.s2"), service_s, "manager").user
    return [with_email(manager_s), with_email(second, "nl")]


@pytest.fixture
def shop_t(frozen_day):
    """Another shop, its manager, and rice dated tomorrow there."""
    shop = organisation(kind="service", name="Épicerie T", slug="epicerie-t", service_kind="shop")
    manager = with_email(membership(user("man.t"), shop, "manager").user)
    rice = Product.objects.create(name="Riz 1 kg", category="dry", market_price=D("2.10"))
    stock_receive(
        actor=manager,
        service=shop,
        origin="donation",
        lines=[ReceiptLine(rice, D(4), frozen_day + timedelta(days=1))],
    )
    return {"service": shop, "manager": manager}


def mails_to(account) -> list[mail.EmailMessage]:
    return [message for message in mail.outbox if message.to == [account.email]]


def test_each_manager_gets_one_email_with_the_products_and_lots_of_their_service(
    alerts_s, managers_s, service_s, volunteer_s
):
    with_email(volunteer_s)
    away = with_email(membership(user("man.away"), service_s, "manager").user)
    Membership.objects.filter(user=away).update(is_active=False)
    gone = with_email(membership(user("man.gone"), service_s, "manager").user)
    gone.is_active = False
    gone.save()
    membership(user("man.nomail"), service_s, "manager")

    emailed = stock_alerts_email()

    assert emailed.summary == "1 service alerted, 2 e-mails"
    assert sorted(m.to[0] for m in mail.outbox) == ["man.s2@example.org", "man.s@example.org"]
    [message] = mails_to(managers_s[0])
    assert message.subject == "Épicerie S · stock : à faire aujourd'hui (02/03/2026)"
    body = message.body
    assert "Épicerie S, lundi 2 mars 2026 : voici ce que le stock vous demande aujourd'hui." in (
        body
    )
    assert (
        "Dates dépassées : à retirer des rayons\n"
        "- Langes taille 4, date du dimanche 1 mars : 10 en stock"
        " (à jeter ou à enregistrer comme perte)\n"
    ) in body
    assert (
        "Dates dans les 3 jours : à mettre en avant\n"
        "- Pâtes 500 g, date du mercredi 4 mars : 2 en stock (à mettre devant : part en premier)\n"
    ) in body
    assert (
        "Sous le stock minimum : à commander\n- Huile de tournesol 1 l : 5 en stock, minimum 6\n"
    ) in body
    # The food bank's pasta is dated September: nothing to say about it yet.
    assert body.count("Pâtes") == 1
    assert "&" not in body and "&#x27;" not in body  # plain text, not HTML-escaped
    digest = StockAlertDigest.objects.get()
    assert (digest.service, digest.day, digest.emails, digest.sent) == (
        service_s,
        date(2026, 3, 2),
        2,
        2,
    )


def test_another_services_manager_gets_only_the_alerts_of_their_own_service(
    alerts_s, managers_s, shop_t
):
    emailed = stock_alerts_email()

    assert emailed.summary == "2 services alerted, 3 e-mails"
    [to_t] = mails_to(shop_t["manager"])
    assert "Épicerie T" in to_t.subject and "Riz 1 kg, date du mardi 3 mars" in to_t.body
    for name in ("Épicerie S", "Langes", "Pâtes", "Huile"):
        assert name not in to_t.body
    for message in mails_to(managers_s[0]) + mails_to(managers_s[1]):
        assert "Riz" not in message.body and "Épicerie T" not in message.body


def test_a_manager_of_a_service_with_nothing_to_say_gets_no_email(
    catalogue, managers_s, shop_t, frozen_day
):
    Lot.objects.filter(service=shop_t["service"]).update(best_before=frozen_day + timedelta(30))

    emailed = stock_alerts_email()

    assert emailed.summary == "0 services alerted, 0 e-mails"
    assert mail.outbox == []
    assert not StockAlertDigest.objects.exists()


def test_running_twice_the_same_day_sends_no_second_email(alerts_s, managers_s, service_s):
    assert stock_alerts_email().emails == 2

    again = service_stock_alerts_email(
        service=service_s, managers=managers_s, today=date(2026, 3, 2)
    )

    assert again.outcome == AlertOutcome.ALREADY_SENT
    assert stock_alerts_email().summary == "0 services alerted, 0 e-mails"
    assert len(mail.outbox) == 2
    assert StockAlertDigest.objects.count() == 1


def test_the_next_morning_the_alerts_still_true_are_sent_again(alerts_s, managers_s):
    stock_alerts_email()

    with time_machine.travel(TOMORROW_7AM, tick=False):
        emailed = stock_alerts_email()

    assert emailed.emails == 2
    assert len(mail.outbox) == 4
    assert "(03/03/2026)" in mail.outbox[-1].subject
    assert list(StockAlertDigest.objects.order_by("day").values_list("day", flat=True)) == [
        date(2026, 3, 2),
        date(2026, 3, 3),
    ]


def test_alerts_appearing_later_in_the_day_are_sent_when_the_job_runs_again(
    catalogue, managers_s, frozen_day
):
    assert stock_alerts_email().emails == 0
    Lot.objects.filter(product=catalogue["nappies"]).update(best_before=frozen_day)

    assert stock_alerts_email().emails == 2


def test_each_manager_reads_the_email_in_their_own_language(alerts_s, managers_s, service_s):
    english = with_email(membership(user("man.en"), service_s, "manager").user, "en")

    stock_alerts_email()

    french, dutch, in_english = (mails_to(a)[0].body for a in (*managers_s, english))
    assert "Dates dépassées : à retirer des rayons" in french
    assert "dimanche 1 mars" in french
    assert "Datum verstreken: uit de rekken halen" in dutch
    assert "Onder de minimumvoorraad: te bestellen" in dutch
    assert "vooraan zetten: gaat eerst weg" in dutch
    assert "zondag 1 maart" in dutch and "maandag 2 maart 2026" in dutch
    assert "Dates dépassées" not in dutch and "dimanche" not in dutch
    assert "Past their date: take off the shelves" in in_english
    assert "Under the minimum stock: to order" in in_english
    assert "Sunday 1 March" in in_english


class RefusingBackend(EmailBackend):
    """The mail server refuses the Dutch-speaking manager's address."""

    def send_messages(self, messages):
        if any(message.to == ["man.s2@example.org"] for message in messages):
            raise smtplib.SMTPRecipientsRefused({"man.s2@example.org": (550, b"no such user")})
        return super().send_messages(messages)


def test_an_email_the_mail_server_refuses_is_counted_and_not_sent_again(
    alerts_s, managers_s, settings
):
    settings.EMAIL_BACKEND = "tests.stock.test_alert_emails.RefusingBackend"

    emailed = stock_alerts_email()

    assert emailed.summary == "1 service alerted, 1 e-mail, 1 refused by the mail server"
    assert [m.to for m in mail.outbox] == [["man.s@example.org"]]
    assert StockAlertDigest.objects.get().sent == 1
    # At most once: the refused e-mail is not tried again the same day.
    assert stock_alerts_email().emails == 0


def test_the_task_runs_the_job_and_says_what_it_sent(alerts_s, managers_s):
    from reports.models import JobRun
    from worker.tasks import stock_alerts

    assert stock_alerts.delay().get() == "1 service alerted, 2 e-mails"
    assert stock_alerts.delay().get() == "0 services alerted, 0 e-mails"
    assert list(JobRun.objects.filter(job="stock_alerts").values_list("outcome", flat=True)) == [
        JobRun.Outcome.DONE,
        JobRun.Outcome.DONE,
    ]
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_exactly_one_email_per_manager(
    postgres, alerts_s, managers_s, service_s, shop_t
):
    def work(index: int):
        return service_stock_alerts_email(
            service=service_s, managers=managers_s, today=date(2026, 3, 2)
        ).outcome

    outcomes = run_together(2, work)

    assert sorted(outcomes) == [AlertOutcome.ALREADY_SENT, AlertOutcome.SENT], outcomes
    assert sorted(m.to[0] for m in mail.outbox) == ["man.s2@example.org", "man.s@example.org"]

    # The whole job too, from four workers: T's manager once, S's managers not again.
    results = run_together(4, lambda index: stock_alerts_email())

    assert sum(result.emails for result in results) == 1, results
    assert len(mails_to(shop_t["manager"])) == 1
    assert StockAlertDigest.objects.count() == 2


def test_the_recipients_are_the_active_managers_with_an_email_per_service(
    managers_s, service_s, shop_t, volunteer_s
):
    with_email(volunteer_s)

    recipients = alert_recipients()

    assert recipients == {service_s: managers_s, shop_t["service"]: [shop_t["manager"]]}


@pytest.mark.parametrize("day", [date(2026, 1, 14), date(2026, 7, 14)], ids=["winter", "summer"])
def test_beat_sends_the_stock_alerts_every_morning_at_0700_brussels_time(day):
    from tests.network.test_worker import beat_run, to_the_minute

    sent = beat_run(datetime.combine(day, time(12, 0, 30), tzinfo=BRUSSELS), hours=24)

    seven = datetime.combine(day + timedelta(days=1), time(7, 0), tzinfo=BRUSSELS)
    assert to_the_minute(sent["worker.tasks.stock_alerts"]) == [seven]
