"""Every test of the passes API runs on 2 March 2026, with a known keyring, in French."""

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _day_keys_and_language(frozen_day, pass_keys):
    """Every test here runs on 2 March 2026 with a known keyring, and leaves French behind.

    A request by a user who chose another language activates it for the thread.
    """
    with translation.override("fr"):
        yield
