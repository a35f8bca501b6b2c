"""The benchmark's world: its organisations and people through the world-builder, then
households and passes written with bulk_create in batches.

Rows are bulk-written, not made through `passes.services`: the services write
one audit entry and one history line per change, which is what they are for
but not what the benchmarks measure (reading the list, scanning a card), and
would make seeding 100,000 households take many minutes.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate
from typing import Any

from django.utils import timezone
from rest_framework.authtoken.models import Token

from comptoir.dates import month_end
from demo.bench.names import COMMUNES, FIRST_NAMES_F, FIRST_NAMES_M, LAST_NAMES
from demo.world import RuleSpec, convention_make, counter_open_all_day, organisation_make, user_make
from network.models import Convention, Organisation, Role, UsageRule, User
from passes.models import AccessPass, Household, HouseholdMember, PassCard, name_key
from passes.tokens import human_code_new

BATCH = 5000
USERNAME = "bench.assistant"
VOLUNTEER = "bench.benevole"
DEFAULT_PASSWORD = "comptoir-bench"  # noqa: S105  (a throw-away benchmark account)

NAME_KEYS = {name: name_key(name) for name in FIRST_NAMES_F + FIRST_NAMES_M + LAST_NAMES}
LANGUAGES = ("fr",) * 17 + ("nl", "en", "fr")
AGE_BANDS = [c for c, _label in HouseholdMember.AgeBand.choices]
# Weights of the pass situations (see `pass_for`), out of 100 households.
SITUATIONS = (
    ("active", 44),
    ("expiring", 8),
    ("not_yet_valid", 2),
    ("active_past_end", 1),  # ended yesterday; the nightly job has not run yet
    ("suspended", 3),
    ("revoked", 2),
    ("expired", 10),
    ("none", 30),
)


@dataclass
class BenchWorld:
    """The partner, its counter, its convention and social worker, and what a batch needs."""

    partner: Organisation
    service: Organisation
    convention: Convention
    user: User
    today: date
    passes: str  # "mixed" (passes in every state) or "active" (one valid pass each)
    rules: list[dict[str, Any]] = field(default_factory=list)
    codes: set[str] = field(default_factory=set)


def bench_password() -> str:
    return os.environ.get("BENCH_PASSWORD", DEFAULT_PASSWORD)


def world_setup(slug: str, today: date, passes: str = "mixed") -> BenchWorld:
    """The partner, its shop and convention, and its social worker (made once)."""
    partner = organisation_make(
        kind=Organisation.Kind.PARTNER,
        slug=slug,
        name="CPAS de Benchmark",
        partner_kind=Organisation.PartnerKind.CPAS,
        postal_code="5000",
        city="Namur",
    )
    service = organisation_make(
        kind=Organisation.Kind.SERVICE,
        slug=f"{slug}-epicerie",
        name="Épicerie de Benchmark",
        service_kind=Organisation.ServiceKind.SHOP,
        postal_code="5000",
        city="Namur",
    )
    # The scan benchmark accepts each card once a day, then `already_served`.
    visits = RuleSpec.visits(
        1, period=UsageRule.Period.DAY if passes == "active" else UsageRule.Period.WEEK
    )
    convention = convention_make(
        partner=partner,
        services=[service],
        reference=f"BENCH-{slug}",
        # Two years around the day of the first seeding, so every situation fits.
        starts_on=today - timedelta(days=400),
        ends_on=today + timedelta(days=400),
        max_active_passes=10_000_000,
        max_pass_days=731,
        rules=[visits, RuleSpec.budget(6000, 2500)],
    )
    user = user_make(
        username=USERNAME,
        password=bench_password(),
        first_name="Bench",
        last_name="Assistant",
        email="bench@example.org",
        roles=[(partner, Role.SOCIAL_WORKER)],
    )
    return BenchWorld(partner, service, convention, user, today, passes)


def counter_setup(service: Organisation) -> None:
    """The volunteer who scans, their device token, and a counter open all day, every day."""
    volunteer = user_make(
        username=VOLUNTEER,
        password=bench_password(),
        first_name="Bench",
        last_name="Bénévole",
        email="benevole@example.org",
        roles=[(service, Role.VOLUNTEER)],
    )
    Token.objects.get_or_create(user=volunteer)
    counter_open_all_day(service)


def passes_refresh(world: BenchWorld) -> int:
    """Keep the convention and every pass of the partner valid today (a later run)."""
    today = world.today
    Convention.objects.filter(
        pk=world.convention.pk, ends_on__lt=today + timedelta(days=300)
    ).update(ends_on=today + timedelta(days=400))
    return (
        AccessPass.objects.filter(partner=world.partner)
        .exclude(status=AccessPass.Status.ACTIVE, valid_from__lte=today, valid_until__gte=today)
        .update(
            status=AccessPass.Status.ACTIVE,
            valid_from=today - timedelta(days=30),
            valid_until=today + timedelta(days=300),
        )
    )


def batch_write(world: BenchWorld, size: int, rng: random.Random, counts: dict[str, int]) -> None:
    """`size` households, their members, passes and cards, in a few bulk inserts."""
    now = timezone.now()
    today = world.today
    households = []
    for _i in range(size):
        female = rng.random() < 0.6
        first_name = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
        last_name = rng.choice(LAST_NAMES)
        postal_code, commune = rng.choice(COMMUNES)
        households.append(
            Household(
                partner_id=world.partner.pk,
                first_name=first_name,
                last_name=last_name,
                first_name_key=NAME_KEYS[first_name],
                last_name_key=NAME_KEYS[last_name],
                birth_year=rng.randint(1935, 2006),
                postal_code=postal_code,
                commune=commune,
                language=rng.choice(LANGUAGES),
                legal_basis=Household.LegalBasis.PUBLIC_TASK,
                legal_basis_recorded_on=today - timedelta(days=rng.randint(0, 700)),
                created_by_id=world.user.pk,
            )
        )
    households = Household.objects.bulk_create(households, batch_size=BATCH)

    members = []
    passes_made: list[AccessPass] = []
    situations, weights = zip(*SITUATIONS, strict=True)
    cum_weights = list(accumulate(weights))
    for household in households:
        # Household of one to four people: the reference person and 0-3 others.
        for _m in range(rng.choices((0, 1, 2, 3), cum_weights=(40, 65, 85, 100))[0]):
            members.append(
                HouseholdMember(
                    household_id=household.pk,
                    age_band=rng.choice(AGE_BANDS),
                    sex=rng.choice("ffmmx" if rng.random() < 0.05 else "fm"),
                )
            )
        if world.passes == "active":
            passes_made.append(pass_for("scan", household, rng, world))
            continue
        situation = rng.choices(situations, cum_weights=cum_weights)[0]
        if situation == "none":
            continue
        if situation == "active" and rng.random() < 0.15:
            # An older pass, expired, before the current one.
            passes_made.append(pass_for("expired", household, rng, world))
        passes_made.append(pass_for(situation, household, rng, world))
    for access_pass in passes_made:
        access_pass.rules = world.rules
        access_pass.convention_version = world.convention.version
        access_pass.issued_by_id = world.user.pk
        access_pass.partner_id = world.partner.pk
    HouseholdMember.objects.bulk_create(members, batch_size=BATCH)
    passes_made = AccessPass.objects.bulk_create(passes_made, batch_size=BATCH)

    through = AccessPass.services.through
    through.objects.bulk_create(
        [through(accesspass_id=p.pk, organisation_id=world.service.pk) for p in passes_made],
        batch_size=BATCH,
    )
    cards = []
    for access_pass in passes_made:
        for version in range(1, access_pass.card_version + 1):
            code = human_code_new()
            while code in world.codes:
                code = human_code_new()
            world.codes.add(code)
            cards.append(
                PassCard(
                    access_pass_id=access_pass.pk,
                    version=version,
                    human_code=code,
                    retired_at=None if version == access_pass.card_version else now,
                )
            )
    PassCard.objects.bulk_create(cards, batch_size=BATCH)
    counts["households"] += len(households)
    counts["members"] += len(members)
    counts["passes"] += len(passes_made)


def pass_for(
    situation: str, household: Household, rng: random.Random, world: BenchWorld
) -> AccessPass:
    """A pass in one situation, its dates drawn around today inside the convention."""
    today, convention = world.today, world.convention
    status: str = AccessPass.Status.ACTIVE
    end_of_month = month_end(today)
    if situation == "scan":
        # Valid today and for months: the scan benchmark accepts every card.
        valid_from = today - timedelta(days=rng.randint(0, 60))
        valid_until = today + timedelta(days=rng.randint(120, 364))
    elif situation == "active":
        # Ends after this month: not "expiring".
        valid_until = end_of_month + timedelta(days=rng.randint(1, 300))
        valid_from = max(
            valid_until - timedelta(days=rng.choice((91, 182, 364))),
            today - timedelta(days=300),
        )
        valid_from = min(valid_from, today)
    elif situation == "expiring":
        valid_until = today + timedelta(days=rng.randint(0, (end_of_month - today).days))
        valid_from = valid_until - timedelta(days=rng.choice((30, 91, 182)))
    elif situation == "not_yet_valid":
        valid_from = today + timedelta(days=rng.randint(1, 20))
        valid_until = valid_from + timedelta(days=182)
    elif situation == "active_past_end":
        valid_until = today - timedelta(days=1)
        valid_from = valid_until - timedelta(days=91)
    elif situation in ("suspended", "revoked"):
        status = situation
        valid_from = today - timedelta(days=rng.randint(10, 150))
        valid_until = valid_from + timedelta(days=182)
    else:  # expired
        status = AccessPass.Status.EXPIRED
        valid_until = today - timedelta(days=rng.randint(2, 300))
        valid_from = valid_until - timedelta(days=rng.choice((30, 91, 182)))
    valid_from = max(valid_from, convention.starts_on)
    valid_until = min(valid_until, convention.ends_on)
    # One pass in twenty had its card replaced once (never for the scan: one card each).
    card_version = 2 if situation != "scan" and rng.random() < 0.05 else 1
    return AccessPass(
        household_id=household.pk,
        convention_id=convention.pk,
        status=status,
        valid_from=valid_from,
        valid_until=valid_until,
        card_version=card_version,
    )
