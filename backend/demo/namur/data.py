"""The demo network: organisations, conventions and logins, from public pages of Namur."""

from dataclasses import dataclass
from datetime import time

from demo.world import RuleSpec
from network.models import Organisation, Role, UsageRule

DEMO_PASSWORD = "comptoir-demo"  # noqa: S105  (printed on the console for the demo only)


@dataclass(frozen=True)
class DemoSession:
    recurrence: str  # RFC 5545, in Brussels time
    starts_at: time
    ends_at: time
    by_appointment: bool = False
    closes_on_public_holidays: bool = True


@dataclass(frozen=True)
class DemoOrganisation:
    slug: str
    name: str
    street: str = ""
    postal_code: str = ""
    city: str = ""
    partner_kind: str = ""
    service_kind: str = ""
    sessions: tuple[DemoSession, ...] = ()

    def fields(self) -> dict[str, str]:
        """The organisation's own fields, for the world-builder."""
        found = {"street": self.street, "postal_code": self.postal_code, "city": self.city}
        if self.partner_kind:
            found["partner_kind"] = self.partner_kind
        if self.service_kind:
            found["service_kind"] = self.service_kind
        return found


NETWORK = DemoOrganisation(
    "reseau-namurois", "Réseau namurois des services collectifs", postal_code="5000", city="Namur"
)

# Collective services from the public pages of Namur's social services, with their sessions.
SERVICES = [
    DemoOrganisation(
        "la-cigogne",
        "La Cigogne – magasin social",
        "Rue Rupplémont 20",
        "5000",
        "Namur",
        service_kind=Organisation.ServiceKind.SHOP,
        sessions=(
            DemoSession("FREQ=WEEKLY;BYDAY=TH", time(14, 0), time(16, 0)),
            # Mondays by appointment: 20-minute slots, two households each.
            DemoSession("FREQ=WEEKLY;BYDAY=MO", time(9, 0), time(12, 0), by_appointment=True),
        ),
    ),
    DemoOrganisation(
        "la-fourmi",
        "La Fourmi – coopérative alimentaire",
        "Rue des Brasseurs 12",
        "5000",
        "Namur",
        service_kind=Organisation.ServiceKind.COOP,
        sessions=(
            DemoSession("FREQ=WEEKLY;BYDAY=TU", time(9, 30), time(12, 30)),
            DemoSession("FREQ=WEEKLY;BYDAY=WE", time(14, 0), time(17, 0)),
            DemoSession("FREQ=WEEKLY;BYDAY=FR", time(9, 30), time(12, 30)),
        ),
    ),
    DemoOrganisation(
        "saint-vincent-jambes",
        "Conférence Saint-Vincent de Paul – colis alimentaires",
        # Jambes-centre distributes "in the room under the chapelle d'Enhaive, on the second
        # and fourth Fridays of the month" (diocese of Namur, 2013; no street number nor
        # hours given: the hours are the demo's own).
        "Local sous la chapelle d'Enhaive",
        "5100",
        "Jambes",
        service_kind=Organisation.ServiceKind.FOOD_AID,
        sessions=(DemoSession("FREQ=MONTHLY;BYDAY=+2FR,+4FR", time(9, 0), time(11, 30)),),
    ),
    DemoOrganisation(
        "les-sauverdias",
        "Les Sauverdias – restaurant social",
        # The CSSN page (seeds) gives meal tickets for « Les Sauverdias » in Jambes; the
        # house moved to rue de Dave 327 in 2014 and serves lunch every day of the year
        # (the hours are the demo's own).
        "Rue de Dave 327",
        "5100",
        "Jambes",
        service_kind=Organisation.ServiceKind.RESTAURANT,
        sessions=(
            DemoSession("FREQ=DAILY", time(11, 30), time(13, 30), closes_on_public_holidays=False),
        ),
    ),
    DemoOrganisation(
        "vestiaire-soeurs-charite",
        "Vestiaire des Sœurs de la Charité",
        # The CSSN sends people there « avec un mot du service social » (seeds): a referral.
        # The congregation's house is rue du Belvédère 75; the session is the demo's own.
        "Rue du Belvédère 75",
        "5000",
        "Namur",
        service_kind=Organisation.ServiceKind.VESTIAIRE,
        sessions=(DemoSession("FREQ=WEEKLY;BYDAY=WE", time(14, 0), time(16, 30)),),
    ),
    DemoOrganisation(
        "article-27-namur",
        "Article 27 Namur – culture",
        # The CSSN is a partner of « Article 27 » (seeds): a ticket at a partner venue for
        # 1,25 €, the rest covered. Uses are recorded at the venues' box offices.
        postal_code="5000",
        city="Namur",
        service_kind=Organisation.ServiceKind.OTHER,
        sessions=(DemoSession("FREQ=WEEKLY;BYDAY=TU,WE,TH,FR,SA", time(13, 0), time(18, 0)),),
    ),
]

# The counter the demo keeps open at any hour, beside its real sessions, so that a
# first visitor can see an accepted scan whatever the moment (see `open_counter`).
OPEN_COUNTER = "la-fourmi"
OPEN_COUNTER_VOLUNTEER = "benevole.fourmi"
OPEN_COUNTER_REAL_SESSIONS = "Tuesdays and Fridays 09:30–12:30, Wednesdays 14:00–17:00"
# The other counters the demo keeps open at any hour, each with its own thing to try:
# a parcel, meals, a referral, a use covered outside food (see `open_counter.try_now`).
ALSO_OPEN_ALL_DAY = (
    "saint-vincent-jambes",
    "les-sauverdias",
    "vestiaire-soeurs-charite",
    "article-27-namur",
)

PARTNERS = [
    DemoOrganisation(
        "cpas-namur",
        "CPAS de Namur",
        "Rue de Dave 165",
        "5100",
        "Jambes",
        partner_kind=Organisation.PartnerKind.CPAS,
    ),
    DemoOrganisation(
        "ml-hainaut-namur",
        "Mutualité Libérale Hainaut-Namur – Service social",
        "Rue Bas de la Place 35",
        "5000",
        "Namur",
        partner_kind=Organisation.PartnerKind.MUTUALITY,
    ),
    DemoOrganisation(
        "one-namur",
        "ONE – Consultations de Namur",
        "Rue de Bruxelles 73",
        "5000",
        "Namur",
        partner_kind=Organisation.PartnerKind.ONE,
    ),
]

# (reference suffix, partner slug, service slugs, active passes at most, longest pass in days)
CONVENTIONS = [
    (
        "CPAS",
        "cpas-namur",
        [
            "la-cigogne",
            "la-fourmi",
            "saint-vincent-jambes",
            "les-sauverdias",
            "vestiaire-soeurs-charite",
            "article-27-namur",
        ],
        120,
        183,
    ),
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
    (OPEN_COUNTER_VOLUNTEER, "Inès", "Moreau", [("la-fourmi", Role.VOLUNTEER)], False),
    ("gerant.fourmi", "Thomas", "Gillet", [("la-fourmi", Role.MANAGER)], False),
    (
        "benevole.saintvincent",
        "Benoît",
        "Lejeune",
        [("saint-vincent-jambes", Role.VOLUNTEER)],
        False,
    ),
    (
        "gerant.saintvincent",
        "Françoise",
        "Wauthier",
        [("saint-vincent-jambes", Role.MANAGER)],
        False,
    ),
    ("benevole.sauverdias", "Patrick", "Delvaux", [("les-sauverdias", Role.VOLUNTEER)], False),
    (
        "benevole.vestiaire",
        "Colette",
        "Hubert",
        [("vestiaire-soeurs-charite", Role.VOLUNTEER)],
        False,
    ),
    ("benevole.article27", "Samir", "Haddad", [("article-27-namur", Role.VOLUNTEER)], False),
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

# What a pass allows at each collective service, per convention (all demo conventions alike).
SHOP_RULES = [RuleSpec.visits(1), RuleSpec.budget(6000, 2500)]
YEAR = UsageRule.Period.YEAR
SERVICE_RULES = {
    "la-cigogne": SHOP_RULES,
    "la-fourmi": SHOP_RULES,
    "saint-vincent-jambes": [RuleSpec.parcels(1)],
    # Three meals a week for each person of the household.
    "les-sauverdias": [RuleSpec.meal_tickets(3)],
    "vestiaire-soeurs-charite": [RuleSpec.visits(1, UsageRule.Period.MONTH)],
    # Twelve Article 27 tickets a year, and at most 75 € covered (25 € more for each
    # other person of the household).
    "article-27-namur": [RuleSpec.uses(12, YEAR), RuleSpec.budget(7500, 2500, YEAR)],
}
# The CSSN page (seeds) tells that a social service may send people to the Conférence
# Saint-Vincent de Paul "avec un document de prise en charge de repas": under the CPAS
# convention those meals are counted as uses, next to the parcels.
EXTRA_RULES = {("CPAS", "saint-vincent-jambes"): [RuleSpec.uses(4)]}
