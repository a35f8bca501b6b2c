"""The demo's vestiaire: referrals the CPAS gave, one used, one expired, one to try.

The CSSN page (seeds) sends people to the vestiaire of the Sœurs de la Charité « avec
un mot du service social »: in Comptoir, a referral voucher that says what it covers,
good once until its date. The volunteer types its short code (or scans its QR).
Each run keeps one referral good today for the visitor to try.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from django.db import transaction
from django.utils import timezone

from comptoir.errors import DomainError
from counter.services import visit_record
from demo.namur.history import history_ends, local_moment, real_sessions, working_day
from demo.namur.organisations import DemoNetwork
from demo.namur.stories import household_find
from network.models import Organisation
from passes.models import Voucher
from passes.services.vouchers import referral_issue
from passes.tokens import human_code_display

VESTIAIRE = "vestiaire-soeurs-charite"
VOLUNTEER = "benevole.vestiaire"
PARTNER = "cpas-namur"
REFERRAL_DAYS = 30


# (first name, last name, what the referral covers, days before the history ends it was
# given): used at the vestiaire's session after it was given.
USED = ("Fatima", "El Amrani", "Vêtements d'enfants (3–15 ans) pour 2 enfants", 16)
# Given long enough ago that its 30 days have run out, never used.
EXPIRED = ("Sébastien", "Lefèvre", "Vêtements de bébé (0–2 ans) et chaussures d'enfant", 50)
# Good today: the one to try.
TO_TRY = ("Youssef", "Benali", "Vêtements d'hiver pour 5 personnes")


def referrals_load(demo: DemoNetwork) -> None:
    """A used and an expired referral the first time; on every run, one good today."""
    service = demo.orgs[VESTIAIRE]
    if not Voucher.objects.filter(service=service).exists():
        referrals_history_load(demo, service, history_ends(demo.today))
    referral_keep(demo, service)


def referral_give(
    demo: DemoNetwork, service: Organisation, names: tuple[str, str], covers: str, on: date
) -> Voucher | None:
    household = household_find(PARTNER, *names)
    if household is None:
        return None
    try:
        with transaction.atomic():
            return referral_issue(
                actor=demo.actor_for(PARTNER),
                household=household,
                service=service,
                covers=covers,
                valid_days=REFERRAL_DAYS,
                moment=min(timezone.now(), local_moment(working_day(on), time(9, 40))),
            )
    except DomainError as refusal:
        demo.notes.append(f"no referral to the vestiaire for {names[0]}: {refusal.code}")
        return None


def referrals_history_load(demo: DemoNetwork, service: Organisation, ends: date) -> None:
    first, last, covers, days_before = EXPIRED
    referral_give(demo, service, (first, last), covers, ends - timedelta(days=days_before))
    first, last, covers, days_before = USED
    given_on = working_day(ends - timedelta(days=days_before))
    voucher = referral_give(demo, service, (first, last), covers, given_on)
    sessions = real_sessions(service, given_on + timedelta(days=1), ends)
    if voucher is None or not sessions:
        return
    visit_record(
        text=human_code_display(voucher.human_code),
        service=service,
        user=demo.users[VOLUNTEER],
        idempotency_key=f"demo-referral-{voucher.pk}",
        moment=sessions[0].starts + timedelta(minutes=25),
    )


def referrals_to_try(service: Organisation, today: date) -> list[Voucher]:
    """The referrals to the vestiaire good today, with their households' first names."""
    return list(
        Voucher.objects.filter(
            kind=Voucher.Kind.REFERRAL,
            service=service,
            used_at__isnull=True,
            revoked_at__isnull=True,
            valid_from__lte=today,
            valid_until__gte=today,
        )
        .select_related("household")
        .order_by("-valid_until", "pk")
    )


def referral_keep(demo: DemoNetwork, service: Organisation) -> None:
    """A referral good today, given now when none is left (a run weeks later, or the
    visitor used it)."""
    if referrals_to_try(service, demo.today):
        return
    first, last, covers = TO_TRY
    referral_give(demo, service, (first, last), covers, demo.today)
