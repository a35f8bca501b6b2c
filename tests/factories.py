"""The tests' defaults for the world-builder (`demo.world`), which makes every row.

The builders themselves live in `demo.world`, shared with the demo and the
benchmarks; here are only what the tests take for granted: one password, names
numbered so that each call makes a new person, and the dates of the tests'
frozen 2026.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date
from typing import Any

from demo import world
from network.models import Convention, Membership, Organisation, User
from network.services import membership_grant
from passes.models import AccessPass, Assessment, Household
from passes.services import MemberData, pass_issue

TEST_PASSWORD = "correct-horse-battery"  # noqa: S105
_numbers = itertools.count(1)


def organisation(*, kind: str, slug: str, name: str, **fields: Any) -> Organisation:
    return world.organisation_make(kind=kind, slug=slug, name=name, **fields)


def user(username: str, password: str = TEST_PASSWORD, **fields: Any) -> User:
    return world.user_make(
        username=username, password=password, first_name=username.title(), **fields
    )


def membership(account: User, org: Organisation, role: str) -> Membership:
    return membership_grant(actor=None, user=account, organisation=org, role=role)


def convention_make(
    partner: Organisation,
    services: list[Organisation],
    *,
    starts_on: date = date(2026, 1, 1),
    ends_on: date = date(2026, 12, 31),
    max_active_passes: int = 10,
    max_pass_days: int = 90,
    visits_per_week: int | None = 1,
    budget: tuple[int, int] | None = None,
    reference: str = "",
) -> Convention:
    """A convention of 2026 with, at each service, `visits_per_week` visits and an optional
    monthly budget (base, per extra member, in cents)."""
    rules = [] if visits_per_week is None else [world.RuleSpec.visits(visits_per_week)]
    if budget is not None:
        rules.append(world.RuleSpec.budget(*budget))
    return world.convention_make(
        partner=partner,
        services=services,
        reference=reference or f"CONV-{next(_numbers)}",
        starts_on=starts_on,
        ends_on=ends_on,
        max_active_passes=max_active_passes,
        max_pass_days=max_pass_days,
        rules=rules,
    )


def household_make(
    actor: User,
    partner: Organisation,
    *,
    first_name: str = "",
    last_name: str = "",
    birth_year: int = 1980,
    recorded_on: date = date(2026, 1, 5),
    members: Iterable[MemberData] = (),
    **fields: Any,
) -> Household:
    """A household registered through the service; numbered names unless given."""
    number = next(_numbers)
    return world.household_make(
        actor=actor,
        partner=partner,
        first_name=first_name or f"Prénom{number}",
        last_name=last_name or f"Nom{number}",
        birth_year=birth_year,
        recorded_on=recorded_on,
        members=members,
        **fields,
    )


def assess(
    actor: User,
    household: Household,
    outcome: str = Assessment.Outcome.GRANTED,
    *,
    on: date = date(2026, 2, 1),
) -> Assessment:
    return world.assessment_make(actor=actor, household=household, on=on, outcome=outcome, today=on)


def pass_make(actor: User, household: Household, convention: Convention) -> AccessPass:
    return pass_issue(actor=actor, household=household, convention=convention)
