# One entry point per job, for people and CI alike. Each needs only Python 3.11+.
PYTHON ?= python3

.PHONY: run test lint bench setup bench-households bench-scan bench-sale bench-stats bench-offline

run:    ## the app on http://127.0.0.1:8000 with its worker and schedule (Ctrl-C stops all)
	$(PYTHON) scripts/dev.py run

test:   ## the whole test suite; pass pytest arguments with ARGS="-k login"
	$(PYTHON) scripts/dev.py test $(ARGS)

lint:   ## ruff (lint and format), import layers, mypy and the migrations check
	$(PYTHON) scripts/dev.py lint

setup:  ## install everything without running anything
	$(PYTHON) scripts/dev.py setup

bench:  ## throughput and latency of the app under gunicorn (uses DATABASE_URL when set)
	$(PYTHON) scripts/dev.py setup
	$(PYTHON) -m bench.app

bench-households:  ## list, search and filters over 100,000 households (needs DATABASE_URL=postgres://...)
	$(PYTHON) scripts/dev.py setup
	$(PYTHON) -m bench.households

bench-scan:  ## the counter's scan with 100,000 cards, 1-32 clients, and its bare SQL (needs DATABASE_URL=postgres://...)
	$(PYTHON) scripts/dev.py setup
	$(PYTHON) -m bench.scan

bench-offline:  ## the day's list an offline tablet takes, at a counter with 100,000 passes (needs DATABASE_URL=postgres://...)
	$(PYTHON) -m bench.offline_list

bench-sale:  ## the shop's checkout, 1-50 lines at 1 and 8 tablets, and its bare SQL (needs DATABASE_URL=postgres://...)
	$(PYTHON) scripts/dev.py setup
	$(PYTHON) -m bench.sale

bench-stats:  ## a month's statistics, the nightly expiry and the review page over 10,000,000 visits at two sizes, and their bare SQL (needs DATABASE_URL=postgres://...)
	$(PYTHON) scripts/dev.py setup
	$(PYTHON) -m bench.stats
