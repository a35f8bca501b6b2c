"""The scan benchmark's printing: its table, its targets, and the py-spy profile."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench.common import PYTHON, ROOT
from bench.loadgen import Measure, Scenario

# The targets on the 2-core machine, load generator included.
TARGET_ACCEPTED_PER_S_AT_8 = 300
TARGET_P50_MS_AT_1 = 5.0
TARGET_SERVER_CPU_MS = 3.5
TARGET_QUERIES = 3
TARGET_CEILING_SHARE = 0.25
TARGET_BROWSER_P50_MS = 100.0


def table_header(first: str) -> str:
    header = (
        f"{first:<40}{'requests':>9}{'req/s':>8}{'acc/s':>8}{'p50 ms':>8}{'p95 ms':>8}"
        f"{'p99 ms':>8}{'errors':>7}  {'verdicts':<36}{'CPU ms/req: gunicorn':>21}"
        f"{'loadgen':>8}{'other':>7}"
    )
    return header + "\n" + "-" * len(header)


def table_row(label: str, scenario: Scenario, m: Measure) -> str:
    counted = ", ".join(
        [f"{m.accepted} accepted"] + [f"{n} {r}" for r, n in m.reasons.most_common()]
    )
    verdicts = ("ok: " if scenario.verdicts_ok(m.accepted, m.reasons) else "WRONG: ") + counted
    other = max(m.cpu.get("total", 0.0) - m.cpu.get("server", 0.0) - m.cpu.get("loadgen", 0.0), 0)
    return (
        f"{label[:39]:<40}{m.requests:>9}{m.rate(m.requests):>8.0f}{m.rate(m.accepted):>8.0f}"
        f"{m.p50_ms:>8.1f}{m.p95_ms:>8.1f}{m.p99_ms:>8.1f}{m.errors:>7}  {verdicts[:35]:<36}"
        f"{m.cpu_ms_per_request('server'):>21.2f}{m.cpu_ms_per_request('loadgen'):>8.2f}"
        f"{1000 * other / max(m.requests, 1):>7.2f}"
    )


def targets_print(
    finals: dict[tuple[str, int], Measure],
    accepted_sql: list[str],
    health_checks: int,
    tps: dict[int, float],
    browser_p50_ms: float | None,
) -> None:
    """Each target, met or missed, then pgbench's ceiling."""
    print("\ntargets")
    at_8 = finals[("distinct cards", 8)]
    at_1 = finals[("distinct cards", 1)]
    accepted_8 = at_8.rate(at_8.accepted)
    checks = [
        (
            f"accepted scans/s, distinct cards, 8 clients >= {TARGET_ACCEPTED_PER_S_AT_8}",
            f"{accepted_8:.0f}",
            accepted_8 >= TARGET_ACCEPTED_PER_S_AT_8,
        ),
        (
            f"p50 at 1 client <= {TARGET_P50_MS_AT_1:g} ms",
            f"{at_1.p50_ms:.1f} ms",
            at_1.p50_ms <= TARGET_P50_MS_AT_1,
        ),
        (
            f"gunicorn CPU per request <= {TARGET_SERVER_CPU_MS:g} ms (8 clients)",
            f"{at_8.cpu_ms_per_request('server'):.2f} ms",
            at_8.cpu_ms_per_request("server") <= TARGET_SERVER_CPU_MS,
        ),
        (
            f"SQL statements per accepted scan <= {TARGET_QUERIES}, no health check",
            f"{len(accepted_sql)} + {health_checks} SELECT 1",
            len(accepted_sql) <= TARGET_QUERIES and not health_checks,
        ),
    ]
    if tps.get(8):
        share = accepted_8 / tps[8]
        checks.append(
            (
                f"share of the bare-SQL ceiling (pgbench, 8 clients) >= {TARGET_CEILING_SHARE:.0%}",
                f"{share:.0%} of {tps[8]:.0f}/s",
                share >= TARGET_CEILING_SHARE,
            )
        )
    if browser_p50_ms is not None:
        checks.append(
            (
                f"browser, Enter to verdict painted, p50 <= {TARGET_BROWSER_P50_MS:g} ms",
                f"{browser_p50_ms:.0f} ms",
                browser_p50_ms <= TARGET_BROWSER_P50_MS,
            )
        )
    for label, value, met in checks:
        print(f"  {'met   ' if met else 'MISSED'} {label}: {value}")


# --- py-spy ----------------------------------------------------------------------------


def profile_start(
    server_process: subprocess.Popen, output: Path, seconds: float
) -> subprocess.Popen:
    """py-spy on gunicorn's workers for `seconds`, samples holding the GIL only.

    `--gil` leaves out the waits for PostgreSQL (psycopg waits with the GIL
    released), which py-spy's idle detection would otherwise count as work. It
    pauses a worker 100 times a second to read its stack: the run is slower, but
    only the shares matter here.
    """
    py_spy = shutil.which("py-spy") or str(PYTHON.parent / "py-spy")
    if not Path(py_spy).exists():
        sys.exit("BENCH_PROFILE=1 needs py-spy: .venv/bin/pip install py-spy")
    command = [py_spy, "record", "--pid", str(server_process.pid), "--subprocesses"]
    command += ["--format", "raw", "--nolineno", "--rate", "100", "--gil"]
    command += ["--duration", str(max(int(seconds) - 1, 1)), "--output", str(output)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# Where a scan's CPU goes, by function (inclusive): the request's parts, then the ORM's.
PROFILE_PARTS = (
    ("WSGIHandler.__call__", "the request in Django (middleware included)"),
    ("APIView.dispatch", "  the DRF view"),
    ("Serializer.is_valid", "    the body's validation"),
    ("TokenAuthentication.authenticate", "    token lookup"),
    ("HasActiveMembership.has_permission", "    membership check"),
    ("visit_record", "    counter.services.visit_record"),
    ("card_read", "      card decoding and signature check"),
    ("counter_session_now", "      counter open now? (process cache)"),
    ("_pass_for_scan", "      pass row FOR UPDATE"),
    ("_usage", "      visits aggregate"),
    ("visit_insert", "      visit INSERT"),
    ("Atomic.__exit__", "      COMMIT"),
    ("verdict_data", "    verdict as JSON"),
    ("SQLCompiler.as_sql", "ORM: compiling SQL (every query)"),
    ("QuerySet._filter_or_exclude", "ORM: building filters"),
    ("QuerySet.annotate", "ORM: building annotations"),
    ("CursorWrapper.execute", "executing SQL (psycopg, without the waits)"),
)


def profile_print(
    path: Path, top: int = 15, parts: tuple[tuple[str, str], ...] = PROFILE_PARTS
) -> None:
    """Shares of the workers' CPU samples: the request's `parts` (the scan's unless told),
    then the busiest functions."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _space, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = [re.sub(r" \(.*\)$", "", f) for f in stack.split(";")[1:]]
        if "WSGIHandler.__call__" not in frames:
            continue  # gunicorn's own loop, not a request
        total += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
        own[stack.split(";")[-1].replace(str(ROOT) + "/", "")] += int(count)
    if not total:
        print("  no samples")
        return
    print(f"  {total} samples in requests; share of them under each function:")
    for frame, label in parts:
        print(f"  {100 * inclusive[frame] / total:5.1f} %  {label} ({frame})")
    print("  busiest functions (own time):")
    for frame, count in own.most_common(top):
        name = re.sub(r"\(.*site-packages/", "(", frame)
        print(f"  {100 * count / total:5.1f} %  {name[:110]}")
