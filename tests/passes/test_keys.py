"""The deployment's signing keys: settings, the development file, rotation, the command."""

import json
import os
import stat
import subprocess
import sys
import threading
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from passes import keys
from passes.tokens import (
    TokenClaims,
    TokenRejected,
    keyring_build,
    private_key_format,
    public_key_format,
    token_read,
    token_sign,
)
from tests.factories import organisation
from tests.passes.helpers import dev_keyring_in, keyring_new, private_spec

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def dev_keyring(settings, tmp_path):
    yield from dev_keyring_in(settings, tmp_path)


def sign(ring, pass_id: int = 42) -> str:
    claims = TokenClaims(
        deployment=ring.deployment,
        key_id=ring.signing_key_id,
        pass_id=pass_id,
        card_version=1,
        valid_until=date(2026, 12, 31),
    )
    return token_sign(claims, ring)


@pytest.fixture
def production_keys(settings, tmp_path):
    """Keys from the settings, as production sets them; the keyring file must stay unmade."""
    old = keyring_new(key_id=3)
    signing = private_spec(5)
    settings.PASS_DEPLOYMENT_ID = 812
    settings.PASS_SIGNING_KEY = signing
    settings.PASS_TRUSTED_KEYS = [public_key_format(3, old.signing_key.public_key())]
    settings.PASS_KEYRING_FILE = tmp_path / "pass-keys.json"
    keys.keyring_reset()
    yield {"signing": signing, "old": old}
    keys.keyring_reset()


# --- the keyring ----------------------------------------------------------------------


def test_the_keyring_comes_from_the_settings_in_production(production_keys, settings):
    ring = keys.keyring()
    assert ring.deployment == 812
    assert ring.signing_key_id == 5
    assert sorted(ring.public_keys) == [3, 5]
    assert keys.keyring() is ring
    assert not Path(settings.PASS_KEYRING_FILE).exists()


def test_a_card_of_a_trusted_key_reads_with_the_production_keyring(production_keys):
    old = keyring_build(
        deployment=812,
        signing_spec=private_key_format(3, production_keys["old"].signing_key),
    )
    token = sign(old)
    assert token_read(token, keys.keyring()).key_id == 3


@pytest.mark.parametrize(
    "broken",
    [
        {"PASS_SIGNING_KEY": "5:tooshort"},
        {"PASS_SIGNING_KEY": "five:" + "A" * 43},
        {"PASS_DEPLOYMENT_ID": 0},
        {"PASS_TRUSTED_KEYS": ["3:not-a-key"]},
    ],
)
def test_a_broken_setting_is_refused_without_echoing_the_key(production_keys, settings, broken):
    for name, value in broken.items():
        setattr(settings, name, value)
    keys.keyring_reset()
    with pytest.raises(ImproperlyConfigured) as refusal:
        keys.keyring()
    assert "Pass signing keys" in str(refusal.value)
    seed = production_keys["signing"].split(":", 1)[1]
    assert seed not in str(refusal.value)


def test_the_development_keyring_file_is_made_on_first_use(dev_keyring):
    assert not dev_keyring.exists()
    ring = keys.keyring()
    assert dev_keyring.exists()
    assert stat.S_IMODE(dev_keyring.stat().st_mode) == 0o600
    assert ring.signing_key_id == 1
    assert 1 <= ring.deployment <= 0xFFFF

    keys.keyring_reset()
    again = keys.keyring()
    assert again.deployment == ring.deployment
    assert token_read(sign(ring), again).pass_id == 42


def test_processes_starting_together_agree_on_one_development_keyring(tmp_path):
    path = tmp_path / "var" / "pass-keys.json"
    barrier = threading.Barrier(8)
    specs: list = []

    def start() -> None:
        barrier.wait(timeout=10)
        specs.append(keys.dev_keyring_spec(path))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(specs) == 8
    assert all(spec == specs[0] for spec in specs)
    assert [p.name for p in path.parent.iterdir()] == ["pass-keys.json"]


def test_rotation_keeps_old_cards_readable_and_signs_new_ones_with_the_new_key(dev_keyring):
    first = keys.keyring()
    old_token = sign(first, pass_id=1)

    spec = keys.dev_keyring_rotate(dev_keyring)
    second = keys.keyring()
    assert second is not first
    assert second.signing_key_id == 2
    assert spec["trusted"] == [public_key_format(1, first.signing_key.public_key())]
    assert second.deployment == first.deployment
    assert token_read(old_token, second).key_id == 1
    new_token = sign(second, pass_id=1)
    assert token_read(new_token, second).key_id == 2
    with pytest.raises(TokenRejected, match="unknown_key"):
        token_read(new_token, first)

    keys.dev_keyring_rotate(dev_keyring)
    third = keys.keyring()
    assert third.signing_key_id == 3
    assert sorted(third.public_keys) == [1, 2, 3]
    assert token_read(old_token, third).key_id == 1
    assert token_read(new_token, third).key_id == 2


def test_a_pass_token_is_signed_with_the_current_key(dev_keyring, social_worker_a, partner_a):
    from passes.selectors import pass_check, pass_token
    from passes.services import pass_issue
    from tests.factories import assess, convention_make, household_make

    household = household_make(social_worker_a, partner_a)
    assess(social_worker_a, household, on=date(2026, 3, 1))
    service = organisation(
        kind="service", name="Épicerie K", slug="epicerie-k", service_kind="shop"
    )
    access_pass = pass_issue(
        actor=social_worker_a,
        household=household,
        convention=convention_make(partner_a, [service]),
        today=date(2026, 3, 2),
    )
    before = pass_token(access_pass=access_pass)
    keys.dev_keyring_rotate(dev_keyring)
    after = pass_token(access_pass=access_pass)
    assert token_read(after, keys.keyring()).key_id == 2
    assert pass_check(before, today=date(2026, 3, 2)).code == "ok"
    assert pass_check(after, today=date(2026, 3, 2)).code == "ok"


# --- the command ----------------------------------------------------------------------


def run_command(*args: str) -> str:
    out = StringIO()
    call_command("pass_keys_rotate", *args, stdout=out)
    return out.getvalue()


def test_the_command_rotates_the_development_keyring(dev_keyring):
    first = keys.keyring()
    output = run_command()
    assert "New signing key: 2" in output
    assert "Key 1 stays trusted" in output
    assert len(output.strip().splitlines()) <= 3
    spec = json.loads(dev_keyring.read_text())
    assert spec["signing"].startswith("2:")
    assert spec["trusted"] == [public_key_format(1, first.signing_key.public_key())]
    assert spec["signing"].split(":", 1)[1] not in output
    assert keys.keyring().signing_key_id == 2


def test_the_command_shows_the_public_keys_on_request(dev_keyring):
    run_command()
    output = run_command("--show-public")
    ring = keys.keyring()
    assert ring.signing_key_id == 3
    for key_id, key in ring.public_keys.items():
        assert public_key_format(key_id, key) in output
    assert f"deployment {ring.deployment}" in output
    assert json.loads(dev_keyring.read_text())["signing"].split(":", 1)[1] not in output


def printed_settings(output: str) -> dict[str, str]:
    values = {}
    for line in output.splitlines():
        name, sep, value = line.partition("=")
        if sep and name.startswith("PASS_"):
            values[name] = value
    return values


def test_the_command_prints_new_production_values_and_changes_nothing(production_keys, settings):
    old_token = sign(keys.keyring())
    older_token = sign(
        keyring_build(
            deployment=812,
            signing_spec=private_key_format(3, production_keys["old"].signing_key),
        )
    )
    output = run_command()

    assert production_keys["signing"] == settings.PASS_SIGNING_KEY
    assert not Path(settings.PASS_KEYRING_FILE).exists()
    assert "Nothing was changed" in output
    assert "expired" in output
    values = printed_settings(output)
    assert set(values) == {"PASS_SIGNING_KEY", "PASS_TRUSTED_KEYS"}

    current = keys.keyring()
    assert values["PASS_TRUSTED_KEYS"].split(",") == [
        public_key_format(5, current.public_keys[5]),
        public_key_format(3, current.public_keys[3]),
    ]
    new_id = int(values["PASS_SIGNING_KEY"].split(":", 1)[0])
    assert new_id not in current.public_keys

    rotated = keyring_build(
        deployment=812,
        signing_spec=values["PASS_SIGNING_KEY"],
        trusted_specs=values["PASS_TRUSTED_KEYS"].split(","),
    )
    assert token_read(old_token, rotated).key_id == 5
    assert token_read(older_token, rotated).key_id == 3
    assert token_read(sign(rotated), rotated).key_id == new_id


def test_the_command_shows_the_public_keys_of_the_new_production_values(production_keys):
    output = run_command("--show-public")
    values = printed_settings(output)
    rotated = keyring_build(
        deployment=812,
        signing_spec=values["PASS_SIGNING_KEY"],
        trusted_specs=values["PASS_TRUSTED_KEYS"].split(","),
    )
    for key_id, key in rotated.public_keys.items():
        assert public_key_format(key_id, key) in output


# --- settings refuse malformed keys at start-up ---------------------------------------


def start_django(tmp_path, **env: str) -> subprocess.CompletedProcess:
    dropped = {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("PASS_")}
    clean.update(
        DJANGO_SETTINGS_MODULE="comptoir.settings",
        PYTHONPATH=str(ROOT / "backend"),
        COMPTOIR_VAR_DIR=str(tmp_path),
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "env",
    [
        {"PASS_SIGNING_KEY": "SEED", "PASS_DEPLOYMENT_ID": "7"},
        {"PASS_SIGNING_KEY": "1:SEED", "PASS_DEPLOYMENT_ID": "7", "cut": "1"},
        {"PASS_SIGNING_KEY": "300:SEED", "PASS_DEPLOYMENT_ID": "7"},
        {"PASS_SIGNING_KEY": "x1:SEED", "PASS_DEPLOYMENT_ID": "7"},
        {"PASS_SIGNING_KEY": "1:SEED", "expect": "PASS_DEPLOYMENT_ID"},
        {
            "PASS_SIGNING_KEY": "1:SEED",
            "PASS_DEPLOYMENT_ID": "7",
            "PASS_TRUSTED_KEYS": "2:tooshort",
            "expect": "PASS_TRUSTED_KEYS",
        },
    ],
    ids=[
        "no-key-id",
        "short-seed",
        "key-id-too-big",
        "key-id-not-a-number",
        "no-deployment",
        "bad-trusted",
    ],
)
def test_settings_refuse_a_malformed_signing_key_in_one_line_without_the_key(tmp_path, env):
    seed = private_spec(1).split(":", 1)[1]
    env = dict(env)
    # The message names the one variable that is wrong.
    expected = env.pop("expect", "PASS_SIGNING_KEY")
    if env.pop("cut", None):
        seed = seed[:-4]
    env = {name: value.replace("SEED", seed) for name, value in env.items()}
    result = start_django(tmp_path, **env)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Comptoir configuration error: {expected}")
    assert seed[:8] not in result.stderr
    assert seed[:8] not in result.stdout


def test_settings_accept_a_well_formed_signing_key(tmp_path):
    result = start_django(
        tmp_path,
        PASS_SIGNING_KEY=private_spec(2),
        PASS_TRUSTED_KEYS=public_key_format(1, keyring_new().signing_key.public_key()),
        PASS_DEPLOYMENT_ID="7",
    )
    assert result.returncode == 0, result.stderr
