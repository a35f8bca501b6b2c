"""Builders and fixtures for the browser tests of the social workers' pages.

State that matters is built through the services, as the pages would; dates are
relative to the real today, because the live server and the browser run on the
real clock (freezing it would stall Playwright's waits).
"""

from __future__ import annotations

import importlib
import itertools
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from demo.world import assessment_make
from network.models import Convention, Organisation, User
from passes import keys
from passes.models import AssessmentReason, Household
from passes.services import MemberData
from tests import factories
from tests.factories import TEST_PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
_numbers = itertools.count(1)


def today() -> date:
    return timezone.localdate()


# --- fixtures -----------------------------------------------------------------------


@pytest.fixture
def pass_keys(settings, tmp_path):
    """A development keyring in a temporary file: the repository's var/ is never touched.
    The live server runs in this process, so it signs with the same keys."""
    settings.PASS_SIGNING_KEY = ""
    settings.PASS_TRUSTED_KEYS = []
    settings.PASS_KEYRING_FILE = tmp_path / "pass-keys.json"
    keys.keyring_reset()
    yield keys.keyring()
    keys.keyring_reset()


@pytest.fixture
def assessment_reasons(transactional_db):
    """The reason list the migration seeds; a transactional test flushes it, so put it back."""
    module = importlib.import_module("passes.migrations.0002_assessment_reasons")
    for position, (code, fr, nl, en) in enumerate(module.REASONS):
        AssessmentReason.objects.get_or_create(
            code=code,
            defaults={"label_fr": fr, "label_nl": nl, "label_en": en, "position": position},
        )
    return AssessmentReason.objects.all()


# --- builders: the world-builder's, with dates around the real today --------------------


def convention_make(
    partner: Organisation,
    services: list[Organisation],
    *,
    reference: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
    max_active_passes: int = 50,
    max_pass_days: int = 90,
    visits_per_week: int | None = None,
) -> Convention:
    """A convention in force today (from a month ago to in about four months)."""
    return factories.convention_make(
        partner,
        services,
        reference=reference or f"CONV-E2E-{next(_numbers)}",
        starts_on=starts_on or today() - timedelta(days=30),
        ends_on=ends_on or today() + timedelta(days=120),
        max_active_passes=max_active_passes,
        max_pass_days=max_pass_days,
        visits_per_week=visits_per_week,
    )


def household_make(
    actor: User,
    partner: Organisation,
    *,
    first_name: str = "",
    last_name: str = "",
    birth_year: int = 1980,
    language: str = "fr",
    members: tuple[MemberData, ...] = (),
    granted: bool = False,
) -> Household:
    household = factories.household_make(
        actor,
        partner,
        first_name=first_name,
        last_name=last_name,
        birth_year=birth_year,
        language=language,
        members=members,
        recorded_on=today() - timedelta(days=10),
    )
    if granted:
        assessment_make(
            actor=actor, household=household, on=today() - timedelta(days=1), notes="Notes de test."
        )
    return household


pass_make = factories.pass_make


# --- browser ------------------------------------------------------------------------


def log_in(page, base_url: str, username: str, role: str, password: str = TEST_PASSWORD) -> None:
    """Through the login page, as a person would; waits for the role's home page."""
    page.goto(base_url + "/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button.button-primary")
    page.wait_for_selector(f"[data-role-home={role}]")


def element_shot(locator, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    locator.screenshot(path=str(path), caret="initial")
    return path


def save_artifact(name: str, content: bytes) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    path.write_bytes(content)
    return path


def qr_texts(path: Path) -> list[str]:
    """Every QR code zxing-cpp finds in a picture."""
    import zxingcpp
    from PIL import Image

    with Image.open(path) as image:
        return [
            result.text
            for result in zxingcpp.read_barcodes(image)
            if result.format == zxingcpp.BarcodeFormat.QRCode
        ]


def assert_no_csp_errors(page) -> None:
    assert page.csp_errors == [], f"CSP errors on {page.url}: {page.csp_errors}"


def shot(page, name: str) -> Path:
    """A full-page screenshot. The caret is left alone: hiding it makes Playwright put
    `style=""` on the inputs, which htmx then copies on its next swap, and the CSP
    (rightly) reports as an inline style."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, caret="initial")
    return path
