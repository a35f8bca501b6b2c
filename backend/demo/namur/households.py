"""The demo households: 14 people of three partners, each with the story of its pass."""

from dataclasses import dataclass


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
    # EU food-aid categories the partner recorded (Household.FOOD_AID_FIELDS): optional.
    food_aid: tuple[tuple[str, str | int], ...] = ()


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
        (("3-15", "f"), ("3-15", "m")),
        "active",
        ("low_income", "family_change"),
        "Séparation récente ; revenus d'intégration en cours d'ouverture.",
        days_ago=41,
        food_aid=(("holder_sex", "f"), ("persons_of_foreign_background", 3)),
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
        food_aid=(("holder_sex", "m"),),
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
        food_aid=(("holder_sex", "m"),),
    ),
    DemoHousehold(
        "cpas-namur",
        "Sébastien",
        "Lefèvre",
        1988,
        "5000",
        "Salzinnes",
        "fr",
        (("25-64", "f"), ("0-2", "m"), ("3-15", "f")),
        "expiring",
        ("debt", "low_income"),
        "Plan de règlement collectif de dettes en cours.",
        food_aid=(("holder_sex", "m"), ("persons_with_disability", 1)),
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
        food_aid=(("holder_sex", "f"),),
    ),
    DemoHousehold(
        "cpas-namur",
        "Youssef",
        "Benali",
        1975,
        "5100",
        "Jambes",
        "fr",
        (("25-64", "f"), ("3-15", "m"), ("3-15", "m"), ("16-24", "f")),
        "replaced",
        ("waiting_benefits", "housing"),
        "Allocations familiales en attente ; logement trop petit, demande en cours.",
        days_ago=75,
        food_aid=(("holder_sex", "m"), ("persons_of_foreign_background", 5)),
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
        (("16-24", "m"),),
        "active",
        ("health", "low_income"),
        "Incapacité de travail de longue durée.",
        services=("la-cigogne",),
        food_aid=(("holder_sex", "f"), ("persons_with_disability", 1)),
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
        (("3-15", "f"),),
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
        (("0-2", "f"), ("3-15", "m")),
        "active",
        ("low_income",),
        "Suivi prénatal et petite enfance ; revenus faibles.",
        days_ago=12,
        food_aid=(("holder_sex", "f"), ("persons_of_foreign_background", 3)),
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
        food_aid=(("holder_sex", "f"), ("persons_of_foreign_background", 2)),
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
        food_aid=(("holder_sex", "f"), ("persons_homeless", 0)),
    ),
]

SUSPEND_REASON = "En attente des justificatifs de revenus demandés lors du dernier entretien."
REVOKE_REASON = "A retrouvé un emploi à temps plein ; la personne a prévenu le service."
REPLACE_REASON = "Carte perdue, signalée par la personne."
RENEW_REASON = "Nouvelle convention de l'année ; situation inchangée après entretien."
EXPIRING_WITHIN_DAYS = 10
