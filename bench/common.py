"""What the benchmarks share: the virtualenv, manage.py, the database, gunicorn, latencies."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/comptoir_bench"


# --- set-up ----------------------------------------------------------------------------


def in_venv(module: str) -> None:
    """Run the benchmark `module` again under the project's virtualenv when started by another
    Python (`make` runs `python3 -m bench.…`)."""
    if Path(sys.prefix).resolve() != PYTHON.parent.parent.resolve() and PYTHON.exists():
        os.execv(str(PYTHON), [str(PYTHON), "-m", module, *sys.argv[1:]])  # noqa: S606


def manage(env: dict, *args: str) -> str:
    """`manage.py` under the virtualenv; its output, or exit with its errors."""
    result = subprocess.run(
        [str(PYTHON), "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(result.stderr)
    return result.stdout


def bench_env(prefix: str, database_url: str | None = None) -> tuple[Path, dict[str, str]]:
    """A throw-away COMPTOIR_VAR_DIR, and the environment the server runs in: DEBUG off.

    The directory holds the keyring (pass-keys.json), made there and read by both
    this process and the server.
    """
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    env = {
        **os.environ,
        "DEBUG": "false",
        "COMPTOIR_VAR_DIR": str(workdir),
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    return workdir, env


def postgres_url(target: str, why: str) -> str:
    """DATABASE_URL, or exit (status 2) saying why `make target` needs PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print(
            f"{target} needs PostgreSQL: {why}.\n"
            f"Set DATABASE_URL, for example DATABASE_URL={DEFAULT_URL} make {target}"
            + (f"\n(got DATABASE_URL={url})" if url else " (DATABASE_URL is not set)"),
            file=sys.stderr,
        )
        sys.exit(2)
    return url


def _migrations_outdated(url: str) -> bool:
    """True when the database was made by the migrations before their rewrite: it
    cannot be migrated forward, and a benchmark database is simply made again."""
    import psycopg

    from scripts.dev import migrations_rewritten

    with psycopg.connect(url) as connection:
        exists = connection.execute("SELECT to_regclass('django_migrations')").fetchone()
        if not exists or exists[0] is None:
            return False
        recorded = set(connection.execute("SELECT app, name FROM django_migrations").fetchall())
        if not migrations_rewritten(recorded):
            return False
        others = connection.execute(
            "SELECT count(*) FROM network_organisation WHERE kind = 'partner' "
            "AND slug NOT LIKE 'bench%%'"
        ).fetchone()
    if others and others[0]:
        sys.exit(
            "This database was made by an older Comptoir and holds more than benchmark data: "
            "point DATABASE_URL at a database of its own for the benchmarks."
        )
    return True


def database_create_if_missing(url: str) -> None:
    """Create the benchmark database; rebuild one that only older migrations can read."""
    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if found and _migrations_outdated(url):
            connection.execute(
                sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name))
            )
            print(f"{name} was made by an older Comptoir (benchmark data only): rebuilding it")
            found = None
        if not found:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def database_seed(env: dict, *seed_args: str) -> None:
    """Migrate, then `manage.py bench_seed` (idempotent), saying how long seeding took."""
    manage(env, "migrate", "--noinput", "-v0")
    started = time.perf_counter()
    print(manage(env, "bench_seed", *seed_args).rstrip())
    print(f"bench_seed took {time.perf_counter() - started:.1f} s (wall clock, with start-up)")


def django_setup(env: dict) -> None:
    """The server's settings in this process too, to count queries and pick samples."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comptoir.settings")
    sys.path.insert(0, str(ROOT / "backend"))
    import django

    django.setup()


def postgres_bench(target: str, why: str, *seed_args: str) -> tuple[str, Path, dict[str, str]]:
    """The PostgreSQL benchmarks' set-up: (url, workdir, env).

    Checks DATABASE_URL, creates the database when it is missing, migrates and
    seeds it (`manage.py bench_seed *seed_args`), and sets Django up in this
    process with the server's settings and keyring.
    """
    url = postgres_url(target, why)
    database_create_if_missing(url)
    workdir, env = bench_env(f"comptoir-{target}-", url)
    database_seed(env, *seed_args)
    django_setup(env)
    return url, workdir, env


def machine_line(connection) -> str:
    """Cores, CPU model, PostgreSQL and Python versions, load average."""
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores, {model}, PostgreSQL {version}, "
        f"Python {platform.python_version()}, load average {load}"
    )


# --- gunicorn --------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    """One way to run gunicorn; the two last fields override the database settings."""

    label: str
    workers: int
    threads: int = 1  # 1: sync workers; more: gthread
    conn_max_age: int | None = None  # None: as the settings say
    health_checks: bool | None = None

    def overrides(self) -> bool:
        return self.conn_max_age is not None or self.health_checks is not None


def gunicorn_command(server: Server, port: int) -> list[str]:
    command = [str(PYTHON), "-m", "gunicorn", "--pythonpath", "backend", "comptoir.wsgi"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(server.workers)]
    if server.threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(server.threads)]
    else:
        command += ["--worker-class", "sync"]
    return [*command, "--log-level", "warning"]


def settings_module(workdir: Path, server: Server) -> dict[str, str]:
    """Environment for a server whose database settings differ from the project's."""
    if not server.overrides():
        return {}
    lines = [
        "from comptoir.settings import *  # noqa: F403",
        "from comptoir.settings import DATABASES",
    ]
    if server.conn_max_age is not None:
        lines.append(f'DATABASES["default"]["CONN_MAX_AGE"] = {server.conn_max_age}')
    if server.health_checks is not None:
        lines.append(f'DATABASES["default"]["CONN_HEALTH_CHECKS"] = {server.health_checks}')
    (workdir / "bench_scan_settings.py").write_text("\n".join(lines) + "\n")
    return {"DJANGO_SETTINGS_MODULE": "bench_scan_settings", "PYTHONPATH": str(workdir)}


def server_start(server: Server, port: int, env: dict[str, str], workdir: Path) -> subprocess.Popen:
    """gunicorn serving the app on `port`, once it answers on /healthz (else exit)."""
    process = subprocess.Popen(
        gunicorn_command(server, port), cwd=ROOT, env={**env, **settings_module(workdir, server)}
    )
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except OSError:
            time.sleep(0.1)
    process.terminate()
    sys.exit("gunicorn did not answer on /healthz")


def server_stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=20)


@contextmanager
def served(
    server: Server, port: int, env: dict[str, str], workdir: Path
) -> Iterator[subprocess.Popen]:
    """gunicorn for the length of a `with` block."""
    process = server_start(server, port, env, workdir)
    try:
        yield process
    finally:
        server_stop(process)


# --- figures ---------------------------------------------------------------------------


def percentiles_ms(latencies: list[float], method: str = "exclusive") -> tuple[float, float, float]:
    """p50, p95 and p99 of latencies in seconds, in ms (zeros for fewer than two)."""
    if len(latencies) < 2:
        return 0.0, 0.0, 0.0
    cuts = statistics.quantiles(latencies, n=100, method=method)
    return cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000
