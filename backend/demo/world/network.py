"""Organisations, people with their roles, conventions with their usage rules.

Each builder returns the row of its natural key (slug, username, reference),
creating it the first time: the demo can run again and again, and a test gets
a fresh row in its empty database. Roles go through `membership_grant`, as the
admin pages would grant them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.hashers import get_hasher, make_password

from network.models import Convention, Organisation, UsageRule, User
from network.services import membership_grant

# The hash of each password with each hasher, made once per process (see `password_hash`).
_HASHES: dict[tuple[str, str], str] = {}


def organisation_make(*, kind: str, slug: str, name: str, **fields: Any) -> Organisation:
    """The organisation of this slug, made with `fields` the first time."""
    organisation, _created = Organisation.objects.get_or_create(
        slug=slug, defaults={"kind": kind, "name": name, **fields}
    )
    return organisation


def password_hash(password: str) -> str:
    """The hash of `password` with the default hasher, made once per process.

    Every demo, benchmark and test account made here shares one printed password:
    hashing it again for each of them cost a quarter of a second each (PBKDF2), seconds
    of every first start, and one salt for all of them hides nothing that is not
    already printed. Real accounts never come through here.
    """
    key = (password, str(get_hasher().algorithm))
    if key not in _HASHES:
        _HASHES[key] = make_password(password)
    return _HASHES[key]


def user_make(
    *,
    username: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    superuser: bool = False,
    roles: Iterable[tuple[Organisation, str]] = (),
    **fields: Any,
) -> User:
    """The account of this username (its password set the first time), holding `roles`.

    Each (organisation, role) goes through `membership_grant`: idempotent, and it
    refuses a role the kind of organisation cannot hold.
    """
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "email": email,
            "is_staff": superuser,
            "is_superuser": superuser,
            **fields,
        },
    )
    if created:
        user.password = password_hash(password)
        user.save(update_fields=["password"])
    for organisation, role in roles:
        membership_grant(actor=None, user=user, organisation=organisation, role=role)
    return user


@dataclass(frozen=True)
class RuleSpec:
    """What a convention's pass allows at one collective service (a `UsageRule`'s numbers)."""

    kind: str
    period: str
    quantity: int | None = None
    budget_base_cents: int | None = None
    budget_per_extra_member_cents: int | None = None

    @classmethod
    def visits(cls, quantity: int, period: str = UsageRule.Period.WEEK) -> RuleSpec:
        return cls(UsageRule.Kind.VISITS, period, quantity=quantity)

    @classmethod
    def parcels(cls, quantity: int, period: str = UsageRule.Period.FORTNIGHT) -> RuleSpec:
        return cls(UsageRule.Kind.PARCELS, period, quantity=quantity)

    @classmethod
    def uses(cls, quantity: int, period: str = UsageRule.Period.MONTH) -> RuleSpec:
        return cls(UsageRule.Kind.USES, period, quantity=quantity)

    @classmethod
    def meal_tickets(cls, per_person: int, period: str = UsageRule.Period.WEEK) -> RuleSpec:
        """Meals at a social restaurant: `per_person` for each person of the household."""
        return cls(UsageRule.Kind.MEAL_TICKETS, period, quantity=per_person)

    @classmethod
    def budget(
        cls,
        base_cents: int,
        per_extra_member_cents: int | None = None,
        period: str = UsageRule.Period.MONTH,
    ) -> RuleSpec:
        """A shop's budget of purchases, or outside food a cap on the amounts covered."""
        return cls(
            UsageRule.Kind.BUDGET,
            period,
            budget_base_cents=base_cents,
            budget_per_extra_member_cents=per_extra_member_cents,
        )


def usage_rule_make(*, convention: Convention, service: Organisation, rule: RuleSpec) -> UsageRule:
    """The convention's rule of this kind at `service`, made from `rule` the first time."""
    usage_rule, _created = UsageRule.objects.get_or_create(
        convention=convention,
        service=service,
        kind=rule.kind,
        defaults={
            "period": rule.period,
            "quantity": rule.quantity,
            "budget_base_cents": rule.budget_base_cents,
            "budget_per_extra_member_cents": rule.budget_per_extra_member_cents,
        },
    )
    return usage_rule


def convention_make(
    *,
    partner: Organisation,
    services: Sequence[Organisation],
    reference: str,
    starts_on: date,
    ends_on: date,
    max_active_passes: int,
    max_pass_days: int,
    rules: Sequence[RuleSpec] = (),
) -> Convention:
    """The convention of this reference, opening `services`, with `rules` at each of them.

    The services are set when the convention is made; the rules are added where
    missing (a rule already there is kept as it is).
    """
    convention, created = Convention.objects.get_or_create(
        reference=reference,
        defaults={
            "partner": partner,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "max_active_passes": max_active_passes,
            "max_pass_days": max_pass_days,
        },
    )
    if created:
        convention.services.set(services)
    for service in services:
        for rule in rules:
            usage_rule_make(convention=convention, service=service, rule=rule)
    return convention
