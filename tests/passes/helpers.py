"""Builders and fixtures for the passes tests (import what a module needs)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from network.models import Convention, Organisation, UsageRule, User
from passes import keys
from passes.models import AccessPass, Assessment, Household, PassCard, PassEvent
from passes.services import assessment_record, household_register
from passes.tokens import Keyring, keyring_build, private_key_format

_numbers = itertools.count(1)


def private_spec(key_id: int) -> str:
    """A fresh `kid:seed` signing key specification."""
    return private_key_format(key_id, Ed25519PrivateKey.generate())


def keyring_new(*, deployment: int = 4242, key_id: int = 1, trusted: tuple = ()) -> Keyring:
    return keyring_build(
        deployment=deployment, signing_spec=private_spec(key_id), trusted_specs=trusted
    )


def dev_keyring_in(settings, tmp_path: Path) -> Iterator[Path]:
    """For a fixture: a development keyring in a temporary file, never the repository's var/."""
    settings.PASS_SIGNING_KEY = ""
    settings.PASS_TRUSTED_KEYS = []
    settings.PASS_KEYRING_FILE = tmp_path / "pass-keys.json"
    keys.keyring_reset()
    yield settings.PASS_KEYRING_FILE
    keys.keyring_reset()


def convention_make(
    partner: Organisation,
    services: list[Organisation],
    *,
    starts_on: date = date(2026, 1, 1),
    ends_on: date = date(2026, 12, 31),
    max_active_passes: int = 10,
    max_pass_days: int = 90,
    visits_per_week: int | None = 1,
    reference: str = "",
) -> Convention:
    convention = Convention.objects.create(
        partner=partner,
        reference=reference or f"CONV-{next(_numbers)}",
        starts_on=starts_on,
        ends_on=ends_on,
        max_active_passes=max_active_passes,
        max_pass_days=max_pass_days,
    )
    convention.services.set(services)
    if visits_per_week is not None:
        for service in services:
            UsageRule.objects.create(
                convention=convention,
                service=service,
                kind=UsageRule.Kind.VISITS,
                period=UsageRule.Period.WEEK,
                quantity=visits_per_week,
            )
    return convention


def household_make(
    actor: User,
    partner: Organisation,
    *,
    first_name: str = "",
    last_name: str = "",
    birth_year: int = 1980,
) -> Household:
    number = next(_numbers)
    return household_register(
        actor=actor,
        partner=partner,
        fields={
            "first_name": first_name or f"Prénom{number}",
            "last_name": last_name or f"Nom{number}",
            "birth_year": birth_year,
            "postal_code": "5000",
            "commune": "Namur",
            "language": "fr",
            "legal_basis": Household.LegalBasis.PUBLIC_TASK,
            "legal_basis_recorded_on": date(2026, 1, 5),
        },
    )


def assess(
    actor: User,
    household: Household,
    outcome: str = Assessment.Outcome.GRANTED,
    *,
    on: date = date(2026, 2, 1),
) -> Assessment:
    return assessment_record(
        actor=actor, household=household, assessed_on=on, outcome=outcome, today=on
    )


def row_counts() -> tuple[int, int, int]:
    return AccessPass.objects.count(), PassCard.objects.count(), PassEvent.objects.count()
