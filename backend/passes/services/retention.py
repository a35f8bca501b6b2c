"""Retention: households without a valid pass for the network's retention period are
anonymised. Their identity, address and every free text about them go; what the
statistics count stays (year of birth, members by age band and sex, the EU food-aid
counts, passes, visits and what was given)."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from comptoir.dates import local_midnight
from network.audit import audit_record
from network.models import Organisation
from network.selectors import network_policy_current
from passes.models import AccessPass, Assessment, Household, PassEvent, Voucher

# What replaces the names: a word, so that pages and lists still read.
ANONYMISED_NAME = "Anonymisé"
BATCH_SIZE = 500

# The apps above register here what they keep about a household in free text (a
# counter's note, a voucher's description copied into a visit), to blank it too. Each
# is called inside the anonymising transaction with the households' ids.
HouseholdsAnonymised = Callable[[list[int]], None]
_on_anonymised: dict[str, HouseholdsAnonymised] = {}


def households_anonymised_register(name: str, blank: HouseholdsAnonymised) -> None:
    _on_anonymised[name] = blank


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the month's last day when it is shorter)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    month = month0 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def retention_due(*, cutoff: date) -> QuerySet[Household]:
    """Households not anonymised with nothing since `cutoff`: registered and last changed
    before it, no assessment, voucher or pass since.

    A pass counts until its last valid day, or its revocation when it was revoked
    before (an open pass whose end passed long ago counts no more than an expired one).
    """
    since = local_midnight(cutoff)
    recent_pass = AccessPass.objects.filter(
        household=OuterRef("pk"), valid_until__gte=cutoff
    ).filter(~Q(status=AccessPass.Status.REVOKED) | Q(updated_at__gte=since))
    recent_assessment = Assessment.objects.filter(household=OuterRef("pk")).filter(
        Q(assessed_on__gte=cutoff) | Q(created_at__gte=since)
    )
    recent_voucher = Voucher.objects.filter(household=OuterRef("pk")).filter(
        Q(valid_until__gte=cutoff) | Q(issued_at__gte=since)
    )
    return Household.objects.filter(
        anonymised_at__isnull=True, created_at__lt=since, updated_at__lt=since
    ).exclude(Exists(recent_pass) | Exists(recent_assessment) | Exists(recent_voucher))


def _anonymise_batch(cutoff: date, now_day: date, after: int) -> tuple[int, int | None]:
    """Anonymise up to BATCH_SIZE due households with an id above `after`, in one
    transaction: how many it changed, and the last id it locked (None: none left).

    Locks the households' rows first, in id order (two workers never deadlock, and the
    second one finds them anonymised and skips them), then a conditional UPDATE ...
    WHERE anonymised_at IS NULL whose row count is the answer. Each batch starts after
    the last one, so a run reads the households once, however many are kept.
    """
    with transaction.atomic():
        locked = list(
            retention_due(cutoff=cutoff)
            .filter(pk__gt=after)
            .select_for_update(of=("self",))
            .order_by("pk")
            .values_list("pk", "partner_id")[:BATCH_SIZE]
        )
        if not locked:
            return 0, None
        ids = [pk for pk, _partner in locked]
        now = timezone.now()
        changed = Household.objects.filter(pk__in=ids, anonymised_at__isnull=True).update(
            first_name=ANONYMISED_NAME,
            last_name=ANONYMISED_NAME,
            first_name_key="",
            last_name_key="",
            postal_code="",
            commune="",
            anonymised_at=now,
            updated_at=now,
        )
        Assessment.objects.filter(household_id__in=ids).exclude(notes="").update(notes="")
        Voucher.objects.filter(household_id__in=ids).filter(
            ~Q(covers="") | ~Q(revoke_reason="")
        ).update(covers="", revoke_reason="")
        PassEvent.objects.filter(access_pass__household_id__in=ids).exclude(reason="").update(
            reason=""
        )
        for blank in _on_anonymised.values():
            blank(ids)
        partners = Organisation.objects.in_bulk({partner for _pk, partner in locked})
        for pk, partner_id in locked:
            audit_record(
                actor=None,
                action="household.anonymise",
                target=Household(pk=pk),
                organisation=partners.get(partner_id),
                detail={"cutoff": cutoff.isoformat(), "on": now_day.isoformat()},
            )
        return changed, ids[-1]


def households_anonymise_due(*, today: date | None = None) -> int:
    """Anonymise every household without a valid pass (nor any other activity) for the
    network's `retention_months`; how many were anonymised.

    Names become « Anonymisé »; the search keys, postal code and commune are blanked,
    and so are the assessments' notes, the vouchers' descriptions and reasons, the
    reasons written in the passes' history, and what the apps above registered. One
    audit entry per household, with ids only. Idempotent and safe with two workers at
    once (see `_anonymise_batch`).
    """
    today = today or timezone.localdate()
    cutoff = months_before(today, network_policy_current().retention_months)
    total, last_id = 0, 0
    while True:
        changed, last = _anonymise_batch(cutoff, today, last_id)
        if last is None:
            return total
        total, last_id = total + changed, last
