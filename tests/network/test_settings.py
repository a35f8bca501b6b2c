"""Configuration from the environment: clear one-line refusals, a safe production mode."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "x" * 20 + "-production-secret-for-tests-" + "y" * 20
TEST_SIGNING_KEY = "1:ULEo-EpQG4GeP0XW8wKL69XEySZINdYiyUHLkgvbcTg"


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    dropped = {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DATABASE_URL": "mysql://db/x"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://127.0.0.1:5432"}, "DATABASE_URL"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL"),
        ({"DEBUG": "perhaps"}, "DEBUG"),
        ({"COMPTOIR_ENV": "staging"}, "COMPTOIR_ENV"),
        ({"AXES_FAILURE_LIMIT": "five"}, "AXES_FAILURE_LIMIT"),
        ({"COMPTOIR_ENV": "production", "ALLOWED_HOSTS": "comptoir.example"}, "SECRET_KEY"),
        (
            {"COMPTOIR_ENV": "production", "SECRET_KEY": "short", "ALLOWED_HOSTS": "a.example"},
            "SECRET_KEY",
        ),
        (
            {"COMPTOIR_ENV": "production", "SECRET_KEY": GOOD_SECRET, "DEBUG": "true"},
            "DEBUG",
        ),
        ({"COMPTOIR_ENV": "production", "SECRET_KEY": GOOD_SECRET}, "ALLOWED_HOSTS"),
        (
            {"COMPTOIR_ENV": "production", "SECRET_KEY": GOOD_SECRET, "ALLOWED_HOSTS": "a.example"},
            "DATABASE_URL",
        ),
        (
            {
                "COMPTOIR_ENV": "production",
                "SECRET_KEY": GOOD_SECRET,
                "ALLOWED_HOSTS": "a.example",
                "DATABASE_URL": "postgres://comptoir@db:5432/comptoir",
            },
            "REDIS_URL",
        ),
    ],
)
def test_a_bad_variable_stops_the_app_with_one_line_naming_it(env, variable):
    result = manage("check", **env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Comptoir configuration error: {variable} must be")


def test_a_database_password_is_not_echoed_in_the_error():
    result = manage("check", DATABASE_URL="mysql://comptoir:s3cret@db/x")
    assert "s3cret" not in result.stderr
    assert "comptoir:***@db" in result.stderr


def test_production_mode_passes_the_deployment_checks(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        COMPTOIR_ENV="production",
        SECRET_KEY=GOOD_SECRET,
        ALLOWED_HOSTS="comptoir.example",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        REDIS_URL="redis://127.0.0.1:6379/0",
        COMPTOIR_VAR_DIR=str(tmp_path),
        PASS_SIGNING_KEY=TEST_SIGNING_KEY,
        PASS_DEPLOYMENT_ID="4242",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_mode_refuses_to_start_without_a_pass_signing_key(tmp_path):
    result = manage(
        "check",
        COMPTOIR_ENV="production",
        SECRET_KEY=GOOD_SECRET,
        ALLOWED_HOSTS="comptoir.example",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        REDIS_URL="redis://127.0.0.1:6379/0",
        COMPTOIR_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 2
    assert "PASS_SIGNING_KEY" in result.stderr
    assert "pass_keys_rotate --new" in result.stderr


def test_the_cache_never_shares_the_brokers_redis_database():
    from comptoir.env import redis_with_db

    assert redis_with_db("redis://redis:6379/0", 1) == "redis://redis:6379/1"
    assert redis_with_db("redis://:pw@redis:6379", 1) == "redis://:pw@redis:6379/1"
