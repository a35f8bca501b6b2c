"""The morning e-mail of the stock alerts: each collective service's managers get, once a
day, what the stock asks of them, the same list as their home page and /api/stock/alerts/
(`stock.selectors.stock_alerts`: products under their minimum, lots past their date, lots
whose date comes within `settings.SHOP_DATE_ALERT_DAYS`).

Once per service and day. Deciding to send is inserting a `StockAlertDigest` row, unique
on (service, day), in a durable transaction (its end is the commit). No row lock is taken
beyond that unique index entry: a second worker deciding the same service and day at the
same moment waits on the first one's uncommitted entry, then fails to insert (the first
committed: it sends nothing, `already_sent`) or inserts (the first rolled back: it sends).
A service with nothing to say gets no row and no e-mail, so alerts that appear later in
the day are still e-mailed if the job runs again.

At most once, not at least once: the e-mails leave after the commit (the transaction is
durable, so a caller inside another transaction is refused rather than sending early). An e-mail the mail
server refuses is logged and counted (`StockAlertDigest.sent` and the job's summary), not
retried that day: the same alerts wait on the manager's home page, and tomorrow's e-mail
repeats what is still true. Sending inside the transaction instead would send twice
whenever the commit, or the e-mail to a service's second manager, failed after the first
e-mail had left.

Nothing here refuses: a service's outcome is one of `AlertOutcome`'s codes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from network.models import Organisation, User
from stock.models import StockAlertDigest
from stock.selectors import StockAlerts, alert_recipients, stock_alerts

logger = logging.getLogger(__name__)


class AlertOutcome(StrEnum):
    SENT = "sent"
    NOTHING_TO_SAY = "nothing_to_say"
    ALREADY_SENT = "already_sent"


@dataclass(frozen=True)
class ServiceAlerted:
    outcome: AlertOutcome
    sent: int = 0
    failed: int = 0


@dataclass(frozen=True)
class AlertsEmailed:
    services: int
    emails: int
    failed: int

    @property
    def summary(self) -> str:
        """For the jobs page: "3 services alerted, 5 e-mails"."""
        said = f"{_count(self.services, 'service')} alerted, {_count(self.emails, 'e-mail')}"
        return f"{said}, {self.failed} refused by the mail server" if self.failed else said


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def stock_alerts_email(*, today: date | None = None) -> AlertsEmailed:
    """E-mail every collective service's managers the day's stock alerts, once per service
    and day (see the module); safe to run twice and from two workers at once."""
    today = today or timezone.localdate()
    services = emails = failed = 0
    for service, managers in alert_recipients().items():
        alerted = service_stock_alerts_email(service=service, managers=managers, today=today)
        if alerted.outcome == AlertOutcome.SENT:
            services += 1
            emails += alerted.sent
            failed += alerted.failed
    return AlertsEmailed(services=services, emails=emails, failed=failed)


def service_stock_alerts_email(
    *, service: Organisation, managers: list[User], today: date
) -> ServiceAlerted:
    """E-mail `managers` (each in their language) the stock alerts of `service` on `today`,
    unless there are none (`nothing_to_say`) or they were decided already (`already_sent`).

    Locks the (service, day) entry of the digests' unique index until its transaction
    commits; the e-mails leave after that commit (at most once)."""
    days = settings.SHOP_DATE_ALERT_DAYS
    with transaction.atomic(durable=True):
        alerts = stock_alerts(service, today, days)
        if not alerts or not managers:
            return ServiceAlerted(AlertOutcome.NOTHING_TO_SAY)
        try:
            with transaction.atomic():
                digest = StockAlertDigest.objects.create(
                    service=service, day=today, decided_at=timezone.now(), emails=len(managers)
                )
        except IntegrityError:
            return ServiceAlerted(AlertOutcome.ALREADY_SENT)
        # Rendered before the commit: a broken template undoes the decision (and the task
        # retries) instead of losing the day's e-mail.
        messages = [_message(service, manager, alerts, today, days) for manager in managers]
    sent = _send(messages)
    StockAlertDigest.objects.filter(pk=digest.pk).update(sent=sent)
    return ServiceAlerted(AlertOutcome.SENT, sent=sent, failed=len(messages) - sent)


def _message(
    service: Organisation, manager: User, alerts: StockAlerts, today: date, days: int
) -> EmailMessage:
    context = {"service": service, "manager": manager, "alerts": alerts, "today": today}
    with translation.override(manager.language or settings.LANGUAGE_CODE):
        subject = render_to_string("stock/emails/alerts_subject.txt", context)
        body = render_to_string("stock/emails/alerts.txt", {**context, "days": days})
    return EmailMessage(subject=" ".join(subject.split()), body=body, to=[manager.email])


def _send(messages: list[EmailMessage]) -> int:
    """Send each e-mail on one connection; count those the mail server took."""
    sent = 0
    connection = get_connection()
    try:
        for message in messages:
            message.connection = connection
            try:
                sent += message.send()
            except OSError:  # smtplib's errors included
                logger.exception("stock alerts: the mail server refused an e-mail")
    finally:
        try:
            connection.close()
        except OSError:
            logger.warning("stock alerts: closing the mail connection failed", exc_info=True)
    return sent
