"""The counter's tests use the passes' fixtures: known keys, a frozen day, issued passes."""

from datetime import time

import pytest

from passes.selectors import pass_token
from schedules.models import OpeningRule
from tests.passes.conftest import (  # noqa: F401  (fixtures, found by name)
    api,
    convention_a,
    convention_b,
    frozen_day,
    household_a,
    household_b,
    make_convention,
    make_household,
    pass_a,
    pass_b,
    pass_keys,
)


@pytest.fixture
def open_s(service_s):
    """The service's counter, open every day from 8:00 to 20:00 (the frozen day's 10:00)."""
    return OpeningRule.objects.create(
        service=service_s, recurrence="FREQ=DAILY", starts_at=time(8), ends_at=time(20)
    )


@pytest.fixture
def token_a(frozen_day, pass_keys, open_s, pass_a):  # noqa: F811  (fixtures, by name)
    """The card of pass_a, at that open counter (modules may define their own)."""
    return pass_token(access_pass=pass_a)
