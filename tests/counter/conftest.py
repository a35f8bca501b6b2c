"""The counter's tests use the passes' fixtures: known keys, a frozen day, issued passes."""

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
