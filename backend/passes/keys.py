"""The deployment's signing keys, from the settings or, in development, a file made on first run.

Production sets `PASS_SIGNING_KEY` (the current private key) and
`PASS_TRUSTED_KEYS` (public keys of retired keys whose cards still circulate).
In development the keys live in `var/pass-keys.json`, created on first use and
rotated with `manage.py pass_keys_rotate`.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import tempfile
from pathlib import Path
from typing import TypedDict

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from passes.tokens import (
    Keyring,
    keyring_build,
    private_key_format,
    private_key_parse,
    public_key_format,
)


class KeyringSpec(TypedDict):
    """A keyring as the settings or the development file write it."""

    deployment: int
    signing: str  # the private key that signs: "<key id>:<base64>"
    trusted: list[str]  # public keys of retired signing keys: "<key id>:<base64>"


@functools.cache
def keyring() -> Keyring:
    """The keyring of this deployment (read once per process)."""
    spec: KeyringSpec
    if settings.PASS_SIGNING_KEY:
        spec = {
            "deployment": settings.PASS_DEPLOYMENT_ID,
            "signing": settings.PASS_SIGNING_KEY,
            "trusted": list(settings.PASS_TRUSTED_KEYS),
        }
    else:
        spec = dev_keyring_spec(Path(settings.PASS_KEYRING_FILE))
    try:
        return keyring_build(
            deployment=spec["deployment"],
            signing_spec=spec["signing"],
            trusted_specs=spec["trusted"],
        )
    except (ValueError, KeyError, TypeError) as error:
        raise ImproperlyConfigured(f"Pass signing keys: {error}") from None


def keyring_reset() -> None:
    keyring.cache_clear()


def dev_keyring_spec(path: Path) -> KeyringSpec:
    """Read the development keyring file, creating it (atomically) if missing."""
    if not path.exists():
        spec: KeyringSpec = {
            "deployment": secrets.randbelow(0xFFFF) + 1,
            "signing": private_key_format(1, Ed25519PrivateKey.generate()),
            "trusted": [],
        }
        _write_new(path, spec)
    written: KeyringSpec = json.loads(path.read_text())
    return written


def keyring_spec_rotated(spec: KeyringSpec) -> KeyringSpec:
    """The same keyring with a new signing key; the old one joins the trusted keys.

    Raises ValueError when all 255 key ids are taken.
    """
    old_id, old_key = private_key_parse(spec["signing"])
    trusted = [t for t in spec["trusted"] if int(t.split(":", 1)[0]) != old_id]
    used = {old_id} | {int(t.split(":", 1)[0]) for t in trusted}
    new_id = next((i for i in range(1, 256) if i not in used), None)
    if new_id is None:
        raise ValueError("all 255 key ids are in use: remove trusted keys whose cards expired")
    return {
        "deployment": spec["deployment"],
        "signing": private_key_format(new_id, Ed25519PrivateKey.generate()),
        "trusted": [public_key_format(old_id, old_key.public_key()), *trusted],
    }


def dev_keyring_rotate(path: Path) -> KeyringSpec:
    """Make a new signing key; the old one stays trusted for the cards it signed."""
    spec = keyring_spec_rotated(dev_keyring_spec(path))
    path.write_text(json.dumps(spec, indent=2))
    keyring_reset()
    return spec


def _write_new(path: Path, spec: KeyringSpec) -> None:
    # Several processes may start at once (web and worker): the first link wins.
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False) as tmp:
        json.dump(spec, tmp, indent=2)
    os.chmod(tmp.name, 0o600)
    try:
        os.link(tmp.name, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp.name)
