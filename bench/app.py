"""Benchmark: the app served as in production (gunicorn, DEBUG off), driven over loopback.

Prints requests per second and p50 / p95 / p99 latency per endpoint and number
of concurrent clients. Uses DATABASE_URL when set (PostgreSQL), else a
throw-away SQLite file. Run it with `make bench` (`python3 -m bench.app`);
BENCH_WORKERS (2) sets gunicorn's workers, BENCH_REQUESTS (200) the requests
per client.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import urllib.request

from bench.common import Server, bench_env, manage, percentiles_ms, served

PORT = int(os.environ.get("BENCH_PORT", "8765"))
BASE = f"http://127.0.0.1:{PORT}"
REQUESTS_PER_CLIENT = int(os.environ.get("BENCH_REQUESTS", "200"))


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
                with urllib.request.urlopen(request, timeout=30) as response:
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
    workdir, env = bench_env("comptoir-bench-")
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
    workers = int(os.environ.get("BENCH_WORKERS", "2"))
    with served(Server("bench", workers, 4), PORT, env, workdir):
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
                p50, p95, p99 = percentiles_ms(latencies)
                print(
                    f"{path:<22}{clients:>8}{len(latencies) / elapsed:>10.0f}"
                    f"{p50:>9.1f}{p95:>9.1f}{p99:>9.1f}"
                )


if __name__ == "__main__":
    main()
