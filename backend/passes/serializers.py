"""Input and output shapes of the passes API. Input serializers parse; they never save."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.relations import RelatedField

from comptoir.serializers import many_data
from network.access import Perm, organisations_with_perm, scope_q
from network.models import Convention, Organisation, UsageRule, User
from network.rules import RuleSnapshot
from passes.models import (
    AccessPass,
    Assessment,
    AssessmentReason,
    Household,
    HouseholdMember,
    PassEvent,
    Sex,
)
from passes.selectors import HOUSEHOLD_FILTERS, HouseholdRow, pass_current_card, pass_token

# Ids are PostgreSQL bigints; larger numbers are refused before they reach a query.
MAX_ID = 2**63 - 1
# A pass's state on a day (`AccessPass.state_on`); the schema names it apart from a voucher's.
PASS_STATES = [*AccessPass.Status.values, "not_yet_valid"]


def _today(context: Mapping[str, Any]) -> date:
    today: date = context.get("today") or timezone.localdate()
    return today


def _user(context: Mapping[str, Any]) -> User | None:
    """The caller, when the serializer was given the request (not when drawing the schema)."""
    user = getattr(context.get("request"), "user", None)
    # An anonymous caller may see nothing: the querysets keep their empty defaults.
    return user if isinstance(user, User) else None


def _scope(serializer: serializers.Serializer[Any], name: str, queryset: QuerySet[Any]) -> None:
    """Let the relation `name` accept only the objects of `queryset` (the caller's)."""
    field = serializer.fields[name]
    if not isinstance(field, RelatedField):
        raise TypeError(f"{name!r} is a {type(field).__name__}, not a RelatedField")
    # The stubs type `queryset` with Manager, whose descriptor __get__ refuses any assignment.
    field.queryset = queryset  # type: ignore[arg-type]


# --- errors (documentation only) -----------------------------------------------------


class ErrorSerializer(serializers.Serializer[dict[str, Any]]):
    """Every error: a stable code, a sentence in the user's language, and where it applies."""

    code = serializers.CharField()
    detail = serializers.CharField()
    field = serializers.CharField(required=False)
    # DRF's metaclass takes declared fields off the class: no clash with `Serializer.errors`.
    errors = serializers.DictField(  # type: ignore[assignment]
        required=False, help_text="Messages per invalid field."
    )


# --- small shared shapes ------------------------------------------------------------


class OrganisationRefSerializer(serializers.Serializer[Organisation]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ConventionRefSerializer(serializers.Serializer[Convention]):
    id = serializers.IntegerField()
    reference = serializers.CharField()


class PersonRefSerializer(serializers.Serializer[User]):
    username = serializers.CharField()
    full_name = serializers.CharField()

    def to_representation(self, user: User) -> dict[str, Any]:
        return {"username": user.get_username(), "full_name": user.get_full_name()}


class MemberSerializer(serializers.Serializer[HouseholdMember]):
    age_band = serializers.ChoiceField(choices=HouseholdMember.AgeBand.choices)
    sex = serializers.ChoiceField(choices=HouseholdMember.Sex.choices)


# --- households ---------------------------------------------------------------------

NEGATIVE = gettext_lazy("Indiquez un nombre de personnes : 0 ou plus, ou laissez vide.")


def _holder_sex() -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=Sex.choices,
        allow_blank=True,
        required=False,
        help_text="EU food-aid categories (optional, your partner's staff only): the holder's "
        "sex, to count women; empty when not recorded.",
    )


def _food_aid_count(who: str) -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        error_messages={"min_value": NEGATIVE},
        help_text=f"EU food-aid categories (optional, your partner's staff only): how many "
        f"persons of the household, holder included, are {who}; null when not recorded.",
    )


class HouseholdListQuerySerializer(serializers.Serializer[dict[str, Any]]):
    status = serializers.ChoiceField(
        choices=HOUSEHOLD_FILTERS,
        required=False,
        allow_blank=True,
        help_text="active: a pass valid today; expiring: one ending this month; none: no pass.",
    )
    partner = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)


class HouseholdSearchSerializer(HouseholdListQuerySerializer):
    """A search is posted: the names typed must never travel in a URL."""

    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Words starting a first or last name, a file number, or a card's human code.",
    )
    page = serializers.IntegerField(required=False, min_value=1, default=1)


class HouseholdWriteSerializer(serializers.Serializer[dict[str, Any]]):
    """A household's file as a social worker types it. `partner` only on creation."""

    partner = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.none(),
        required=False,
        help_text="Required only when you register households for several partners.",
    )
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    birth_year = serializers.IntegerField(min_value=1900)  # up to this year: see __init__
    postal_code = serializers.CharField(max_length=10)
    commune = serializers.CharField(max_length=100)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, default="fr")
    legal_basis = serializers.ChoiceField(choices=Household.LegalBasis.choices)
    legal_basis_recorded_on = serializers.DateField()
    members = MemberSerializer(many=True, required=False)
    holder_sex = _holder_sex()
    persons_with_disability = _food_aid_count("persons with a disability")
    persons_of_foreign_background = _food_aid_count("migrants, of foreign background or minorities")
    persons_homeless = _food_aid_count("homeless")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        oldest, latest = Household.birth_year_bounds(_today(self.context))
        self.fields["birth_year"] = serializers.IntegerField(min_value=oldest, max_value=latest)
        user = _user(self.context)
        if user is not None and "partner" in self.fields:
            partners = organisations_with_perm(user, Perm.HOUSEHOLD_MANAGE)
            _scope(self, "partner", partners.filter(kind=Organisation.Kind.PARTNER))

    def validate_legal_basis_recorded_on(self, value: date) -> date:
        if value > _today(self.context):
            raise serializers.ValidationError(_("Cette date ne peut pas être dans le futur."))
        return value


class HouseholdUpdateSerializer(HouseholdWriteSerializer):
    """Any subset of the file; `members`, when given, replaces the whole composition."""

    partner = None  # type: ignore[assignment]  # DRF's way to drop an inherited field; no stub


class PassSummarySerializer(serializers.Serializer[AccessPass]):
    id = serializers.IntegerField()
    convention = ConventionRefSerializer()
    status = serializers.ChoiceField(choices=AccessPass.Status.choices)
    state = serializers.SerializerMethodField()
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()
    services = OrganisationRefSerializer(many=True, source="services.all")
    card_version = serializers.IntegerField()

    @extend_schema_field(serializers.ChoiceField(choices=PASS_STATES))
    def get_state(self, access_pass: AccessPass) -> str:
        return str(access_pass.state_on(_today(self.context)))


class CurrentPassSerializer(serializers.Serializer[dict[str, Any]]):
    """The household's latest pass, as the list shows it."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=AccessPass.Status.choices)
    state = serializers.ChoiceField(choices=PASS_STATES)
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()


class HouseholdListItemSerializer(serializers.Serializer[Household]):
    """One row of the list; every value comes from `household_list_for_user`'s annotations."""

    id = serializers.IntegerField()
    partner = OrganisationRefSerializer()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    birth_year = serializers.IntegerField()
    postal_code = serializers.CharField()
    commune = serializers.CharField()
    size = serializers.SerializerMethodField()
    current_pass = serializers.SerializerMethodField()
    anonymised_at = serializers.DateTimeField(
        allow_null=True, help_text="When the household was anonymised (retention), or null."
    )

    def get_size(self, household: HouseholdRow) -> int:
        return 1 + (household.other_members or 0)

    @extend_schema_field(CurrentPassSerializer(allow_null=True))
    def get_current_pass(self, household: HouseholdRow) -> dict[str, Any] | None:
        status, valid_from = household.pass_status, household.pass_valid_from
        valid_until = household.pass_valid_until
        # The row's pass gives all four values, or the household never had a pass.
        if household.pass_id is None or status is None or valid_from is None or valid_until is None:
            return None
        latest = AccessPass(status=status, valid_from=valid_from, valid_until=valid_until)
        return {
            "id": household.pass_id,
            "status": status,
            "state": str(latest.state_on(_today(self.context))),
            "valid_from": valid_from,
            "valid_until": valid_until,
        }


class AssessmentReasonSerializer(serializers.Serializer[AssessmentReason]):
    code = serializers.CharField()
    # DRF's metaclass takes declared fields off the class: no clash with `Field.label`.
    label = serializers.CharField()  # type: ignore[assignment]


class AssessmentSerializer(serializers.Serializer[Assessment]):
    """An assessment without its notes: reading them is a separate, audited request."""

    id = serializers.IntegerField()
    household = serializers.IntegerField(source="household_id")
    assessed_on = serializers.DateField()
    outcome = serializers.ChoiceField(choices=Assessment.Outcome.choices)
    outcome_label = serializers.CharField(source="get_outcome_display")
    reasons = AssessmentReasonSerializer(many=True, source="reasons.all")
    has_notes = serializers.SerializerMethodField()
    author = PersonRefSerializer(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_has_notes(self, assessment: Assessment) -> bool:
        # The list defers the notes and annotates `has_notes`: never load the text here.
        if hasattr(assessment, "has_notes"):
            return bool(assessment.has_notes)
        return bool(assessment.notes)


class HouseholdDetailSerializer(serializers.Serializer[Household]):
    """A household's file; passes, assessments and `has_pass_elsewhere` come from the context."""

    id = serializers.IntegerField()
    partner = OrganisationRefSerializer()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    birth_year = serializers.IntegerField()
    postal_code = serializers.CharField()
    commune = serializers.CharField()
    language = serializers.ChoiceField(choices=settings.LANGUAGES)
    legal_basis = serializers.ChoiceField(choices=Household.LegalBasis.choices)
    legal_basis_recorded_on = serializers.DateField()
    members = MemberSerializer(many=True, source="members.all")
    size = serializers.IntegerField()
    holder_sex = _holder_sex()
    persons_with_disability = _food_aid_count("persons with a disability")
    persons_of_foreign_background = _food_aid_count("migrants, of foreign background or minorities")
    persons_homeless = _food_aid_count("homeless")
    has_pass_elsewhere = serializers.SerializerMethodField(
        help_text="Whether the same person holds a valid pass through another partner."
    )
    passes = serializers.SerializerMethodField()
    assessments = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    anonymised_at = serializers.DateTimeField(
        allow_null=True,
        help_text=(
            "When the household was anonymised (retention): its names read « Anonymisé », "
            "its address and notes are blank, and its file can no longer change. Null before."
        ),
    )

    def get_has_pass_elsewhere(self, household: Household) -> bool:
        return bool(self.context["has_pass_elsewhere"])

    @extend_schema_field(PassSummarySerializer(many=True))
    def get_passes(self, household: Household) -> list[dict[str, Any]]:
        return many_data(PassSummarySerializer, self.context["passes"], context=self.context)

    @extend_schema_field(AssessmentSerializer(many=True))
    def get_assessments(self, household: Household) -> list[dict[str, Any]]:
        return many_data(AssessmentSerializer, self.context["assessments"])


# --- assessments --------------------------------------------------------------------


class AssessmentWriteSerializer(serializers.Serializer[dict[str, Any]]):
    assessed_on = serializers.DateField()
    outcome = serializers.ChoiceField(choices=Assessment.Outcome.choices)
    reasons = serializers.SlugRelatedField(
        many=True,
        slug_field="code",
        queryset=AssessmentReason.objects.filter(is_active=True),
        required=False,
        help_text="Codes from /api/assessment-reasons/.",
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)


class AssessmentNotesSerializer(serializers.Serializer[dict[str, Any]]):
    notes = serializers.CharField(allow_blank=True)


# --- passes -------------------------------------------------------------------------


class PassListQuerySerializer(serializers.Serializer[dict[str, Any]]):
    household = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)


class _PassTermsSerializer(serializers.Serializer[dict[str, Any]]):
    """What a social worker chooses for a pass; conventions scoped to the partners they serve."""

    valid_until = serializers.DateField(required=False)
    services = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(kind=Organisation.Kind.SERVICE),
        many=True,
        required=False,
        help_text="Collective services of the convention; all of them when left out.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = _user(self.context)
        if user is not None:
            partners = organisations_with_perm(user, Perm.PASS_MANAGE)
            _scope(self, "convention", Convention.objects.filter(partner__in=partners))


class PassIssueSerializer(_PassTermsSerializer):
    household = serializers.PrimaryKeyRelatedField(queryset=Household.objects.none())
    convention = serializers.PrimaryKeyRelatedField(queryset=Convention.objects.none())
    valid_from = serializers.DateField(
        required=False, help_text="Today when left out; never in the past."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = _user(self.context)
        if user is not None:
            # Another partner's household reads as unknown, exactly like an id that does not exist.
            households = Household.objects.filter(scope_q(user, Perm.PASS_MANAGE, "partner"))
            _scope(self, "household", households.select_related("partner"))


class PassRenewSerializer(_PassTermsSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)
    convention = serializers.PrimaryKeyRelatedField(
        queryset=Convention.objects.none(),
        required=False,
        help_text="Another convention of the same partner (next year's); the pass's by default.",
    )


class PassReasonSerializer(serializers.Serializer[dict[str, Any]]):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=1000,
        help_text="A few words; it stays in the pass's history.",
    )


class RuleSerializer(serializers.Serializer[dict[str, Any]]):
    service = serializers.IntegerField(source="service_id")
    kind = serializers.ChoiceField(choices=UsageRule.Kind.choices)
    period = serializers.ChoiceField(choices=UsageRule.Period.choices)
    quantity = serializers.IntegerField(allow_null=True)
    budget_base_cents = serializers.IntegerField(allow_null=True)
    budget_per_extra_member_cents = serializers.IntegerField(allow_null=True)
    description = serializers.SerializerMethodField()

    def get_description(self, rule: dict[str, Any]) -> str:
        return RuleSnapshot.from_json(rule).describe()

    def to_representation(self, rule: dict[str, Any]) -> dict[str, Any]:
        # Snapshots written before a field existed simply lack it.
        return super().to_representation({**dict.fromkeys(self.fields), **rule})


class CardLinksSerializer(serializers.Serializer[dict[str, Any]]):
    qr_svg = serializers.URLField()
    qr_png = serializers.URLField()


class PassSerializer(serializers.Serializer[AccessPass]):
    id = serializers.IntegerField()
    household = serializers.IntegerField(source="household_id")
    partner = serializers.IntegerField(source="partner_id")
    convention = ConventionRefSerializer()
    status = serializers.ChoiceField(choices=AccessPass.Status.choices)
    state = serializers.SerializerMethodField()
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()
    services = OrganisationRefSerializer(many=True, source="services.all")
    rules = RuleSerializer(many=True)
    card_version = serializers.IntegerField()
    human_code = serializers.SerializerMethodField(
        help_text="The current card's short code, for typing at a counter or on the phone."
    )
    token = serializers.SerializerMethodField(help_text="What the current card's QR code holds.")
    links = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ChoiceField(choices=PASS_STATES))
    def get_state(self, access_pass: AccessPass) -> str:
        return str(access_pass.state_on(_today(self.context)))

    def get_human_code(self, access_pass: AccessPass) -> str:
        # The list annotates it; a single pass asks for its card.
        code = getattr(access_pass, "current_human_code", None)
        if code is None:
            code = pass_current_card(access_pass=access_pass).human_code
        return code

    def get_token(self, access_pass: AccessPass) -> str:
        return pass_token(access_pass=access_pass)

    @extend_schema_field(CardLinksSerializer)
    def get_links(self, access_pass: AccessPass) -> dict[str, str]:
        request = self.context.get("request")

        def absolute(name: str) -> str:
            url = reverse(name, kwargs={"pk": access_pass.pk})
            return request.build_absolute_uri(url) if request is not None else url

        return {"qr_svg": absolute("api:pass-qr-svg"), "qr_png": absolute("api:pass-qr-png")}


class PassEventSerializer(serializers.Serializer[PassEvent]):
    at = serializers.DateTimeField()
    action = serializers.ChoiceField(choices=PassEvent.Action.choices)
    action_label = serializers.CharField(source="get_action_display")
    actor = PersonRefSerializer(allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    detail = serializers.DictField()


# --- keys ---------------------------------------------------------------------------


class PublicKeySerializer(serializers.Serializer[dict[str, Any]]):
    key_id = serializers.IntegerField()
    algorithm = serializers.ChoiceField(choices=["Ed25519"])
    public_key = serializers.CharField(help_text="The raw 32-byte key, base64url without padding.")
    current = serializers.BooleanField(help_text="Whether new cards are signed with this key.")


class PassKeysSerializer(serializers.Serializer[dict[str, Any]]):
    deployment = serializers.IntegerField()
    token_prefix = serializers.CharField()
    signing_key_id = serializers.IntegerField()
    keys = PublicKeySerializer(many=True)


class HouseholdSearchPageSerializer(serializers.Serializer[dict[str, Any]]):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    results = HouseholdListItemSerializer(many=True)
