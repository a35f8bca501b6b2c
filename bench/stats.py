"""Benchmark: a month's statistics, the nightly expiry and the coordinator's review page
over a network of 200 services, 1,000 conventions, 1,000,000 households and 10,000,000
visits, at two sizes (BENCH_SCALES, "0.1 1": a tenth, then the full size).

Needs PostgreSQL (DATABASE_URL=postgres://...): the seeding and the ceiling are
PostgreSQL SQL, and the ceiling runs in pgbench. Each size has a database of its
own: DATABASE_URL's for the full size, `<name>_x0_1` for a tenth. For each size,
in a child process (`python -m bench.stats --scale 0.1`):

1. creates the database when it is missing, migrates it, seeds it with
   `manage.py bench_stats_seed --scale` (`demo.bench.stats`: set-based SQL, one
   transaction, VACUUM ANALYZE after; a later run at the same size seeds nothing);
2. (a) compiles the last month before the seeding's day with
   `reports.services.month_compile` (once to warm up, then BENCH_REPEAT times, 3),
   each time followed by pgbench, one client, one run of: the compile's own five
   SELECTs (its INSERTs without the INSERT), and the ceiling: the same aggregates
   as bare SELECT statements (`bench.stats_sql`), checked first to give the very
   figures the compile stored, also with one worker per statement (no parallel
   plan, as an INSERT ... SELECT runs); then both again with jit = off;
3. (b) expires the due passes with `passes.services.passes_expire_due` and with
   one bare UPDATE ... RETURNING + INSERT of their history lines in pgbench, each
   from the same due passes (put back between runs);
4. (c) requests the review page of the month (`reports:month`, and
   `reports:service-month` for the busiest service) BENCH_REQUESTS (20) times
   with Django's test client logged in as the coordinator, or says it is not built;
5. at the largest size (or with BENCH_INDEXES=1): EXPLAIN (ANALYZE, BUFFERS) of
   the compile's two statements that read the visits, and the compile's time,
   without an index on counter_visit(at), with a btree, with a BRIN (each
   dropped after: the migrations are left as they are).

Then prints, across the sizes, the time per million visits and how it grows, and
a line per target, met or MISSED. When the next size would not fit on the disk
(estimated from the smaller one), it is scaled down, and the output says so.
Run it with `make bench-stats` (`python3 -m bench.stats`).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
from typing import Any

from bench.common import PYTHON, ROOT, in_venv, postgres_url

SCALES = os.environ.get("BENCH_SCALES", "0.1 1")
TARGET_RATIO = 2.0
TARGET_PAGE_MS = 300.0
# Linear: cost ~ visits^k with k at most this, from the smallest size to the largest.
TARGET_GROWTH_EXPONENT = 1.15
# Disk a size needs, per unit of scale, before a smaller size has been measured; and
# the room kept for the seeding's temporary tables and write-ahead log.
BYTES_PER_SCALE = 20 * 2**30
HEADROOM = 1.6
WHY = "its seeding and its ceiling are PostgreSQL SQL, run by pgbench"


# --- the parent: one child per size, then how the cost grows ---------------------------------


def url_for(url: str, scale: float) -> str:
    if scale == 1:
        return url
    parts = urllib.parse.urlsplit(url)
    suffix = "_x" + f"{scale:g}".replace(".", "_")
    return urllib.parse.urlunsplit(parts._replace(path=parts.path + suffix))


def seeded_households(url: str) -> int | None:
    """How many households the database at `url` was seeded with (None: not seeded)."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=5) as connection:
            found = connection.execute("SELECT to_regclass('bench_stats_seeded')").fetchone()
            if not found or found[0] is None:
                return None
            row = connection.execute(
                "SELECT size->>'households' FROM bench_stats_seeded"
            ).fetchone()
    except psycopg.OperationalError:
        return None
    return int(row[0]) if row else None


def scale_that_fits(url: str, scale: float, done: list[dict[str, Any]]) -> float:
    """`scale`, or the largest tenth below it that the disk holds (saying so)."""
    if seeded_households(url_for(url, scale)) == round(1_000_000 * scale):
        return scale
    per_scale = done[-1]["database_bytes"] / done[-1]["scale"] if done else BYTES_PER_SCALE
    free = shutil.disk_usage(ROOT).free
    if per_scale * scale * HEADROOM <= free:
        return scale
    fits = math.floor(10 * free / (per_scale * HEADROOM)) / 10
    print(
        f"\nSCALED DOWN: scale {scale:g} needs about {per_scale * scale * HEADROOM / 2**30:.0f} GiB"
        f" ({per_scale * scale / 2**30:.0f} GiB of database, room to build it), "
        f"{free / 2**30:.0f} GiB are free on this disk: scale {fits:g} instead",
        flush=True,
    )
    return fits


def child_run(url: str, scale: float, indexes: bool) -> dict[str, Any]:
    """The child process for one size: its output passes through, its figures come back."""
    command = [str(PYTHON), "-m", "bench.stats", "--scale", f"{scale:g}"]
    command += ["--indexes"] if indexes else []
    env = {**os.environ, "DATABASE_URL": url_for(url, scale), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    result: dict[str, Any] = {}
    for line in process.stdout:
        if line.startswith("RESULT "):
            result = json.loads(line.removeprefix("RESULT "))
        else:
            print(line, end="", flush=True)
    if process.wait() != 0 or not result:
        sys.exit(f"the run at scale {scale:g} failed")
    return result


def exponent(a: dict[str, Any], b: dict[str, Any], key: str) -> float:
    """k in cost ~ visits^k, between two sizes."""
    if not a[key] or not b[key] or a["visits"] == b["visits"]:
        return float("nan")
    return math.log(b[key] / a[key]) / math.log(b["visits"] / a["visits"])


def line_fit(results: list[dict[str, Any]], key: str) -> tuple[float, float]:
    """Least squares: cost = fixed + per_million * (visits / 1e6); (fixed, per_million)."""
    xs = [r["visits"] / 1e6 for r in results]
    ys = [r[key] for r in results]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    return mean_y - slope * mean_x, slope


def growth_print(results: list[dict[str, Any]]) -> None:
    print("\n=== across the sizes ===")
    header = (
        f"{'scale':>6}{'visits':>12}{'in month':>10}{'compile ms':>12}{'bare ms':>9}"
        f"{'ratio':>7}{'compile ms/M':>14}{'bare ms/M':>11}{'expiry ms':>11}{'bare ms':>9}"
    )
    print(header + "\n" + "-" * len(header))
    for r in results:
        million = r["visits"] / 1e6
        print(
            f"{r['scale']:>6g}{r['visits']:>12,}{r['visits_month']:>10,}{r['compile_ms']:>12.0f}"
            f"{r['bare_ms']:>9.0f}{r['compile_ms'] / r['bare_ms']:>6.2f}×"
            f"{r['compile_ms'] / million:>14.0f}{r['bare_ms'] / million:>11.0f}"
            f"{r['expiry_ms']:>11.0f}{r['expiry_bare_ms']:>9.0f}"
        )
    if len(results) >= 2:
        print("\nhow the cost grows with the visits: cost ~ visits^k between two sizes (k = 1:")
        print("linear), and the straight line through all sizes (a fixed part + a part per visit)")
        for key, label in (
            ("compile_ms", "month_compile"),
            ("bare_ms", "bare SQL of the month"),
            ("compile_nojit_ms", "month_compile, jit = off"),
            ("expiry_ms", "passes_expire_due (the due passes grow with the households)"),
        ):
            steps = ", ".join(
                f"k = {exponent(x, y, key):.2f} from {x['scale']:g} to {y['scale']:g}"
                for x, y in zip(results, results[1:], strict=False)
            )
            fixed, per_million = line_fit(results, key)
            print(
                f"  {label}: {steps}; ≈ {fixed / 1000:.1f} s + {per_million / 1000:.2f} s per "
                "million visits"
            )
    targets_print(results)


def targets_print(results: list[dict[str, Any]]) -> None:
    print("\ntargets")
    checks = []
    for r in results:
        ratio = r["compile_ms"] / r["bare_ms"]
        checks.append(
            (
                f"scale {r['scale']:g}: month_compile within {TARGET_RATIO:g}× of bare SQL",
                f"{r['compile_ms']:.0f} / {r['bare_ms']:.0f} ms = {ratio:.2f}×",
                ratio <= TARGET_RATIO,
            )
        )
        ratio = r["expiry_ms"] / r["expiry_bare_ms"]
        checks.append(
            (
                f"scale {r['scale']:g}: nightly expiry within {TARGET_RATIO:g}× of bare SQL",
                f"{r['expiry_ms']:.0f} / {r['expiry_bare_ms']:.0f} ms = {ratio:.2f}×",
                ratio <= TARGET_RATIO,
            )
        )
    if len(results) >= 2:
        k = exponent(results[0], results[-1], "compile_ms")
        checks.append(
            (
                f"month_compile grows at most linearly with the visits (k <= {TARGET_GROWTH_EXPONENT})",
                f"k = {k:.2f}",
                k <= TARGET_GROWTH_EXPONENT,
            )
        )
    largest = results[-1]
    for page in largest["pages"] or []:
        checks.append(
            (
                f"scale {largest['scale']:g}: {page['label']} p50 <= {TARGET_PAGE_MS:g} ms",
                f"{page['p50_ms']:.0f} ms (HTTP {page['status']}){' ' + page['error'] if page['error'] else ''}",
                page["p50_ms"] <= TARGET_PAGE_MS and page["status"] == 200,
            )
        )
    for label, value, met in checks:
        print(f"  {'met   ' if met else 'MISSED'} {label}: {value}")
    if largest["pages"] is None:
        print(
            f"  ------ review page <= {TARGET_PAGE_MS:g} ms: not built yet (no URL named "
            "reports:month), not measured"
        )


def main() -> None:
    in_venv("bench.stats")
    if "--scale" in sys.argv:
        from bench.stats_child import child_main

        child_main(float(sys.argv[sys.argv.index("--scale") + 1]), "--indexes" in sys.argv)
        return
    url = postgres_url("bench-stats", WHY)
    scales = sorted(float(x) for x in SCALES.split())
    forced = os.environ.get("BENCH_INDEXES")
    results: list[dict[str, Any]] = []
    started = time.perf_counter()
    for index, asked in enumerate(scales):
        scale = scale_that_fits(url, asked, results)
        if scale <= 0 or (results and scale <= results[-1]["scale"]):
            print(f"\nscale {asked:g} does not fit on this disk: not run")
            continue
        if scale != asked:
            print(f"(asked for scale {asked:g}: this machine runs scale {scale:g})")
        last = index == len(scales) - 1
        indexes = forced == "1" or (forced != "0" and last)
        results.append(child_run(url, scale, indexes))
    if not results:
        sys.exit("no size fits on this disk")
    growth_print(results)
    print(f"\nthe whole run took {(time.perf_counter() - started) / 60:.0f} min")


if __name__ == "__main__":
    main()
