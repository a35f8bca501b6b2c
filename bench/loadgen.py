"""The scan benchmark's load generators (wrk with a Lua script, Python threads) and CPU clocks.

Each generator posts scans to `SCAN_PATH` for a while and returns a Measure:
what was sent, what came back, and the CPU it took itself.
"""

from __future__ import annotations

import functools
import http.client
import itertools
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import percentiles_ms

PORT = int(os.environ.get("BENCH_PORT", "8767"))
BASE = f"http://127.0.0.1:{PORT}"
SCAN_PATH = "/api/counter/scans/"
REASON = re.compile(rb'"reason":"([A-Za-z_]*)"')


@dataclass(frozen=True)
class Scenario:
    name: str
    cards: Path  # one code per line, used in turn

    def verdicts_ok(self, accepted: int, reasons: Counter[str]) -> bool:
        if self.name == "distinct cards":
            return not reasons
        if self.name == "same card":
            return accepted == 1 and set(reasons) <= {"already_served"}
        return accepted == 0 and set(reasons) <= {"bad_signature"}


@dataclass
class Measure:
    """One run: what was sent, what came back, and where the CPU went."""

    requests: int
    seconds: float
    accepted: int
    reasons: Counter[str]
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    cpu: dict[str, float] = field(default_factory=dict)  # seconds: total, server, loadgen

    def rate(self, count: int) -> float:
        return count / self.seconds if self.seconds else 0.0

    def cpu_ms_per_request(self, part: str) -> float:
        return 1000 * self.cpu.get(part, 0.0) / max(self.requests, 1)


@dataclass(frozen=True)
class Target:
    """What every request needs besides its code."""

    token: str
    service_id: int


@dataclass(frozen=True)
class Load:
    """One run of a load generator: which codes, how many clients, for how long."""

    cards: Path
    clients: int
    seconds: float
    tag: str  # makes the run's idempotency keys unique


# --- CPU accounting --------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time all cores spent doing anything but idling, since boot."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / TICK


def process_tree_seconds(root_pid: int) -> float:
    """CPU time of a process and its children (gunicorn's master and workers)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        after_name = text.rsplit(")", 1)[1].split()
        pid, ppid = int(stat.parent.name), int(after_name[1])
        if root_pid in (pid, ppid):
            total += (int(after_name[11]) + int(after_name[12])) / TICK
    return total


def children_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --- wrk -------------------------------------------------------------------------------


def wrk_available() -> bool:
    """wrk on the PATH, installed with apt-get when missing and this is allowed (root)."""
    if shutil.which("wrk"):
        return True
    if not shutil.which("apt-get") or os.geteuid() != 0:
        return False
    print("wrk is missing: apt-get install -y wrk")
    for command in (["apt-get", "install", "-y", "wrk"], ["apt-get", "update"]):
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode == 0 and shutil.which("wrk"):
            return True
    # After `apt-get update`, once more.
    subprocess.run(["apt-get", "install", "-y", "wrk"], capture_output=True)
    return bool(shutil.which("wrk"))


WRK_SCRIPT = r"""
-- The scan for wrk: one code per request, read in turn from a file, a fresh idempotency
-- key each time; the verdicts are counted from the JSON answer.
-- Arguments after "--": codes file, run tag, device token, service id.
local threads = {}
function setup(thread) table.insert(threads, thread) end

local codes, tag, service, sent = {}, "", "", 0
accepted, status_errors, reasons = 0, 0, {}

function init(args)
  for line in io.lines(args[1]) do codes[#codes + 1] = line end
  tag, service = args[2], args[4]
  wrk.method = "POST"
  wrk.headers["Authorization"] = "Token " .. args[3]
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  sent = sent + 1
  local body = '{"code":"' .. codes[(sent - 1) % #codes + 1] .. '","idempotency_key":"'
    .. tag .. "-" .. sent .. '","service":' .. service .. "}"
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status ~= 201 then status_errors = status_errors + 1 return end
  if string.find(body, '"accepted":true', 1, true) then accepted = accepted + 1 return end
  local reason = string.match(body, '"reason":"([%w_]*)"') or "?"
  reasons[reason] = (reasons[reason] or 0) + 1
end

function done(summary, latency, requests)
  local total, errors, merged = 0, 0, {}
  for _, thread in ipairs(threads) do
    total = total + thread:get("accepted")
    errors = errors + thread:get("status_errors")
    for reason, count in pairs(thread:get("reasons")) do
      merged[reason] = (merged[reason] or 0) + count
    end
  end
  local parts = {}
  for reason, count in pairs(merged) do parts[#parts + 1] = '"' .. reason .. '":' .. count end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"accepted":%d,"errors":%d,'
      .. '"p50":%d,"p95":%d,"p99":%d,"reasons":{%s}}\n',
    summary.requests, summary.duration, total,
    errors + e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    table.concat(parts, ",")))
end
"""


def wrk_drive(target: Target, load: Load, workdir: Path) -> Measure:
    """wrk, one thread (a few hundred requests a second need no more), `clients` connections."""
    script = workdir / "scan.lua"
    if not script.exists():
        script.write_text(WRK_SCRIPT)
    command = ["wrk", "-t", "1", "-c", str(load.clients), "-d", f"{load.seconds:g}s"]
    command += ["--timeout", "10s", "-s", str(script), BASE + SCAN_PATH]
    command += ["--", str(load.cards), load.tag]
    command += [target.token, str(target.service_id)]
    before = children_seconds()
    result = subprocess.run(command, capture_output=True, text=True)
    loadgen = children_seconds() - before
    line = next((x for x in result.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        sys.exit(f"wrk printed no result:\n{result.stdout}\n{result.stderr}")
    data = json.loads(line.removeprefix("RESULT "))
    return Measure(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        accepted=data["accepted"],
        reasons=Counter(data["reasons"]),
        errors=data["errors"],
        p50_ms=data["p50"] / 1000,
        p95_ms=data["p95"] / 1000,
        p99_ms=data["p99"] / 1000,
        cpu={"loadgen": loadgen},
    )


# --- Python ----------------------------------------------------------------------------


def python_drive(target: Target, load: Load, workdir: Path, *, keep_alive: bool = True) -> Measure:
    """Python threads posting for `load.seconds`, one per client.

    Each keeps its connection open (http.client), or, without `keep_alive`, opens
    one per request with urllib, as bench/app.py does.
    """
    codes = load.cards.read_text().split()
    sent = itertools.count()  # shared: each code goes to one request only
    headers = {"Authorization": f"Token {target.token}", "Content-Type": "application/json"}
    results: list[tuple[list[float], int, Counter[str], int]] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + load.seconds

    def client() -> None:
        latencies: list[float] = []
        accepted = errors = 0
        reasons: Counter[str] = Counter()
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        while time.perf_counter() < deadline:
            n = next(sent)
            body = json.dumps(
                {
                    "code": codes[n % len(codes)],
                    "idempotency_key": f"{load.tag}-{n}",
                    "service": target.service_id,
                }
            )
            began = time.perf_counter()
            try:
                if keep_alive:
                    connection.request("POST", SCAN_PATH, body, headers)
                    response = connection.getresponse()
                    status, data = response.status, response.read()
                else:
                    request = urllib.request.Request(
                        BASE + SCAN_PATH, data=body.encode(), headers=headers, method="POST"
                    )
                    with urllib.request.urlopen(request, timeout=10) as answer:
                        status, data = answer.status, answer.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                connection.close()
                continue
            latencies.append(time.perf_counter() - began)
            if status != 201:
                errors += 1
            elif b'"accepted":true' in data:
                accepted += 1
            else:
                found = REASON.search(data)
                reasons[found.group(1).decode() if found else "?"] += 1
        connection.close()
        with lock:
            results.append((latencies, accepted, reasons, errors))

    threads = [threading.Thread(target=client) for _ in range(load.clients)]
    cpu_before = time.process_time()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies = sorted(x for r in results for x in r[0])
    p50, p95, p99 = percentiles_ms(latencies)
    return Measure(
        requests=len(latencies),
        seconds=elapsed,
        accepted=sum(r[1] for r in results),
        reasons=sum((r[2] for r in results), Counter()),
        errors=sum(r[3] for r in results),
        p50_ms=p50,
        p95_ms=p95,
        p99_ms=p99,
        cpu={"loadgen": time.process_time() - cpu_before},
    )


Driver = Callable[[Target, Load, Path], Measure]
DRIVERS: dict[str, Driver] = {
    "wrk": wrk_drive,
    "python": python_drive,
    "python-urllib": functools.partial(python_drive, keep_alive=False),
}
