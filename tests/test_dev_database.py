"""`make run` rebuilds a development database made by the migrations before the rewrite."""

import importlib.util
import sqlite3
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def dev_script():
    spec = importlib.util.spec_from_file_location("dev_script", ROOT / "scripts" / "dev.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def database_with(path: Path, migrations: list[tuple[str, str]]) -> Path:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE django_migrations (app TEXT, name TEXT, applied TEXT)")
        connection.executemany(
            "INSERT INTO django_migrations (app, name, applied) VALUES (?, ?, '')", migrations
        )
    return path


def test_a_database_of_the_old_migrations_is_outdated(tmp_path):
    old = database_with(
        tmp_path / "old.sqlite3",
        [("contenttypes", "0001_initial"), ("network", "0001_initial"), ("passes", "0005_visits")],
    )
    assert dev_script().development_database_outdated(old)


def test_a_database_of_the_current_migrations_is_kept(tmp_path):
    """Every migration in the tree today: none may share a name with a rewritten one."""
    current = [
        (path.parent.parent.name, path.stem)
        for path in sorted((ROOT / "backend").glob("*/migrations/0*.py"))
    ]
    assert ("shop", "0001_initial") in current
    database = database_with(
        tmp_path / "current.sqlite3", [("contenttypes", "0001_initial"), *current]
    )
    assert not dev_script().development_database_outdated(database)


def test_a_database_of_migrations_unknown_here_is_left_to_migrate(tmp_path):
    """Made by a newer branch, say: its data may be a developer's own."""
    newer = database_with(
        tmp_path / "newer.sqlite3",
        [("network", "0001_initial"), ("passes", "0003_something_newer")],
    )
    assert not dev_script().development_database_outdated(newer)


def test_no_database_or_not_ours_is_left_to_migrate(tmp_path):
    script = dev_script()
    assert not script.development_database_outdated(tmp_path / "missing.sqlite3")
    (tmp_path / "other.sqlite3").write_bytes(b"not a database at all")
    assert not script.development_database_outdated(tmp_path / "other.sqlite3")
