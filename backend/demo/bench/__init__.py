"""Benchmark seeding: one partner with many households (`manage.py bench_seed`)."""
