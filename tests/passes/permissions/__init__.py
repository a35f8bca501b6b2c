"""The permission matrix of the passes feature: each role × each action, pages, htmx and API.

`world` (and `conftest.py`) builds one world per test, `actions` lists what a persona may
try, `expected` what each persona gets, `checks` how a case is sent and checked. The tests:
`test_matrix` (passes), `test_conventions`, `test_schema_walk` (every API operation).
"""
