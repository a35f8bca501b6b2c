"""What the passes app reads: households and passes scoped to the user, and the pass check."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, TypedDict

from django.conf import settings
from django.db.models import Case, Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, When
from django.http import Http404
from django.utils.translation import gettext as _

from comptoir.dates import month_end
from network.access import Perm, organisations_with_perm, scope_q
from network.models import Convention, Organisation, User
from passes.keys import keyring
from passes.models import (
    AccessPass,
    Assessment,
    AssessmentReason,
    Household,
    HouseholdMember,
    PassCard,
    PassEvent,
    Sex,
    Voucher,
    name_key,
)
from passes.tokens import (
    TokenClaims,
    TokenRejected,
    human_code_check,
    looks_like_token,
    token_read,
    token_sign,
)

# --- households ---------------------------------------------------------------------

HOUSEHOLD_FILTERS = ("active", "expiring", "none")


def household_list_for_user(
    *,
    user: User,
    today: date,
    query: str = "",
    status_filter: str = "",
    partner_id: int | None = None,
) -> QuerySet[Household]:
    """Households of the user's partners, searched, filtered and ordered by name.

    Search: each word must start a word of the first or last name (accents and
    case ignored); a number finds a file by its number; a card's human code
    finds its household. Page the ids of this queryset, then fetch what the
    rows show with `household_rows`: the details are computed for one page,
    never for the rows an offset skips.
    """
    households = Household.objects.filter(scope_q(user, Perm.HOUSEHOLD_VIEW, "partner"))
    if partner_id:
        households = households.filter(partner_id=partner_id)
    households = _household_search(households, query)

    open_passes = AccessPass.objects.filter(
        household=OuterRef("pk"), status=AccessPass.Status.ACTIVE, valid_until__gte=today
    )
    if status_filter == "active":
        households = households.filter(Exists(open_passes.filter(valid_from__lte=today)))
    elif status_filter == "expiring":
        households = households.filter(
            Exists(open_passes.filter(valid_until__lte=month_end(today)))
        )
    elif status_filter == "none":
        households = households.exclude(Exists(open_passes))
    return households.order_by("last_name_key", "first_name_key", "id")


class _RowAnnotations(TypedDict):
    pass_id: int | None  # the pass the row shows, if the household ever had one
    pass_status: str | None
    pass_valid_from: date | None
    pass_valid_until: date | None
    other_members: int | None  # None when the household is its holder alone


# A household as one row of the list shows it (see `household_rows`).
if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    HouseholdRow = WithAnnotations[Household, _RowAnnotations]
else:  # WithAnnotations cannot be subscripted at run time before Python 3.12
    HouseholdRow = Household


def household_rows(*, household_ids: list[int]) -> list[HouseholdRow]:
    """One page of the list: each household with the pass its row shows and its size.

    One query whatever the page's length; rows come back in the order of the ids.
    """
    # The pass a row shows: an open one first, then the one that ended last.
    latest_pass = AccessPass.objects.filter(household=OuterRef("pk")).order_by(
        Case(When(status__in=AccessPass.OPEN_STATUSES, then=0), default=1),
        "-valid_until",
        "-id",
    )
    member_count = (
        HouseholdMember.objects.filter(household=OuterRef("pk"))
        .order_by()
        .values("household")
        .annotate(n=Count("id"))
        .values("n")
    )
    rows = (
        Household.objects.filter(pk__in=household_ids)
        .select_related("partner")
        .annotate(
            pass_id=Subquery(latest_pass.values("pk")[:1]),
            pass_status=Subquery(latest_pass.values("status")[:1]),
            pass_valid_from=Subquery(latest_pass.values("valid_from")[:1]),
            pass_valid_until=Subquery(latest_pass.values("valid_until")[:1]),
            other_members=Subquery(member_count),
        )
    )
    by_id = {row.pk: row for row in rows}
    return [by_id[pk] for pk in household_ids if pk in by_id]


def _household_search(households: QuerySet[Household], query: str) -> QuerySet[Household]:
    query = query.strip()[:100]
    if not query:
        return households
    if query.isdigit():
        return households.filter(pk=int(query))
    try:
        code = human_code_check(query)
    except TokenRejected:
        code = None
    if code:
        card = PassCard.objects.filter(human_code=code).values("access_pass__household_id").first()
        if card:
            return households.filter(pk=card["access_pass__household_id"])
    words = name_key(query).split()[:4]
    if not words:
        return households.none()
    # "van den" must find "Van den Berghe": a word may start any word of a name.
    by_name = Q()
    for word in words:
        by_name &= (
            Q(last_name_key__startswith=word)
            | Q(first_name_key__startswith=word)
            | Q(last_name_key__contains=f" {word}")
            | Q(first_name_key__contains=f" {word}")
        )
    return households.filter(by_name)


def household_get_for_user(*, user: User, household_id: int) -> Household:
    """One household of the user's partners, or 404 (never 403: its existence stays hidden)."""
    try:
        return (
            Household.objects.filter(scope_q(user, Perm.HOUSEHOLD_VIEW, "partner"))
            .select_related("partner")
            .prefetch_related("members")
            .get(pk=household_id)
        )
    except (Household.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


class HouseholdDetail(TypedDict):
    assessments: Sequence[Assessment]  # without their notes, each with `has_notes`
    passes: list[AccessPass]


def household_detail(*, household: Household) -> HouseholdDetail:
    """The household page: assessments (notes left out) and passes with their services."""
    assessments = list(
        Assessment.objects.filter(household=household)
        .select_related("author")
        .prefetch_related("reasons")
        .defer("notes")
        .annotate(has_notes=~Q(notes=""))
        .order_by("-assessed_on", "-id")
    )
    passes = list(
        AccessPass.objects.filter(household=household)
        .select_related("convention")
        .prefetch_related(
            Prefetch("services", queryset=Organisation.objects.order_by("name")),
            Prefetch("cards", queryset=PassCard.objects.order_by("-version")),
        )
        .order_by("-valid_until", "-id")
    )
    return {"assessments": assessments, "passes": passes}


# --- EU food-aid categories ---------------------------------------------------------


@dataclass(frozen=True)
class PersonsReached:
    """The persons of a household that a distribution reaches, in the categories EU
    food-aid reporting counts. A person counts in every category that applies.

    `recorded` names the categories whose figure the partner recorded in full: "women"
    when the reference person's sex is recorded (the members' always is), and
    "with_disability", "foreign_background", "homeless" when their count is. The
    figure of a category not recorded is 0; persons, children and seniors are always
    known. Numbers only: the snapshot a distribution stores identifies no one.
    """

    persons: int
    children: int
    seniors: int
    women: int
    with_disability: int = 0
    foreign_background: int = 0
    homeless: int = 0
    recorded: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PersonsReached:
        # Snapshots written before a category existed simply lack it: not recorded.
        return cls(
            persons=int(data["persons"]),
            children=int(data.get("children", 0)),
            seniors=int(data.get("seniors", 0)),
            women=int(data.get("women", 0)),
            with_disability=int(data.get("with_disability", 0)),
            foreign_background=int(data.get("foreign_background", 0)),
            homeless=int(data.get("homeless", 0)),
            recorded=tuple(str(name) for name in data.get("recorded", ())),
        )

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["recorded"] = list(self.recorded)
        return data


def persons_reached(household: Household, on: date) -> PersonsReached:
    """Who a distribution on `on` reaches in this household, from its record at that date.

    One query for the members, none when they were prefetched (`household.members`).
    The reference person's age is the age reached during the year of `on` (the file
    keeps the year of birth only); a member counts by age band (the settings
    FOOD_AID_CHILD_BANDS and FOOD_AID_SENIOR_BANDS).
    """
    members = list(household.members.all())
    holder_age = on.year - household.birth_year
    persons = 1 + len(members)
    children = int(holder_age <= settings.FOOD_AID_CHILD_MAX_AGE) + sum(
        m.age_band in settings.FOOD_AID_CHILD_BANDS for m in members
    )
    seniors = int(holder_age >= settings.FOOD_AID_SENIOR_MIN_AGE) + sum(
        m.age_band in settings.FOOD_AID_SENIOR_BANDS for m in members
    )
    women = int(household.holder_sex == Sex.FEMALE) + sum(m.sex == Sex.FEMALE for m in members)
    recorded = ["women"] if household.holder_sex else []
    counts: dict[str, int] = {}
    for name, count in (
        ("with_disability", household.persons_with_disability),
        ("foreign_background", household.persons_of_foreign_background),
        ("homeless", household.persons_homeless),
    ):
        if count is not None:
            recorded.append(name)
            # The services keep each count within the size; a count read here never
            # exceeds the persons it describes, whatever wrote the row.
            counts[name] = min(count, persons)
    return PersonsReached(
        persons=persons,
        children=children,
        seniors=seniors,
        women=women,
        recorded=tuple(recorded),
        **counts,
    )


def assessment_get_for_user(*, user: User, assessment_id: int) -> Assessment:
    try:
        return (
            Assessment.objects.filter(scope_q(user, Perm.HOUSEHOLD_VIEW, "household__partner"))
            .select_related("household__partner")
            .get(pk=assessment_id)
        )
    except (Assessment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def assessment_reasons_active() -> QuerySet[AssessmentReason]:
    return AssessmentReason.objects.filter(is_active=True)


def pass_get_for_user(*, user: User, pass_id: int) -> AccessPass:
    """One pass of the user's partners, or 404."""
    try:
        return (
            AccessPass.objects.filter(scope_q(user, Perm.HOUSEHOLD_VIEW, "partner"))
            .select_related("household__partner", "convention", "partner")
            .prefetch_related(
                Prefetch("services", queryset=Organisation.objects.order_by("name")),
                "household__members",
            )
            .get(pk=pass_id)
        )
    except (AccessPass.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def pass_events(*, access_pass: AccessPass) -> QuerySet[PassEvent]:
    return PassEvent.objects.filter(access_pass=access_pass).select_related("actor")


def pass_current_card(*, access_pass: AccessPass) -> PassCard:
    return PassCard.objects.get(access_pass=access_pass, version=access_pass.card_version)


def voucher_token(*, voucher: Voucher) -> str:
    """The token a voucher's QR code holds (its id and validity, signed; nothing personal)."""
    ring = keyring()
    return token_sign(
        TokenClaims(
            deployment=ring.deployment,
            key_id=ring.signing_key_id,
            pass_id=voucher.pk,
            card_version=0,
            valid_until=voucher.valid_until,
            voucher=True,
        ),
        ring,
    )


def pass_token(*, access_pass: AccessPass) -> str:
    """The token the current card's QR code holds."""
    ring = keyring()
    return token_sign(
        TokenClaims(
            deployment=ring.deployment,
            key_id=ring.signing_key_id,
            pass_id=access_pass.pk,
            card_version=access_pass.card_version,
            valid_until=access_pass.valid_until,
        ),
        ring,
    )


def conventions_for_issuing(
    *, user: User, partner: Organisation, today: date
) -> QuerySet[Convention]:
    """The partner's conventions in force today, for the issue and renew forms."""
    allowed = organisations_with_perm(user, Perm.PASS_MANAGE)
    return (
        Convention.objects.filter(
            partner=partner, partner__in=allowed, starts_on__lte=today, ends_on__gte=today
        )
        .prefetch_related(Prefetch("services", queryset=Organisation.objects.order_by("name")))
        .order_by("-ends_on")
    )


# --- the pass check -----------------------------------------------------------------


def refusal_messages() -> dict[str, str]:
    """One plain sentence per reason a card is not accepted, in the active language."""
    return {
        "empty": _("Aucun code lu : scannez la carte ou tapez son code."),
        "malformed": _("Ce n'est pas un code Comptoir : la carte est illisible ou falsifiée."),
        "other_deployment": _("Cette carte vient d'un autre réseau Comptoir."),
        "unknown_key": _("Cette carte est signée par une clé inconnue : elle est refusée."),
        "bad_signature": _("La signature de cette carte est fausse : elle est refusée."),
        "code_length": _("Un code de carte a 9 caractères : vérifiez la saisie."),
        "code_characters": _(
            "Ce code contient des caractères qui n'existent pas dans les codes (0, O, 1, I)."
        ),
        "code_typo": _(
            "Ce code contient une faute de frappe : relisez-le caractère par caractère."
        ),
        "unknown_code": _("Aucune carte ne porte ce code."),
        "unknown_pass": _("Cette carte ne correspond à aucun accès-pass."),
        "replaced": _("Cette carte a été remplacée par une carte plus récente."),
        "revoked": _("Cet accès-pass a été révoqué."),
        "suspended": _("Cet accès-pass est suspendu."),
        "expired": _("Cet accès-pass a expiré."),
        "not_yet_valid": _("Cet accès-pass n'est pas encore valable."),
        "convention_ended": _("La convention de cet accès-pass a pris fin."),
        "unknown_voucher": _("Ce bon n'existe pas."),
        "voucher_used": _("Ce bon a déjà été utilisé."),
        "voucher_revoked": _("Ce bon a été annulé par le service social."),
        "voucher_expired": _("Ce bon a expiré."),
        "voucher_not_yet_valid": _("Ce bon n'est pas encore valable."),
        "voucher_other_service": _("Ce bon est pour un autre service."),
        "is_voucher": _("C'est un bon, pas une carte : il se scanne au comptoir de son service."),
    }


# Longer than any token or code: the rest of a hostile paste is never read.
CARD_TEXT_MAX = 400


@dataclass(frozen=True)
class CardRead:
    """What a card's text names: a pass and a card version, a voucher, or the reason it
    names none."""

    pass_id: int | None = None
    card_version: int | None = None
    refusal: str = ""
    voucher_id: int | None = None


def card_read(text: str) -> CardRead:
    """The one decoder of a card: a QR token (no query) or a typed short code (one query).

    Never raises for bad input: an unreadable, forged or unknown card is a `CardRead`
    with a refusal code (`empty`, `malformed`, `other_deployment`, `unknown_key`,
    `bad_signature`, `code_length`, `code_characters`, `code_typo`, `unknown_code`).
    """
    text = (text or "")[:CARD_TEXT_MAX]
    if not text.strip():
        return CardRead(refusal="empty")
    try:
        if looks_like_token(text):
            claims = token_read(text, keyring())
            if claims.voucher:
                return CardRead(voucher_id=claims.pass_id)
            return CardRead(claims.pass_id, claims.card_version)
        code = human_code_check(text)
    except TokenRejected as rejected:
        return CardRead(refusal=rejected.code)
    card = PassCard.objects.filter(human_code=code).values_list("access_pass_id", "version").first()
    if card is None:
        # Not a card's code: a voucher's, typed from its paper or a phone (one more query).
        voucher_id = Voucher.objects.filter(human_code=code).values_list("pk", flat=True).first()
        if voucher_id is not None:
            return CardRead(voucher_id=voucher_id)
        return CardRead(refusal="unknown_code")
    return CardRead(card[0], card[1])


@dataclass(frozen=True)
class PassCheck:
    """The answer to « is this card good today? », before any counter rule."""

    code: str
    access_pass: AccessPass | None = None
    card_version: int | None = None

    @property
    def ok(self) -> bool:
        return self.code == "ok"

    @property
    def message(self) -> str:
        return "" if self.ok else refusal_messages()[self.code]


def pass_check(text: str, *, today: date) -> PassCheck:
    """Token or human code → the pass it names and whether it is good on `today`.

    The card is decoded by `card_read`, the pass judged by `AccessPass.card_refusal`:
    the same two steps as the counter's scan, without a counter's rules.
    """
    card = card_read(text)
    if card.voucher_id is not None:
        return PassCheck("is_voucher")
    if card.pass_id is None or card.card_version is None:
        return PassCheck(card.refusal)
    access_pass = (
        AccessPass.objects.select_related("household", "convention").filter(pk=card.pass_id).first()
    )
    if access_pass is None:
        return PassCheck("unknown_pass")
    refusal = access_pass.card_refusal(card.card_version, today)
    return PassCheck(refusal or "ok", access_pass, card_version=card.card_version)


def renewals_due_for_user(
    *, user: User, partner: Organisation, today: date, days: int
) -> QuerySet[AccessPass]:
    """The active passes `user` issued for `partner` that end within `days` days, soonest
    first: what their renewal reminder lists, whether it was sent yet or not."""
    return (
        AccessPass.objects.filter(scope_q(user, Perm.HOUSEHOLD_VIEW, "partner"))
        .filter(
            partner=partner,
            issued_by=user,
            status=AccessPass.Status.ACTIVE,
            valid_until__gte=today,
            valid_until__lte=today + timedelta(days=days),
            household__anonymised_at__isnull=True,
        )
        .select_related("household")
        .order_by("valid_until", "household__last_name_key", "household__first_name_key", "pk")
    )


def pass_list_for_user(*, user: User, household_id: int | None = None) -> QuerySet[AccessPass]:
    """Passes of the user's partners with what a list shows (its current card's code)."""
    current_code = PassCard.objects.filter(
        access_pass=OuterRef("pk"), version=OuterRef("card_version")
    ).values("human_code")[:1]
    passes = AccessPass.objects.filter(scope_q(user, Perm.HOUSEHOLD_VIEW, "partner"))
    if household_id:
        passes = passes.filter(household_id=household_id)
    return (
        passes.select_related("convention")
        .prefetch_related(Prefetch("services", queryset=Organisation.objects.order_by("name")))
        .annotate(current_human_code=Subquery(current_code))
        .order_by("-valid_until", "-id")
    )
