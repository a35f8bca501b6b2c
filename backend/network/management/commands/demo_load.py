"""Load the demo network: idempotent, so every run of the app may call it."""

from datetime import date, time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from network.models import Convention, Organisation, Role, User
from network.services import membership_grant
from passes.models import Household, HouseholdMember
from shop.models import OpeningRule

DEMO_PASSWORD = "comptoir-demo"  # noqa: S105  (printed on the console for the demo only)

NETWORK = {
    "slug": "reseau-namurois",
    "name": "Réseau namurois des services collectifs",
    "city": "Namur",
    "postal_code": "5000",
}

# Collective services from the public pages of Namur's social services.
SERVICES = [
    {
        "slug": "la-cigogne",
        "name": "La Cigogne – magasin social",
        "service_kind": Organisation.ServiceKind.SHOP,
        "street": "Rue Rupplémont 20",
        "postal_code": "5000",
        "city": "Namur",
        "rules": [("FREQ=WEEKLY;BYDAY=TH", time(14, 0), time(16, 0), False)],
    },
    {
        "slug": "la-fourmi",
        "name": "La Fourmi – coopérative alimentaire",
        "service_kind": Organisation.ServiceKind.COOP,
        "street": "Rue des Brasseurs 12",
        "postal_code": "5000",
        "city": "Namur",
        "rules": [
            ("FREQ=WEEKLY;BYDAY=TU", time(9, 30), time(12, 30), False),
            ("FREQ=WEEKLY;BYDAY=WE", time(14, 0), time(17, 0), False),
            ("FREQ=WEEKLY;BYDAY=FR", time(9, 30), time(12, 30), False),
        ],
    },
    {
        "slug": "saint-vincent-jambes",
        "name": "Conférence Saint-Vincent de Paul – colis alimentaires",
        "service_kind": Organisation.ServiceKind.FOOD_AID,
        "street": "Avenue Jean Materne 120",
        "postal_code": "5100",
        "city": "Jambes",
        # "the 1st and 3rd Tuesdays of the month"
        "rules": [("FREQ=MONTHLY;BYDAY=+1TU,+3TU", time(9, 0), time(11, 30), False)],
    },
]

PARTNERS = [
    {
        "slug": "cpas-namur",
        "name": "CPAS de Namur",
        "partner_kind": Organisation.PartnerKind.CPAS,
        "street": "Rue de Dave 165",
        "postal_code": "5100",
        "city": "Jambes",
    },
    {
        "slug": "ml-hainaut-namur",
        "name": "Mutualité Libérale Hainaut-Namur – Service social",
        "partner_kind": Organisation.PartnerKind.MUTUALITY,
        "street": "Rue Bas de la Place 35",
        "postal_code": "5000",
        "city": "Namur",
    },
    {
        "slug": "one-namur",
        "name": "ONE – Consultations de Namur",
        "partner_kind": Organisation.PartnerKind.ONE,
        "street": "Rue de Bruxelles 73",
        "postal_code": "5000",
        "city": "Namur",
    },
]

# (reference suffix, partner slug, service slugs, active passes at most, longest pass in days)
CONVENTIONS = [
    ("CPAS", "cpas-namur", ["la-cigogne", "la-fourmi", "saint-vincent-jambes"], 120, 183),
    ("MLHN", "ml-hainaut-namur", ["la-cigogne", "la-fourmi"], 40, 183),
    ("ONE", "one-namur", ["la-cigogne", "saint-vincent-jambes"], 30, 92),
]

# (username, first name, last name, [(organisation slug, role)], superuser)
USERS = [
    ("assistante.cpas", "Sophie", "Lambert", [("cpas-namur", Role.SOCIAL_WORKER)], False),
    ("responsable.cpas", "Marc", "Dubois", [("cpas-namur", Role.PARTNER_HEAD)], False),
    ("assistante.mutualite", "Nadia", "Renard", [("ml-hainaut-namur", Role.SOCIAL_WORKER)], False),
    ("benevole.cigogne", "Lucie", "Martin", [("la-cigogne", Role.VOLUNTEER)], False),
    ("gerant.cigogne", "Julien", "Collard", [("la-cigogne", Role.MANAGER)], False),
    ("coordination", "Anne", "Leroy", [("reseau-namurois", Role.COORDINATOR)], False),
    (
        "claire.deuxroles",
        "Claire",
        "Jacquet",
        [("one-namur", Role.SOCIAL_WORKER), ("la-fourmi", Role.VOLUNTEER)],
        False,
    ),
    ("admin", "Admin", "Comptoir", [], True),
]

# (partner slug, first name, last name, birth year, postal code, commune, language, members)
HOUSEHOLDS = [
    (
        "cpas-namur",
        "Fatima",
        "El Amrani",
        1984,
        "5000",
        "Namur",
        "fr",
        [("3-14", "f"), ("3-14", "m")],
    ),
    ("cpas-namur", "Jean-Pierre", "Lemaire", 1958, "5100", "Jambes", "fr", []),
    ("cpas-namur", "Pieter", "Janssens", 1979, "5020", "Vedrin", "nl", [("25-64", "f")]),
    ("ml-hainaut-namur", "Maria", "Costa", 1969, "5002", "Saint-Servais", "fr", [("15-24", "m")]),
    ("ml-hainaut-namur", "Kevin", "Dupont", 1996, "5004", "Bouge", "fr", []),
    ("one-namur", "Aïcha", "Diallo", 1991, "5000", "Namur", "fr", [("0-2", "f"), ("3-14", "m")]),
    ("one-namur", "Emily", "Walker", 1993, "5000", "Namur", "en", [("0-2", "m")]),
]


class Command(BaseCommand):
    help = "Load the demo network (idempotent) and print one login per role."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Do not print the logins.")

    def handle(self, *args, quiet: bool = False, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo data is for development only (COMPTOIR_ENV=production).")
        with transaction.atomic():
            created = self.load()
        if not quiet:
            self.print_logins(created)

    def load(self) -> int:
        created = 0
        orgs: dict[str, Organisation] = {}
        network, new = Organisation.objects.get_or_create(
            slug=NETWORK["slug"], defaults={**NETWORK, "kind": Organisation.Kind.NETWORK}
        )
        orgs[network.slug] = network
        created += new
        for spec in SERVICES:
            fields = {k: v for k, v in spec.items() if k != "rules"}
            service, new = Organisation.objects.get_or_create(
                slug=spec["slug"], defaults={**fields, "kind": Organisation.Kind.SERVICE}
            )
            orgs[service.slug] = service
            created += new
            if new:
                for recurrence, starts_at, ends_at, by_appointment in spec["rules"]:
                    OpeningRule.objects.create(
                        service=service,
                        recurrence=recurrence,
                        starts_at=starts_at,
                        ends_at=ends_at,
                        by_appointment=by_appointment,
                    )
        for spec in PARTNERS:
            partner, new = Organisation.objects.get_or_create(
                slug=spec["slug"], defaults={**spec, "kind": Organisation.Kind.PARTNER}
            )
            orgs[partner.slug] = partner
            created += new

        year = timezone.localdate().year
        for suffix, partner_slug, service_slugs, quota, max_days in CONVENTIONS:
            convention, new = Convention.objects.get_or_create(
                reference=f"CONV-{year}-{suffix}",
                defaults={
                    "partner": orgs[partner_slug],
                    "starts_on": date(year, 1, 1),
                    "ends_on": date(year, 12, 31),
                    "max_active_passes": quota,
                    "max_pass_days": max_days,
                },
            )
            if new:
                convention.services.set([orgs[s] for s in service_slugs])
                created += 1

        for username, first, last, roles, superuser in USERS:
            user, new = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.org",
                    "is_staff": superuser,
                    "is_superuser": superuser,
                },
            )
            if new:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
                created += 1
            for slug, role in roles:
                membership_grant(actor=None, user=user, organisation=orgs[slug], role=role)

        for partner_slug, first, last, birth_year, postal, commune, lang, members in HOUSEHOLDS:
            household, new = Household.objects.get_or_create(
                partner=orgs[partner_slug],
                first_name=first,
                last_name=last,
                birth_year=birth_year,
                defaults={
                    "postal_code": postal,
                    "commune": commune,
                    "language": lang,
                    "legal_basis": Household.LegalBasis.CONSENT,
                    "legal_basis_recorded_on": date(year, 1, 15),
                },
            )
            if new:
                created += 1
                for age_band, sex in members:
                    HouseholdMember.objects.create(household=household, age_band=age_band, sex=sex)
        return created

    def print_logins(self, created: int) -> None:
        out = self.stdout
        if created:
            out.write(self.style.SUCCESS(f"Demo data loaded ({created} new records)."))
        else:
            out.write("Demo data already present.")
        out.write("")
        out.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, first, last, roles, superuser in USERS:
            what = (
                "administrator (Django admin)"
                if superuser
                else ", ".join(
                    f"{Role(role).name.lower().replace('_', ' ')} at {slug}" for slug, role in roles
                )
            )
            out.write(f"  {username:<22} {first} {last}: {what}")
