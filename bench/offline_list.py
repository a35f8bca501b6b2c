"""Benchmark: the day's list an offline tablet takes (`counter.offline.offline_snapshot_take`).

Runs on the database `make bench-scan` seeds (DATABASE_URL=postgres://.../comptoir_bench):
a counter with 100,000 active passes, the worst case of a whole network at one counter.
Seeds it first when needed (`manage.py bench_seed --passes active`, idempotent).

Prints, over BENCH_ROUNDS (3) rounds: the time to build the list in this process, its
queries, its size as JSON and gzipped (as the API sends it), and, as the floor, the same
pass query run as bare SQL through the same connection, rows fetched and nothing built.
Run it with `make bench-offline` (`python3 -m bench.offline_list`).
"""

import gzip
import json
import os
import statistics
import time

from bench.common import in_venv, machine_line, postgres_bench
from bench.scan import PARTNER_SLUG, SEED_ARGS


def main() -> None:
    in_venv("bench.offline_list")
    postgres_bench(
        "bench-offline",
        "it reads the bench-scan counter's 100,000 passes",
        *SEED_ARGS,
    )
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import translation

    from counter.offline import offline_snapshot_take
    from demo.bench.seed import VOLUNTEER
    from network.models import Organisation, User

    translation.activate("fr")
    service = Organisation.objects.get(slug=f"{PARTNER_SLUG}-epicerie")
    user = User.objects.get(username=VOLUNTEER)
    print(machine_line(connection))
    rounds = int(os.environ.get("BENCH_ROUNDS", "3"))
    builds, floors = [], []
    body = b""
    queries = 0
    for _ in range(rounds):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            snapshot = offline_snapshot_take(service=service, user=user)
        builds.append(time.perf_counter() - started)
        queries = len(captured)
        pass_query = next(q["sql"] for q in captured if "passes_accesspass" in q["sql"])
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(pass_query)
            cursor.fetchall()
        floors.append(time.perf_counter() - started)
        body = json.dumps(snapshot).encode()
    build = statistics.median(builds)
    floor = statistics.median(floors)
    print(f"passes in the list      {len(snapshot['passes']):>10,}")
    shop = snapshot["extras"].get("shop", {})
    print(
        f"shop's part             {len(shop.get('products', [])):>10,} products, "
        f"{len(shop.get('budgets', {})):,} budgets"
    )
    print(f"build (median of {rounds})    {build:>10.2f} s   ({queries} queries)")
    print(f"bare pass query (floor) {floor:>10.2f} s   -> build is {build / floor:.1f}x the floor")
    print(f"JSON                    {len(body) / 1e6:>10.1f} MB")
    print(f"gzipped, as sent        {len(gzip.compress(body)) / 1e6:>10.2f} MB")


if __name__ == "__main__":
    main()
