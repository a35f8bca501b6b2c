"""Renewal reminders: one e-mail per social worker listing their passes that end soon."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from network.models import Membership, Role, User
from network.selectors import network_policy_current
from passes.models import AccessPass, RenewalReminder

# Who issues passes: the roles whose issued passes are reminded to them.
ISSUING_ROLES = (Role.SOCIAL_WORKER, Role.PARTNER_HEAD)


@dataclass(frozen=True)
class RemindersSent:
    """What a run of `renewal_reminders_send` did."""

    emails: int
    passes: int

    def summary(self) -> str:
        return f"{self.emails} e-mails, {self.passes} passes reminded"


def renewal_due(*, today: date, days: int) -> QuerySet[AccessPass]:
    """Active passes ending from `today` to `days` days later, not yet reminded for that
    end, whose issuer can still act for the pass's partner and has an e-mail address."""
    reminded = RenewalReminder.objects.filter(
        access_pass=OuterRef("pk"), valid_until=OuterRef("valid_until")
    )
    issuer_still_there = Membership.objects.filter(
        user=OuterRef("issued_by"),
        organisation=OuterRef("partner"),
        role__in=ISSUING_ROLES,
        is_active=True,
        organisation__is_active=True,
    )
    return AccessPass.objects.filter(
        status=AccessPass.Status.ACTIVE,
        valid_until__gte=today,
        valid_until__lte=today + timedelta(days=days),
        household__anonymised_at__isnull=True,
        issued_by__is_active=True,
        issued_by__email__gt="",
    ).filter(Exists(issuer_still_there), ~Exists(reminded))


def household_url(household_id: int) -> str:
    path = reverse("passes:household-detail", kwargs={"household_id": household_id})
    return f"{settings.SITE_URL}{path}"


def _email_send(recipient: User, passes: list[AccessPass], days: int) -> None:
    """The reminder in the recipient's language: first names, end dates and links only
    (no family name, no address, no notes: an e-mail may be read anywhere)."""
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        context = {
            "recipient": recipient,
            "days": days,
            "rows": [
                {
                    "first_name": p.household.first_name,
                    "valid_until": p.valid_until,
                    "url": household_url(p.household_id),
                }
                for p in passes
            ],
        }
        subject = render_to_string("passes/email/renewal_reminder_subject.txt", context)
        body = render_to_string("passes/email/renewal_reminder.txt", context)
    send_mail(" ".join(subject.split()), body, None, [recipient.email])


def _remind_one(recipient_id: int, today: date, days: int) -> int:
    """Remind one person of their due passes; how many passes the e-mail lists.

    Locks the recipient's row: a second worker reminding the same person waits, then
    finds the reminders recorded and sends nothing. The e-mail goes out inside the
    transaction: if it cannot be sent, nothing is recorded and the next run tries again.
    """
    with transaction.atomic():
        recipient = User.objects.select_for_update().filter(pk=recipient_id).first()
        if recipient is None:
            return 0
        passes = list(
            renewal_due(today=today, days=days)
            .filter(issued_by_id=recipient_id)
            .select_related("household")
            .order_by("valid_until", "household__first_name", "pk")
        )
        if not passes:
            return 0
        now = timezone.now()
        RenewalReminder.objects.bulk_create(
            RenewalReminder(
                access_pass=p, valid_until=p.valid_until, recipient=recipient, sent_at=now
            )
            for p in passes
        )
        _email_send(recipient, passes, days)
        return len(passes)


def renewal_reminders_send(*, today: date | None = None) -> RemindersSent:
    """E-mail each person who issued passes ending within the network's reminder period
    (`renewal_reminder_days`) one list of them, each pass once for each end date.

    Only active passes of households not anonymised; the issuer must still hold a
    social worker's or partner head's role at the pass's partner. Idempotent, and safe
    with two workers at once (`_remind_one` locks each recipient; a unique constraint
    on (pass, end date) holds the rest).
    """
    today = today or timezone.localdate()
    days = network_policy_current().renewal_reminder_days
    recipient_ids = sorted(
        set(renewal_due(today=today, days=days).values_list("issued_by_id", flat=True))
    )
    emails = passes = 0
    for recipient_id in recipient_ids:
        if recipient_id is None:
            continue
        listed = _remind_one(recipient_id, today, days)
        emails += listed > 0
        passes += listed
    return RemindersSent(emails=emails, passes=passes)
