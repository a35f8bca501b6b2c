"""One world-builder for the demo network, the benchmarks and the tests.

Plain typed functions that make organisations, people with their roles,
conventions with their usage rules, opening hours, households, assessments and
passes. Rows that are only configuration are written directly; state that
matters goes through the domain services (`membership_grant`,
`household_register`, `assessment_record`, `pass_issue`), so a demo pass or a
test pass is exactly what a social worker would have issued.
"""

from demo.world.counters import counter_open_all_day, opening_rule_make
from demo.world.households import assessment_make, household_make, household_with_pass
from demo.world.network import (
    RuleSpec,
    convention_make,
    organisation_make,
    usage_rule_make,
    user_make,
)

__all__ = [
    "RuleSpec",
    "assessment_make",
    "convention_make",
    "counter_open_all_day",
    "household_make",
    "household_with_pass",
    "opening_rule_make",
    "organisation_make",
    "usage_rule_make",
    "user_make",
]
