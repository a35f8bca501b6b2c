"""The passes services tests' world: a frozen day, their own keys, a convention."""

from datetime import date

import pytest
import time_machine

from tests.factories import assess, convention_make, household_make, organisation
from tests.passes.helpers import dev_keyring_in

TODAY = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _frozen_with_own_keys(settings, tmp_path):
    with time_machine.travel("2026-03-02 10:00 +0100", tick=False):
        yield from dev_keyring_in(settings, tmp_path)


@pytest.fixture
def service_t(db):
    return organisation(
        kind="service", name="Vestiaire T", slug="vestiaire-t", service_kind="vestiaire"
    )


@pytest.fixture
def convention(partner_a, service_s, service_t):
    return convention_make(partner_a, [service_s, service_t], max_pass_days=90)


@pytest.fixture
def household(social_worker_a, partner_a):
    household = household_make(social_worker_a, partner_a)
    assess(social_worker_a, household)
    return household
