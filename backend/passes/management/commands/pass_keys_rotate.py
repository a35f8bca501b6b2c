"""Rotate the key that signs pass tokens; the old key stays trusted for the cards it signed."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from passes import keys
from passes.tokens import (
    Keyring,
    keyring_build,
    private_key_format,
    public_key_base64,
)


def _ring(spec: keys.KeyringSpec) -> Keyring:
    return keyring_build(
        deployment=spec["deployment"], signing_spec=spec["signing"], trusted_specs=spec["trusted"]
    )


class Command(BaseCommand):
    help = (
        "Make a new signing key for pass cards. In development the keyring file is "
        "updated; in production the new values to set are printed and nothing is changed."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--new",
            action="store_true",
            help="Print a first key and deployment id for a new installation; change nothing.",
        )
        parser.add_argument(
            "--show-public",
            action="store_true",
            help="Also print the public keys, for counters that check cards offline.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new"]:
            self._new()
            return
        ring = self._production() if settings.PASS_SIGNING_KEY else self._development()
        if options["show_public"]:
            self._show_public(ring)

    def _new(self) -> None:
        import secrets

        self.stdout.write("Keys for a new installation (nothing was changed). Put them in .env:")
        self.stdout.write(f"PASS_SIGNING_KEY={private_key_format(1, Ed25519PrivateKey.generate())}")
        self.stdout.write(f"PASS_DEPLOYMENT_ID={secrets.randbelow(0xFFFF) + 1}")
        self.stdout.write("PASS_TRUSTED_KEYS=")

    def _development(self) -> Keyring:
        path = Path(settings.PASS_KEYRING_FILE)
        old_id = _ring(keys.dev_keyring_spec(path)).signing_key_id
        spec = keys.dev_keyring_rotate(path)
        ring = _ring(spec)
        self.stdout.write(f"New signing key: {ring.signing_key_id} (in {path}).")
        self.stdout.write(f"Key {old_id} stays trusted, so the cards it signed keep working.")
        self.stdout.write("Restart the web app and the worker to sign with the new key.")
        return ring

    def _production(self) -> Keyring:
        current: keys.KeyringSpec = {
            "deployment": settings.PASS_DEPLOYMENT_ID,
            "signing": settings.PASS_SIGNING_KEY,
            "trusted": list(settings.PASS_TRUSTED_KEYS),
        }
        try:
            _ring(current)
        except ValueError as error:
            raise CommandError(f"The current pass keys are not valid: {error}") from None
        try:
            spec = keys.keyring_spec_rotated(current)
        except ValueError as error:
            raise CommandError(f"{str(error).capitalize()}.") from None
        self.stdout.write("Nothing was changed. Set these values, then restart every process:")
        self.stdout.write(f"PASS_SIGNING_KEY={spec['signing']}")
        self.stdout.write(f"PASS_TRUSTED_KEYS={','.join(spec['trusted'])}")
        self.stdout.write(
            f"PASS_DEPLOYMENT_ID stays {spec['deployment']}. Remove a trusted key only once "
            "every card it signed has expired."
        )
        return _ring(spec)

    def _show_public(self, ring: Keyring) -> None:
        self.stdout.write(f"Public keys of deployment {ring.deployment}:")
        for key_id in sorted(ring.public_keys):
            mark = " (signing)" if key_id == ring.signing_key_id else ""
            self.stdout.write(f"{key_id}:{public_key_base64(ring.public_keys[key_id])}{mark}")
