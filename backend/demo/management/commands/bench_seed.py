"""Seed one partner with many households, for the household list and scan benchmarks.

    manage.py bench_seed --households 100000 --partner-slug bench-cpas
    manage.py bench_seed --households 100000 --partner-slug bench-scan --passes active

Idempotent: the partner, its convention, its collective service and the social
worker `bench.assistant` are created once; households are added only up to the
number asked for, so a second run with the same number adds nothing.

`--passes mixed` (the default, for the household list) gives passes in every
state. `--passes active` (for the counter's scan) gives every household one
active pass valid today with one card, a convention allowing one visit a day
at the service, and sets up the counter: the volunteer `bench.benevole` with a
device token, and a session open every day from 00:00 to 23:59. A later run
moves the passes' dates so that they are still valid on its day.

Rows are written with bulk_create in batches, not through `passes.services`:
the services write one audit entry and one history line per change, which is
what they are for but not what this benchmark measures (reading the list), and
would make seeding 100,000 households take many minutes.
"""

from __future__ import annotations

import os
import random
import time
from datetime import date, timedelta
from datetime import time as dt_time
from itertools import accumulate

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from comptoir.dates import month_end
from network.models import Convention, Organisation, Role, UsageRule, User
from network.services import membership_grant
from passes.models import AccessPass, Household, HouseholdMember, PassCard, name_key
from passes.tokens import human_code_new
from schedules.models import OpeningRule

BATCH = 5000
USERNAME = "bench.assistant"
VOLUNTEER = "bench.benevole"
DEFAULT_PASSWORD = "comptoir-bench"  # noqa: S105  (a throw-away benchmark account)

# fmt: off
FIRST_NAMES_F = (
    "Marie",
    "Anne",
    "Nathalie",
    "Isabelle",
    "Sophie",
    "Véronique",
    "Christine",
    "Martine",
    "Françoise",
    "Sylvie",
    "Catherine",
    "Julie",
    "Sarah",
    "Laura",
    "Léa",
    "Emma",
    "Chloé",
    "Manon",
    "Camille",
    "Élodie",
    "Céline",
    "Aurélie",
    "Mélanie",
    "Hélène",
    "Geneviève",
    "Josée",
    "Mireille",
    "Noémie",
    "Zoé",
    "Inès",
    "Fatima",
    "Aïcha",
    "Khadija",
    "Samira",
    "Yasmina",
    "Nour",
    "Maria",
    "Ana",
    "Agnieszka",
    "Oksana",
    "Thi Lan",
    "Mai",
    "Fatoumata",
    "Aminata",
    "Grace",
    "Emily",
    "Els",
    "An",
    "Annelies",
    "Liesbeth",
    "Sofie",
    "Marie-Claire",
    "Anne-Sophie",
)
FIRST_NAMES_M = (
    "Jean",
    "Michel",
    "Philippe",
    "Pierre",
    "Alain",
    "Marc",
    "Patrick",
    "Daniel",
    "Luc",
    "Christophe",
    "Thierry",
    "Olivier",
    "Didier",
    "Frédéric",
    "Stéphane",
    "Sébastien",
    "Benoît",
    "Jérôme",
    "Cédric",
    "Grégory",
    "Kevin",
    "Dylan",
    "Nathan",
    "Lucas",
    "Théo",
    "Noé",
    "Louis",
    "Hugo",
    "Mathéo",
    "Raphaël",
    "François",
    "José",
    "Youssef",
    "Mohamed",
    "Karim",
    "Mehdi",
    "Ibrahima",
    "Mamadou",
    "Ahmet",
    "Mustafa",
    "Piotr",
    "Andrzej",
    "Bogdan",
    "Dmytro",
    "Minh",
    "Van Thanh",
    "Pieter",
    "Jan",
    "Wim",
    "Joris",
    "Jean-Pierre",
    "Jean-Marc",
    "Jean-Luc",
)
LAST_NAMES = (
    "Lefèvre",
    "Lefebvre",
    "Dubois",
    "Dupont",
    "Lambert",
    "Martin",
    "Dumont",
    "Leclercq",
    "Simon",
    "Laurent",
    "Lejeune",
    "Renard",
    "Lemaire",
    "Collard",
    "Leroy",
    "Jacquet",
    "François",
    "Gérard",
    "Henrard",
    "Marchal",
    "Mathieu",
    "Gilson",
    "Lemoine",
    "Hubert",
    "Denis",
    "Michaux",
    "Thiry",
    "Pirard",
    "Piron",
    "Delvaux",
    "Wauters",
    "Goffin",
    "Thomas",
    "Bodart",
    "Hardy",
    "Lecomte",
    "Baudoin",
    "Defays",
    "Frérotte",
    "Lhoest",
    "Noël",
    "Rémy",
    "Bastin",
    "Hennaux",
    "Mélotte",
    "Dethier",
    "Jadot",
    "Crèvecœur",
    "Dury",
    "Gillet",
    "Van den Berghe",
    "Van den Bossche",
    "Van der Linden",
    "Van Damme",
    "Vandenbroucke",
    "Vanderstraeten",
    "Janssens",
    "Peeters",
    "Maes",
    "Jacobs",
    "Mertens",
    "Willems",
    "Claes",
    "Goossens",
    "Wouters",
    "De Smet",
    "De Backer",
    "De Meyer",
    "D'Hondt",
    "Desmet",
    "Verbruggen",
    "Nguyen",
    "Tran",
    "Pham",
    "Le",
    "El Amrani",
    "Benali",
    "El Idrissi",
    "Bouzid",
    "Haddad",
    "Yilmaz",
    "Kaya",
    "Demir",
    "Diallo",
    "Bah",
    "Traoré",
    "Camara",
    "Koné",
    "Mbuyi",
    "Kabongo",
    "Tshibanda",
    "Nowak",
    "Kowalski",
    "Wiśniewski",
    "Popescu",
    "Ionescu",
    "Costa",
    "Silva",
    "Fernández",
    "García",
    "Rossi",
    "Russo",
    "Kovačević",
    "Shevchenko",
)
COMMUNES = (
    ("5000", "Namur"),
    ("5000", "Salzinnes"),
    ("5000", "Beez"),
    ("5001", "Belgrade"),
    ("5002", "Saint-Servais"),
    ("5003", "Saint-Marc"),
    ("5004", "Bouge"),
    ("5020", "Vedrin"),
    ("5020", "Champion"),
    ("5020", "Temploux"),
    ("5021", "Boninne"),
    ("5022", "Cognelée"),
    ("5024", "Gelbressée"),
    ("5100", "Jambes"),
    ("5100", "Wépion"),
    ("5100", "Dave"),
    ("5101", "Erpent"),
    ("5101", "Lives-sur-Meuse"),
    ("5080", "Rhisnes"),
)
# fmt: on
NAME_KEYS = {name: name_key(name) for name in FIRST_NAMES_F + FIRST_NAMES_M + LAST_NAMES}
LANGUAGES = ("fr",) * 17 + ("nl", "en", "fr")
AGE_BANDS = [c for c, _label in HouseholdMember.AgeBand.choices]
# Weights of the pass situations (see `_pass_for`), out of 100 households.
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


class Command(BaseCommand):
    help = "Seed one partner with many households and passes for the benchmark (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=100_000)
        parser.add_argument("--partner-slug", default="bench-cpas")
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument(
            "--passes",
            choices=("mixed", "active"),
            default="mixed",
            help="mixed: passes in every state (the list); active: one valid pass each (the scan)",
        )

    def handle(self, *args, households: int, partner_slug: str, seed: int, passes: str, **options):
        if households < 0:
            raise CommandError("--households must be zero or more.")
        started = time.perf_counter()
        today = timezone.localdate()
        partner, service, convention, user = self.setup(partner_slug, today, passes)
        if passes == "active":
            self.counter_setup(service)
            self.passes_refresh(partner, convention, today)
        existing = Household.objects.filter(partner=partner).count()
        missing = max(households - existing, 0)
        if not missing:
            self.stdout.write(
                f"{existing} benchmark households already present for {partner.slug}."
            )
            return
        codes = set(PassCard.objects.values_list("human_code", flat=True))
        rules = [rule.as_snapshot() for rule in convention.rules.all()]
        rng = random.Random(f"{seed}:{existing}")  # noqa: S311  (names, not secrets)
        counts = {"households": 0, "members": 0, "passes": 0}
        for first in range(0, missing, BATCH):
            size = min(BATCH, missing - first)
            with transaction.atomic():
                self.batch(
                    size,
                    rng,
                    today,
                    partner,
                    service,
                    convention,
                    user,
                    rules,
                    codes,
                    counts,
                    passes,
                )
            done = first + size
            if done % (BATCH * 4) == 0 or done == missing:
                self.stdout.write(
                    f"  {existing + done} households ({time.perf_counter() - started:.1f} s)"
                )
        if connection.vendor == "postgresql":
            # Vacuumed, with fresh statistics, as autovacuum would leave it a little later:
            # the planner must know the tables hold 100,000 rows, not the handful it saw.
            with connection.cursor() as cursor:
                for model in (Household, HouseholdMember, AccessPass, PassCard):
                    cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
                cursor.execute(f"VACUUM ANALYZE {AccessPass.services.through._meta.db_table}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {counts['households']} households, {counts['members']} other members "
                f"and {counts['passes']} passes for {partner.slug} in "
                f"{time.perf_counter() - started:.1f} s."
            )
        )

    def setup(self, slug: str, today: date, passes: str = "mixed"):
        partner, _new = Organisation.objects.get_or_create(
            slug=slug,
            defaults={
                "kind": Organisation.Kind.PARTNER,
                "partner_kind": Organisation.PartnerKind.CPAS,
                "name": "CPAS de Benchmark",
                "postal_code": "5000",
                "city": "Namur",
            },
        )
        service, _new = Organisation.objects.get_or_create(
            slug=f"{slug}-epicerie",
            defaults={
                "kind": Organisation.Kind.SERVICE,
                "service_kind": Organisation.ServiceKind.SHOP,
                "name": "Épicerie de Benchmark",
                "postal_code": "5000",
                "city": "Namur",
            },
        )
        convention, new = Convention.objects.get_or_create(
            reference=f"BENCH-{slug}",
            defaults={
                "partner": partner,
                # Two years around the day of the first seeding, so every situation fits.
                "starts_on": today - timedelta(days=400),
                "ends_on": today + timedelta(days=400),
                "max_active_passes": 10_000_000,
                "max_pass_days": 800,
            },
        )
        if new:
            convention.services.set([service])
            UsageRule.objects.create(
                convention=convention,
                service=service,
                kind=UsageRule.Kind.VISITS,
                # The scan benchmark accepts each card once a day, then `already_served`.
                period=UsageRule.Period.DAY if passes == "active" else UsageRule.Period.WEEK,
                quantity=1,
            )
            UsageRule.objects.create(
                convention=convention,
                service=service,
                kind=UsageRule.Kind.BUDGET,
                period=UsageRule.Period.MONTH,
                budget_base_cents=6000,
                budget_per_extra_member_cents=2500,
            )
        user, new = User.objects.get_or_create(
            username=USERNAME,
            defaults={
                "first_name": "Bench",
                "last_name": "Assistant",
                "email": "bench@example.org",
            },
        )
        if new:
            user.set_password(os.environ.get("BENCH_PASSWORD", DEFAULT_PASSWORD))
            user.save(update_fields=["password"])
        membership_grant(actor=None, user=user, organisation=partner, role=Role.SOCIAL_WORKER)
        return partner, service, convention, user

    def counter_setup(self, service: Organisation) -> None:
        """The volunteer who scans, their device token, and a counter open all day, every day."""
        volunteer, new = User.objects.get_or_create(
            username=VOLUNTEER,
            defaults={
                "first_name": "Bench",
                "last_name": "Bénévole",
                "email": "benevole@example.org",
            },
        )
        if new:
            volunteer.set_password(os.environ.get("BENCH_PASSWORD", DEFAULT_PASSWORD))
            volunteer.save(update_fields=["password"])
        membership_grant(actor=None, user=volunteer, organisation=service, role=Role.VOLUNTEER)
        Token.objects.get_or_create(user=volunteer)
        OpeningRule.objects.get_or_create(
            service=service,
            recurrence="FREQ=DAILY",
            starts_at=dt_time(0, 0),
            ends_at=dt_time(23, 59),
            defaults={"closes_on_public_holidays": False},
        )

    def passes_refresh(self, partner: Organisation, convention: Convention, today: date) -> None:
        """Keep the convention and every pass of the partner valid on `today` (a later run)."""
        Convention.objects.filter(pk=convention.pk, ends_on__lt=today + timedelta(days=300)).update(
            ends_on=today + timedelta(days=400)
        )
        moved = (
            AccessPass.objects.filter(partner=partner)
            .exclude(status=AccessPass.Status.ACTIVE, valid_from__lte=today, valid_until__gte=today)
            .update(
                status=AccessPass.Status.ACTIVE,
                valid_from=today - timedelta(days=30),
                valid_until=today + timedelta(days=300),
            )
        )
        if moved:
            self.stdout.write(f"  {moved} passes made valid again today")

    def batch(
        self, size, rng, today, partner, service, convention, user, rules, codes, counts, passes
    ):
        now = timezone.now()
        keys = NAME_KEYS
        households = []
        for _i in range(size):
            female = rng.random() < 0.6
            first_name = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
            last_name = rng.choice(LAST_NAMES)
            postal_code, commune = rng.choice(COMMUNES)
            households.append(
                Household(
                    partner_id=partner.pk,
                    first_name=first_name,
                    last_name=last_name,
                    first_name_key=keys[first_name],
                    last_name_key=keys[last_name],
                    birth_year=rng.randint(1935, 2006),
                    postal_code=postal_code,
                    commune=commune,
                    language=rng.choice(LANGUAGES),
                    legal_basis=Household.LegalBasis.PUBLIC_TASK,
                    legal_basis_recorded_on=today - timedelta(days=rng.randint(0, 700)),
                    created_by_id=user.pk,
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
            if passes == "active":
                passes_made.append(self.pass_for("scan", household, rng, today, convention))
                continue
            situation = rng.choices(situations, cum_weights=cum_weights)[0]
            if situation == "none":
                continue
            if situation == "active" and rng.random() < 0.15:
                # An older pass, expired, before the current one.
                passes_made.append(self.pass_for("expired", household, rng, today, convention))
            passes_made.append(self.pass_for(situation, household, rng, today, convention))
        for access_pass in passes_made:
            access_pass.rules = rules
            access_pass.convention_version = convention.version
            access_pass.issued_by_id = user.pk
            access_pass.partner_id = partner.pk
        HouseholdMember.objects.bulk_create(members, batch_size=BATCH)
        passes_made = AccessPass.objects.bulk_create(passes_made, batch_size=BATCH)

        through = AccessPass.services.through
        through.objects.bulk_create(
            [through(accesspass_id=p.pk, organisation_id=service.pk) for p in passes_made],
            batch_size=BATCH,
        )
        cards = []
        for access_pass in passes_made:
            for version in range(1, access_pass.card_version + 1):
                code = human_code_new()
                while code in codes:
                    code = human_code_new()
                codes.add(code)
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

    @staticmethod
    def pass_for(situation, household, rng, today, convention) -> AccessPass:
        """A pass in one situation, its dates drawn around `today` inside the convention."""
        status = AccessPass.Status.ACTIVE
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
