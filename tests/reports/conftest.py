"""The reports' tests: known pass keys, the seeded month of `tests.reports.seed`, the
moment it is reviewed, and the web app's broker."""

import pytest

from comptoir.tasks import _sender
from reports.services import month_compile
from tests.passes.conftest import pass_keys  # noqa: F401  (fixtures, found by name)
from tests.reports.seed import (
    NOVEMBER,
    at,
    clock,
    november,  # noqa: F401
)

NOW = at(12, 5, 11)  # Saturday 5 December 2026: November is over, December under way
UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def today():
    with clock(NOW):
        yield NOW


@pytest.fixture
def compiled(november, today):  # noqa: F811  (the fixture above, by name)
    return month_compile(month=NOVEMBER, now=at(12, 1, 3)).report


@pytest.fixture
def broker(settings):
    """Point the web app's sender at a broker URL for the test (it is made once, cached)."""

    def use(url: str) -> None:
        settings.CELERY_BROKER_URL = url
        settings.CELERY_RESULT_BACKEND = url if url.startswith("redis") else None
        _sender.cache_clear()

    yield use
    _sender.cache_clear()
