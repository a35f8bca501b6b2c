"""The reports' tests: known pass keys and the seeded month of `tests.reports.seed`."""

from tests.passes.conftest import pass_keys  # noqa: F401  (fixtures, found by name)
from tests.reports.seed import november  # noqa: F401
