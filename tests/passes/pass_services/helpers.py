"""Helpers of the passes services tests: issue, expect a refusal, check a card."""

from datetime import date

import pytest

from network.models import AuditEntry
from passes.models import PassCard
from passes.selectors import pass_check
from passes.services import (
    PassRefused,
    pass_issue,
)
from tests.passes.helpers import row_counts

TODAY = date(2026, 3, 2)


def issue(actor, household, convention, **kwargs):
    return pass_issue(actor=actor, household=household, convention=convention, **kwargs)


def refused(call, *args, **kwargs) -> PassRefused:
    """Run a call that must be refused; nothing it began may stay in the database."""
    before = row_counts(), AuditEntry.objects.count()
    with pytest.raises(PassRefused) as refusal:
        call(*args, **kwargs)
    assert (row_counts(), AuditEntry.objects.count()) == before
    assert refusal.value.message
    return refusal.value


def check(text: str, today: date = TODAY) -> str:
    return pass_check(text, today=today).code


def current_card(access_pass) -> PassCard:
    access_pass.refresh_from_db()
    return PassCard.objects.get(access_pass=access_pass, version=access_pass.card_version)
