"""The benchmarks, run from the project's root by the make targets.

`make bench` runs `python3 -m bench.app` (a few endpoints under gunicorn),
`make bench-households` runs `python3 -m bench.households` (the household list,
PostgreSQL), `make bench-scan` runs `python3 -m bench.scan` (the counter's scan,
PostgreSQL), `make bench-sale` runs `python3 -m bench.sale` (the shop's checkout,
PostgreSQL), `make bench-stats` runs `python3 -m bench.stats` (a month's
statistics, the nightly expiry and the review page at two sizes, PostgreSQL);
the PostgreSQL ones re-execute themselves under .venv when started by another
Python.
"""
