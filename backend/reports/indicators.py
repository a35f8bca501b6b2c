"""The figures a month holds: their keys, their labels and how to show them.

Each key is stored as `Figure.indicator`; some carry a detail (a refusal reason, an
age band, a week, a voucher kind). Counts are whole numbers of people, passes or
visits, and only counts are hidden under 5 when figures leave the network; amounts
are in cents.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Unit(StrEnum):
    COUNT = "count"
    CENTS = "cents"
    GRAMS = "grams"


@dataclass(frozen=True)
class Indicator:
    key: str
    label: Promise
    unit: Unit = Unit.COUNT
    # A count of people or of what they did: hidden under 5 outside the network.
    identifying: bool = True


PASS_INDICATORS = (
    Indicator("passes_issued", _("Accès délivrés")),
    Indicator("passes_renewed", _("Accès renouvelés")),
    Indicator("passes_active", _("Accès actifs en fin de mois")),
    Indicator("passes_expired", _("Accès expirés")),
    Indicator("passes_suspended", _("Accès suspendus")),
    Indicator("passes_revoked", _("Accès révoqués")),
    # The convention's quota of active passes: a setting, not a count of people.
    Indicator("quota", _("Quota d'accès actifs"), identifying=False),
)

USE_INDICATORS = (
    Indicator("households", _("Ménages servis")),
    Indicator("persons", _("Personnes atteintes")),
    Indicator("visits_accepted", _("Passages acceptés")),
    Indicator("visits_refused", _("Passages refusés")),
    Indicator("sales", _("Ventes")),
    Indicator("sales_market_cents", _("Valeur au prix du marché"), Unit.CENTS, False),
    Indicator("sales_paid_cents", _("Payé par les ménages"), Unit.CENTS, False),
    Indicator("sales_aid_cents", _("Aide apportée"), Unit.CENTS, False),
    Indicator("parcels", _("Colis")),
    Indicator("parcels_market_cents", _("Valeur des colis"), Unit.CENTS, False),
    Indicator("parcels_grams", _("Denrées des colis (kg)"), Unit.GRAMS, False),
    Indicator("meals", _("Repas servis")),
    Indicator("vouchers_used", _("Bons utilisés")),
    Indicator("uses", _("Utilisations")),
    Indicator("uses_amount_cents", _("Montants couverts"), Unit.CENTS, False),
)

# Persons reached, by age band and in the EU food-aid categories (a person counts in
# every category that applies).
PERSON_INDICATORS = (
    Indicator("persons_women", _("dont femmes")),
    Indicator("persons_children", _("dont enfants (15 ans ou moins)")),
    Indicator("persons_seniors", _("dont 65 ans ou plus")),
    Indicator("persons_with_disability", _("dont personnes handicapées")),
    Indicator("persons_foreign_background", _("dont d'origine étrangère")),
    Indicator("persons_homeless", _("dont sans abri")),
)

# Stored with a detail: the age band, the refusal reason, the week's Monday, the kind.
PERSONS_BY_BAND = "persons_band"
REFUSED_BY_REASON = "visits_refused"
ACCEPTED_BY_WEEK = "visits_week"
VOUCHERS_BY_KIND = "vouchers_used"

ALL = {i.key: i for i in PASS_INDICATORS + USE_INDICATORS + PERSON_INDICATORS}
ALL[PERSONS_BY_BAND] = Indicator(PERSONS_BY_BAND, _("Personnes par âge"))
ALL[ACCEPTED_BY_WEEK] = Indicator(ACCEPTED_BY_WEEK, _("Passages acceptés par semaine"))
# The yearly EU food-aid report: food from EU lots among what parcels held.
ALL["eu_grams"] = Indicator(
    "eu_grams", _("dont denrées de l'aide européenne (kg)"), Unit.GRAMS, False
)


def indicator(key: str) -> Indicator:
    return ALL[key]


def reason_labels() -> dict[str, Promise]:
    """A short name for each reason a visit was refused, for tables."""
    return {
        "empty": _("Aucun code lu"),
        "malformed": _("Carte illisible"),
        "other_deployment": _("Carte d'un autre réseau"),
        "unknown_key": _("Clé de signature inconnue"),
        "bad_signature": _("Signature fausse"),
        "code_length": _("Code mal tapé"),
        "code_characters": _("Code mal tapé"),
        "code_typo": _("Code mal tapé"),
        "unknown_code": _("Code inconnu"),
        "unknown_pass": _("Accès inconnu"),
        "replaced": _("Carte remplacée"),
        "revoked": _("Accès révoqué"),
        "suspended": _("Accès suspendu"),
        "expired": _("Accès expiré"),
        "not_yet_valid": _("Accès pas encore valable"),
        "convention_ended": _("Convention terminée"),
        "not_valid_here": _("Pas valable à ce comptoir"),
        "counter_closed": _("Comptoir fermé"),
        "appointment_required": _("Sans rendez-vous"),
        "already_served": _("Déjà servi"),
        "quota_used_up": _("Quota épuisé"),
        "parcel_already_given": _("Colis déjà donné"),
        "no_meals_left": _("Plus de repas"),
        "not_enough_meals": _("Pas assez de repas"),
        "cap_reached": _("Plafond atteint"),
        "amount_above_cap": _("Montant au-delà du plafond"),
        "unknown_voucher": _("Bon inconnu"),
        "voucher_used": _("Bon déjà utilisé"),
        "voucher_revoked": _("Bon annulé"),
        "voucher_expired": _("Bon expiré"),
        "voucher_not_yet_valid": _("Bon pas encore valable"),
        "voucher_other_service": _("Bon pour un autre service"),
        "voucher_one_meal": _("Plusieurs repas sur un ticket"),
        "is_voucher": _("Bon scanné comme une carte"),
    }
