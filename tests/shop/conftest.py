"""The shop's tests draw on the stock's fixtures: a service open all day, its catalogue."""

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
