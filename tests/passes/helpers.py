"""Keys and counts for the passes tests (import what a module needs).

The rows these tests need come from the world-builder, through `tests.factories`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from passes import keys
from passes.models import AccessPass, PassCard, PassEvent
from passes.tokens import Keyring, keyring_build, private_key_format


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


def row_counts() -> tuple[int, int, int]:
    return AccessPass.objects.count(), PassCard.objects.count(), PassEvent.objects.count()
