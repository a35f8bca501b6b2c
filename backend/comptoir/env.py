"""Read settings from environment variables, failing loudly and briefly.

A wrong value stops the process with one line naming the variable and what it
expects, instead of a traceback an operator has to decode.
"""

import os
import sys
from typing import NoReturn
from urllib.parse import urlsplit, urlunsplit

import dj_database_url


def config_error(name: str, expected: str, got: str) -> NoReturn:
    sys.stderr.write(f"Comptoir configuration error: {name} must be {expected} (got {got!r}).\n")
    raise SystemExit(2)


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    return config_error(name, "a boolean such as true or false", raw)


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        return config_error(name, "a whole number", raw)


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name) or default
    if value not in choices:
        config_error(name, "one of " + ", ".join(choices), value)
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_database(name: str, default: str) -> dj_database_url.DBConfig:
    raw = os.environ.get(name) or default
    if not raw.startswith(("postgres://", "postgresql://", "sqlite://")):
        config_error(name, "a postgres://user@host:port/name or sqlite:///path URL", _redact(raw))
    try:
        # No `SELECT 1` before each request: see comptoir.middleware.
        config = dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=False)
    except ValueError:
        config_error(name, "a valid database URL", _redact(raw))
    if config["ENGINE"].endswith("postgresql") and not config.get("NAME"):
        config_error(name, "a PostgreSQL URL that names a database", _redact(raw))
    return config


def env_broker_url(name: str, default: str) -> str:
    raw = os.environ.get(name) or default
    if not raw.startswith(("redis://", "rediss://", "filesystem://", "memory://")):
        config_error(name, "a redis://host:port/db URL", _redact(raw))
    return raw


def redis_with_db(url: str, db: int) -> str:
    """The same Redis server, another numbered database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


def _redact(url: str) -> str:
    """Hide a password in a URL before printing it."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in credentials else url
    return url
