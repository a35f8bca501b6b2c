"""Load the demo network: idempotent, so every run of the app may call it."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, time, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from comptoir.errors import DomainError
from network.models import Convention, Organisation, Role, UsageRule, User
from network.services import membership_grant
from passes import services as passes
from passes.models import AccessPass, AssessmentReason, Household, PassEvent
from schedules.models import OpeningRule

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
        "rules": [
            ("FREQ=WEEKLY;BYDAY=TH", time(14, 0), time(16, 0), False),
            # Mondays by appointment: 20-minute slots, two households each.
            ("FREQ=WEEKLY;BYDAY=MO", time(9, 0), time(12, 0), True),
        ],
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

# Who acts for each partner in the demo: its social worker.
PARTNER_ACTORS = {
    "cpas-namur": "assistante.cpas",
    "ml-hainaut-namur": "assistante.mutualite",
    "one-namur": "claire.deuxroles",
}

# What a pass allows at each collective service, per convention (all demo conventions alike):
# (kind, period, quantity, budget base in cents, budget per extra member in cents).
SHOP_RULES = [
    (UsageRule.Kind.VISITS, UsageRule.Period.WEEK, 1, None, None),
    (UsageRule.Kind.BUDGET, UsageRule.Period.MONTH, None, 6000, 2500),
]
SERVICE_RULES = {
    "la-cigogne": SHOP_RULES,
    "la-fourmi": SHOP_RULES,
    "saint-vincent-jambes": [(UsageRule.Kind.PARCELS, UsageRule.Period.FORTNIGHT, 1, None, None)],
}
# The CSSN page (seeds) tells that a social service may send people to the Conférence
# Saint-Vincent de Paul "avec un document de prise en charge de repas": under the CPAS
# convention those meals are counted as uses, next to the parcels.
EXTRA_RULES = {
    ("CPAS", "saint-vincent-jambes"): [
        (UsageRule.Kind.USES, UsageRule.Period.MONTH, 4, None, None)
    ],
}


@dataclass(frozen=True)
class DemoHousehold:
    """One demo household and the story of its pass, told through the services.

    Stories: active, expiring (ends within ten days), expired (this year's
    convention), expired_last_year, renewed (last year's pass renewed under this
    year's convention), suspended, revoked, replaced (card v2), refused and
    referred (an assessment, no pass).
    """

    partner: str
    first_name: str
    last_name: str
    birth_year: int
    postal_code: str
    commune: str
    language: str
    members: tuple[tuple[str, str], ...]
    story: str
    reasons: tuple[str, ...]
    notes: str
    services: tuple[str, ...] = ()  # empty: every service of the convention
    days_ago: int = 30  # when the current pass was issued, if the year allows


HOUSEHOLDS = [
    # CPAS de Namur
    DemoHousehold(
        "cpas-namur",
        "Fatima",
        "El Amrani",
        1984,
        "5000",
        "Namur",
        "fr",
        (("3-14", "f"), ("3-14", "m")),
        "active",
        ("low_income", "family_change"),
        "Séparation récente ; revenus d'intégration en cours d'ouverture.",
        days_ago=41,
    ),
    DemoHousehold(
        "cpas-namur",
        "Jean-Pierre",
        "Lemaire",
        1958,
        "5100",
        "Jambes",
        "fr",
        (),
        "expired_last_year",
        ("low_income", "health"),
        "Pension faible, frais médicaux importants.",
    ),
    DemoHousehold(
        "cpas-namur",
        "Pieter",
        "Janssens",
        1979,
        "5020",
        "Vedrin",
        "nl",
        (("25-64", "f"),),
        "renewed",
        ("job_loss",),
        "Fin de contrat ; allocations de chômage en attente.",
    ),
    DemoHousehold(
        "cpas-namur",
        "Sébastien",
        "Lefèvre",
        1988,
        "5000",
        "Salzinnes",
        "fr",
        (("25-64", "f"), ("0-2", "m"), ("3-14", "f")),
        "expiring",
        ("debt", "low_income"),
        "Plan de règlement collectif de dettes en cours.",
    ),
    DemoHousehold(
        "cpas-namur",
        "Mireille",
        "Gérard",
        1952,
        "5004",
        "Bouge",
        "fr",
        (),
        "suspended",
        ("low_income",),
        "Vit seule ; GRAPA demandée.",
        days_ago=60,
    ),
    DemoHousehold(
        "cpas-namur",
        "Youssef",
        "Benali",
        1975,
        "5100",
        "Jambes",
        "fr",
        (("25-64", "f"), ("3-14", "m"), ("3-14", "m"), ("15-24", "f")),
        "replaced",
        ("waiting_benefits", "housing"),
        "Allocations familiales en attente ; logement trop petit, demande en cours.",
        days_ago=75,
    ),
    DemoHousehold(
        "cpas-namur",
        "Christophe",
        "Henrard",
        1970,
        "5000",
        "Namur",
        "fr",
        (),
        "refused",
        ("other",),
        "Revenus au-dessus du seuil de la convention ; informé des autres aides.",
    ),
    # Mutualité libérale, service social
    DemoHousehold(
        "ml-hainaut-namur",
        "Maria",
        "Costa",
        1969,
        "5002",
        "Saint-Servais",
        "fr",
        (("15-24", "m"),),
        "active",
        ("health", "low_income"),
        "Incapacité de travail de longue durée.",
        services=("la-cigogne",),
        days_ago=20,
    ),
    DemoHousehold(
        "ml-hainaut-namur",
        "Kevin",
        "Dupont",
        1996,
        "5004",
        "Bouge",
        "fr",
        (),
        "revoked",
        ("job_loss",),
        "Perte d'emploi ; pas d'autre revenu.",
        days_ago=50,
    ),
    DemoHousehold(
        "ml-hainaut-namur",
        "Thi Lan",
        "Nguyen",
        1982,
        "5000",
        "Salzinnes",
        "fr",
        (("3-14", "f"),),
        "expired",
        ("family_change",),
        "Famille monoparentale depuis peu.",
    ),
    DemoHousehold(
        "ml-hainaut-namur",
        "Hélène",
        "Marchal",
        1961,
        "5101",
        "Erpent",
        "fr",
        (("65+", "m"),),
        "referred",
        ("debt",),
        "Orientée vers le service de médiation de dettes du CPAS.",
    ),
    # ONE
    DemoHousehold(
        "one-namur",
        "Aïcha",
        "Diallo",
        1991,
        "5000",
        "Namur",
        "fr",
        (("0-2", "f"), ("3-14", "m")),
        "active",
        ("low_income",),
        "Suivi prénatal et petite enfance ; revenus faibles.",
        days_ago=12,
    ),
    DemoHousehold(
        "one-namur",
        "Emily",
        "Walker",
        1993,
        "5000",
        "Namur",
        "en",
        (("0-2", "m"),),
        "expiring",
        ("waiting_benefits",),
        "Allocations de naissance en attente.",
    ),
    DemoHousehold(
        "one-namur",
        "Sarah",
        "Van den Bossche",
        1998,
        "5100",
        "Jambes",
        "fr",
        (("0-2", "f"),),
        "active",
        ("low_income", "housing"),
        "Jeune maman, logement précaire.",
        days_ago=5,
    ),
]

SUSPEND_REASON = "En attente des justificatifs de revenus demandés lors du dernier entretien."
REVOKE_REASON = "A retrouvé un emploi à temps plein ; la personne a prévenu le service."
REPLACE_REASON = "Carte perdue, signalée par la personne."
RENEW_REASON = "Nouvelle convention de l'année ; situation inchangée après entretien."
EXPIRING_WITHIN_DAYS = 10


class Command(BaseCommand):
    help = "Load the demo network (idempotent) and print one login per role."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Do not print the logins.")

    def handle(self, *args, quiet: bool = False, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo data is for development only (COMPTOIR_ENV=production).")
        self.notes: list[str] = []
        with transaction.atomic():
            created = self.load()
        if not quiet:
            self.print_logins(created)
            self.print_summary()

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
                        slot_minutes=20,
                        slot_capacity=2,
                    )
        for spec in PARTNERS:
            partner, new = Organisation.objects.get_or_create(
                slug=spec["slug"], defaults={**spec, "kind": Organisation.Kind.PARTNER}
            )
            orgs[partner.slug] = partner
            created += new

        today = timezone.localdate()
        year = today.year
        conventions: dict[str, Convention] = {}
        for suffix, partner_slug, service_slugs, quota, max_days in CONVENTIONS:
            # This year's conventions, and last year's for the CPAS: its ended passes
            # show an expiry and a renewal under the next year's convention.
            years = (year - 1, year) if suffix == "CPAS" else (year,)
            for convention_year in years:
                convention, new = Convention.objects.get_or_create(
                    reference=f"CONV-{convention_year}-{suffix}",
                    defaults={
                        "partner": orgs[partner_slug],
                        "starts_on": date(convention_year, 1, 1),
                        "ends_on": date(convention_year, 12, 31),
                        "max_active_passes": quota,
                        "max_pass_days": max_days,
                    },
                )
                if new:
                    convention.services.set([orgs[s] for s in service_slugs])
                    created += 1
                created += self.load_rules(convention, suffix, orgs)
                key = partner_slug if convention_year == year else f"{partner_slug}:previous"
                conventions[key] = convention

        users: dict[str, User] = {}
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
            users[username] = user
            for slug, role in roles:
                membership_grant(actor=None, user=user, organisation=orgs[slug], role=role)

        reasons = {reason.code: reason for reason in AssessmentReason.objects.all()}
        for spec in HOUSEHOLDS:
            actor = users[PARTNER_ACTORS[spec.partner]]
            household, new = self.load_household(spec, orgs[spec.partner], actor, today)
            created += new
            if household.assessments.exists():
                continue  # its story was told by an earlier run
            created += self.tell_story(spec, household, actor, conventions, orgs, reasons, today)
        # The nightly job's work: passes whose end has passed are marked expired.
        passes.passes_expire_due(today=today)
        created += self.load_appointments(orgs["la-cigogne"], users)
        return created

    def load_appointments(self, service: Organisation, users: dict[str, User]) -> int:
        """Two households booked into the next appointment session of La Cigogne."""
        from schedules.models import Appointment
        from schedules.selectors import next_opening_sessions
        from schedules.services import appointment_book

        now = timezone.now()
        if Appointment.objects.filter(service=service, starts_at__gt=now).exists():
            return 0
        sessions = next_opening_sessions(service=service, now=now, count=10)
        session = next((s for s in sessions if s.by_appointment and s.starts > now), None)
        if session is None:
            return 0
        actor = users[PARTNER_ACTORS["cpas-namur"]]
        booked = 0
        candidates = AccessPass.objects.filter(
            status=AccessPass.Status.ACTIVE,
            valid_from__lte=session.starts.date(),
            valid_until__gte=session.starts.date(),
            services=service,
            partner__slug="cpas-namur",
        ).select_related("household")
        for access_pass in candidates.order_by("pk")[:2]:
            try:
                appointment_book(
                    user=actor,
                    household=access_pass.household,
                    service=service,
                    starts_at=session.starts,
                )
                booked += 1
            except DomainError as refusal:
                self.notes.append(f"appointment not booked: {refusal.code}")
        return booked

    @staticmethod
    def load_rules(convention: Convention, suffix: str, orgs: dict[str, Organisation]) -> int:
        created = 0
        for service in convention.services.all():
            rules = SERVICE_RULES.get(service.slug, []) + EXTRA_RULES.get(
                (suffix, service.slug), []
            )
            for kind, period, quantity, base, extra in rules:
                _rule, new = UsageRule.objects.get_or_create(
                    convention=convention,
                    service=service,
                    kind=kind,
                    defaults={
                        "period": period,
                        "quantity": quantity,
                        "budget_base_cents": base,
                        "budget_per_extra_member_cents": extra,
                    },
                )
                created += new
        return created

    @staticmethod
    def load_household(
        spec: DemoHousehold, partner: Organisation, actor: User, today: date
    ) -> tuple[Household, bool]:
        # Looked up by the names as written: demo households of earlier versions of this
        # command were created without their name keys, which the update below fills.
        household = Household.objects.filter(
            partner=partner,
            first_name=spec.first_name,
            last_name=spec.last_name,
            birth_year=spec.birth_year,
        ).first()
        if household is not None:
            if not household.last_name_key:
                household = passes.household_update(actor=actor, household=household, fields={})
            return household, False
        # Before the first assessment of the household's story.
        if spec.story in ("expired_last_year", "renewed"):
            registered_on = date(today.year - 1, 8, 25)
        else:
            registered_on = max(date(today.year, 1, 1), today - timedelta(days=130))
            registered_on -= timedelta(days=7)
        legal_basis = (
            Household.LegalBasis.PUBLIC_TASK
            if partner.partner_kind == Organisation.PartnerKind.CPAS
            else Household.LegalBasis.CONSENT
        )
        household = passes.household_register(
            actor=actor,
            partner=partner,
            fields={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "birth_year": spec.birth_year,
                "postal_code": spec.postal_code,
                "commune": spec.commune,
                "language": spec.language,
                "legal_basis": legal_basis,
                "legal_basis_recorded_on": registered_on,
            },
            members=[passes.MemberData(age_band=a, sex=s) for a, s in spec.members],
        )
        return household, True

    def tell_story(
        self,
        spec: DemoHousehold,
        household: Household,
        actor: User,
        conventions: dict[str, Convention],
        orgs: dict[str, Organisation],
        reasons: dict[str, AssessmentReason],
        today: date,
    ) -> int:
        """Record the household's assessment and make its pass go through its story.

        Everything goes through the services, with `today` set in the past where
        the story began earlier. Returns the number of records created.
        """
        convention = conventions[spec.partner]
        start = convention.starts_on
        services = [orgs[slug] for slug in spec.services] or None

        def assess(on: date, outcome: str = "granted") -> None:
            passes.assessment_record(
                actor=actor,
                household=household,
                assessed_on=on,
                outcome=outcome,
                reasons=[reasons[code] for code in spec.reasons if code in reasons],
                notes=spec.notes,
                today=today,
            )

        def issue(on: date, until: date | None = None, under: Convention = convention):
            assess(on - timedelta(days=3))
            return passes.pass_issue(
                actor=actor,
                household=household,
                convention=under,
                valid_from=on,
                valid_until=until,
                services=services,
                today=on,
            )

        story = spec.story
        if story in ("refused", "referred"):
            assess(today - timedelta(days=6), outcome=story)
            return 1
        if story == "expired_last_year":
            previous = conventions[f"{spec.partner}:previous"]
            issue(
                date(previous.starts_on.year, 9, 1), date(previous.starts_on.year, 11, 30), previous
            )
            return 2
        if story == "renewed":
            previous = conventions[f"{spec.partner}:previous"]
            access_pass = issue(date(previous.starts_on.year, 10, 1), under=previous)
            renewed_on = max(start, today - timedelta(days=20))
            assess(renewed_on - timedelta(days=2))
            passes.pass_renew(
                actor=actor,
                access_pass=access_pass,
                reason=RENEW_REASON,
                convention=convention,
                services=services,
                today=renewed_on,
            )
            return 3
        if story == "expired":
            ends = today - timedelta(days=5)
            if ends < start + timedelta(days=4):
                self.notes.append(
                    f"{household.first_name} {household.last_name}: no expired pass this early "
                    f"in the year (the convention began on {start:%d/%m/%Y}); run again later."
                )
                return 0
            issue(max(start, ends - timedelta(days=min(convention.max_pass_days, 90) - 1)), ends)
            return 2
        if story == "expiring":
            ends = min(today + timedelta(days=EXPIRING_WITHIN_DAYS - 2), convention.ends_on)
            begins = max(start, ends - timedelta(days=min(convention.max_pass_days, 90) - 1))
            issue(min(begins, today), ends)
            return 2
        access_pass = issue(max(start, today - timedelta(days=spec.days_ago)))
        if story == "suspended":
            passes.pass_suspend(actor=actor, access_pass=access_pass, reason=SUSPEND_REASON)
        elif story == "revoked":
            passes.pass_revoke(actor=actor, access_pass=access_pass, reason=REVOKE_REASON)
        elif story == "replaced":
            passes.pass_replace(actor=actor, access_pass=access_pass, reason=REPLACE_REASON)
        return 2

    def print_summary(self) -> None:
        out = self.stdout
        today = timezone.localdate()
        partners = Household.objects.values_list("partner__name", flat=True)
        by_partner = Counter(partners)
        out.write("")
        out.write(
            f"Households: {sum(by_partner.values())} ("
            + ", ".join(f"{name} {count}" for name, count in sorted(by_partner.items()))
            + ")"
        )
        states = Counter(p.state_on(today) for p in AccessPass.objects.all())
        soon = AccessPass.objects.filter(
            status=AccessPass.Status.ACTIVE,
            valid_from__lte=today,
            valid_until__gte=today,
            valid_until__lte=today + timedelta(days=EXPIRING_WITHIN_DAYS),
        ).count()
        renewed = (
            PassEvent.objects.filter(action=PassEvent.Action.RENEW)
            .values("access_pass")
            .distinct()
            .count()
        )
        replaced = (
            PassEvent.objects.filter(action=PassEvent.Action.REPLACE)
            .values("access_pass")
            .distinct()
            .count()
        )
        out.write(
            f"Passes: {sum(states.values())}: "
            + ", ".join(
                f"{state.replace('_', ' ')} {count}" for state, count in sorted(states.items())
            )
            + f"; ending within {EXPIRING_WITHIN_DAYS} days {soon}, renewed {renewed}, "
            f"card replaced {replaced}"
        )
        for note in self.notes:
            out.write(self.style.WARNING(f"Note: {note}"))

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
