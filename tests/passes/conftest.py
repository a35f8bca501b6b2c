"""Fixtures for the passes tests: known keys, and state built through the services.

Nothing here is autouse: each module decides its own day and keys.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rest_framework.test import APIClient

from demo.world import assessment_make
from passes.keys import keyring, keyring_reset
from passes.models import AssessmentReason
from passes.services import MemberData, pass_issue
from passes.tokens import private_key_format, public_key_format
from tests.factories import convention_make, household_make

TODAY = date(2026, 3, 2)


@pytest.fixture
def frozen_day():
    """A Monday in March 2026, inside the conventions below."""
    moment = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Brussels"))
    with time_machine.travel(moment, tick=False):
        yield TODAY


@pytest.fixture
def pass_keys(settings):
    """A known keyring: key 2 signs, key 1 is retired but still trusted."""
    signing = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    retired = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
    settings.PASS_DEPLOYMENT_ID = 4242
    settings.PASS_SIGNING_KEY = private_key_format(2, signing)
    settings.PASS_TRUSTED_KEYS = [public_key_format(1, retired.public_key())]
    keyring_reset()
    yield keyring()
    keyring_reset()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def make_convention(service_s):
    """A convention of 2026 opening service S, with a weekly visit and a monthly budget."""

    def make(partner, reference, **overrides):
        overrides.setdefault("max_active_passes", 3)
        return convention_make(
            partner, [service_s], reference=reference, budget=(4000, 1500), **overrides
        )

    return make


@pytest.fixture
def make_household():
    """Register a household through the service, optionally with a granted assessment."""

    def make(actor, partner, first_name="Marie", last_name="Dupont", birth_year=1980, **kw):
        members = kw.pop("members", [MemberData("3-15", "f"), MemberData("25-64", "m")])
        granted = kw.pop("granted", False)
        household = household_make(
            actor,
            partner,
            first_name=first_name,
            last_name=last_name,
            birth_year=birth_year,
            recorded_on=date(2026, 2, 1),
            members=members,
            **kw,
        )
        if granted:
            assessment_make(
                actor=actor,
                household=household,
                on=date(2026, 2, 20),
                reasons=AssessmentReason.objects.filter(code="low_income"),
                notes="Loyer impayé depuis janvier.",
            )
        return household

    return make


@pytest.fixture
def convention_a(partner_a, make_convention):
    return make_convention(partner_a, "CONV-A-2026")


@pytest.fixture
def convention_b(partner_b, make_convention):
    return make_convention(partner_b, "CONV-B-2026")


@pytest.fixture
def household_a(social_worker_a, partner_a, make_household):
    return make_household(social_worker_a, partner_a, granted=True)


@pytest.fixture
def household_b(social_worker_b, partner_b, make_household):
    return make_household(social_worker_b, partner_b, "Jean", "Martin", 1975, granted=True)


@pytest.fixture
def pass_a(social_worker_a, household_a, convention_a):
    return pass_issue(actor=social_worker_a, household=household_a, convention=convention_a)


@pytest.fixture
def pass_b(social_worker_b, household_b, convention_b):
    return pass_issue(actor=social_worker_b, household=household_b, convention=convention_b)
