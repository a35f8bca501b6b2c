"""Benchmark: the app served as in production (gunicorn, DEBUG off), driven over loopback.

Prints requests per second and p50 / p95 / p99 latency per endpoint and number
of concurrent clients. Uses DATABASE_URL when set (PostgreSQL), else a
throw-away SQLite file. Run it with `make bench`.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
PORT = int(os.environ.get("BENCH_PORT", "8765"))
BASE = f"http://127.0.0.1:{PORT}"
REQUESTS_PER_CLIENT = int(os.environ.get("BENCH_REQUESTS", "200"))


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [str(PYTHON), "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(result.stderr)
    return result.stdout


def drive(path: str, clients: int, headers: dict[str, str]) -> tuple[float, list[float]]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client() -> None:
        mine = []
        for _ in range(REQUESTS_PER_CLIENT):
            request = urllib.request.Request(BASE + path, headers=headers)
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    response.read()
            except OSError as exc:
                with lock:
                    errors.append(f"{path}: {exc}")
                return
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        sys.exit(f"{len(errors)} requests failed, first: {errors[0]}")
    return time.perf_counter() - started, latencies


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="comptoir-bench-"))
    env = {
        **os.environ,
        "DEBUG": "false",
        "COMPTOIR_VAR_DIR": str(workdir),
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    env.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "demo_load", "--quiet")
    token = (
        manage(
            env,
            "shell",
            "-c",
            "from rest_framework.authtoken.models import Token;"
            "from network.models import User;"
            "print(Token.objects.get_or_create(user=User.objects.get(username='benevole.cigogne'))[0])",
        )
        .strip()
        .splitlines()[-1]
    )
    workers = os.environ.get("BENCH_WORKERS", "2")
    server = subprocess.Popen(
        [
            str(PYTHON),
            "-m",
            "gunicorn",
            "--pythonpath",
            "backend",
            "comptoir.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            workers,
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(BASE + "/healthz", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.1)
        database = env["DATABASE_URL"].split("://")[0]
        print(f"gunicorn {workers} workers x 4 threads, {database}, {os.cpu_count()} cores")
        print(f"{'endpoint':<22}{'clients':>8}{'req/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
        cases = [
            ("/healthz", {}),
            ("/login/", {}),
            ("/api/me/", {"Authorization": f"Token {token}"}),
        ]
        for path, headers in cases:
            for clients in (1, 8):
                elapsed, latencies = drive(path, clients, headers)
                cuts = statistics.quantiles(latencies, n=100)
                print(
                    f"{path:<22}{clients:>8}{len(latencies) / elapsed:>10.0f}"
                    f"{cuts[49] * 1000:>9.1f}{cuts[94] * 1000:>9.1f}{cuts[98] * 1000:>9.1f}"
                )
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
