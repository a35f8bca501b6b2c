"""The benchmarks, run from the project's root by the make targets.

`make bench` runs `python3 -m bench.app` (a few endpoints under gunicorn),
`make bench-households` runs `python3 -m bench.households` (the household list,
PostgreSQL), `make bench-scan` runs `python3 -m bench.scan` (the counter's scan,
PostgreSQL); the two last re-execute themselves under .venv when started by
another Python.
"""
