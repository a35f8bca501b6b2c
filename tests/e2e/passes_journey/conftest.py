"""Fixtures of the passes journey: the keys, the reasons, and a convention per partner."""

from __future__ import annotations

import pytest

from tests.e2e.helpers_passes import (
    assessment_reasons,  # noqa: F401  (fixture)
    convention_make,
    pass_keys,  # noqa: F401  (fixture)
)


@pytest.fixture
def convention_a(partner_a, service_s):
    return convention_make(partner_a, [service_s], reference="CONV-A", visits_per_week=1)


@pytest.fixture
def convention_b(partner_b, service_s):
    return convention_make(partner_b, [service_s], reference="CONV-B", visits_per_week=1)
