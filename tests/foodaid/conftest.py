"""Food aid's tests: the stock's fixtures, at a food-aid point instead of a shop."""

import pytest

from tests.factories import organisation
from tests.stock.conftest import (  # noqa: F401  (fixtures, found by name)
    catalogue,
    convention_a,
    convention_b,
    frozen_day,
    household_a,
    household_b,
    make_convention,
    make_household,
    open_s,
    pass_a,
    pass_b,
    pass_keys,
    visit_a,
)


@pytest.fixture
def service_s(db):
    """Service S is a food-aid point here (the Saint-Vincent kind)."""
    return organisation(kind="service", name="Colis S", slug="colis-s", service_kind="food_aid")
