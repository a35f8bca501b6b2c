from typing import Any

from rest_framework import serializers

from comptoir.serializers import many_data
from network.models import Convention, Membership, NetworkSettings, Organisation, User


class OrganisationSerializer(serializers.ModelSerializer[Organisation]):
    class Meta:
        model = Organisation
        fields = [
            "id",
            "kind",
            "name",
            "slug",
            "partner_kind",
            "service_kind",
            "postal_code",
            "city",
            "country",
            "is_active",
        ]


class MembershipSerializer(serializers.ModelSerializer[Membership]):
    organisation = OrganisationSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "role", "organisation"]


class MeSerializer(serializers.ModelSerializer[User]):
    memberships = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "language", "memberships"]

    def get_memberships(self, user: User) -> list[dict[str, Any]]:
        from network.access import user_memberships

        return many_data(MembershipSerializer, user_memberships(user))


class ConventionSerializer(serializers.ModelSerializer[Convention]):
    partner = serializers.PrimaryKeyRelatedField[Organisation](read_only=True)
    services = serializers.PrimaryKeyRelatedField[Organisation](many=True, read_only=True)

    class Meta:
        model = Convention
        fields = [
            "id",
            "reference",
            "partner",
            "services",
            "starts_on",
            "ends_on",
            "max_active_passes",
            "max_pass_days",
        ]


class TokenRequestSerializer(serializers.Serializer[dict[str, str]]):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer[dict[str, str]]):
    token = serializers.CharField()


class NetworkSettingsSerializer(serializers.Serializer[NetworkSettings]):
    """The network's settings. The bounds are the service's to refuse (a `code`, a
    sentence and the `field`), so the fields here only ask for whole numbers."""

    network = serializers.IntegerField(source="network_id", read_only=True)
    renewal_reminder_days = serializers.IntegerField(
        help_text="Days before a pass ends when its social worker is reminded: 1 to 180."
    )
    retention_months = serializers.IntegerField(
        help_text="Months without a valid pass before a household is anonymised: 6 to 120."
    )
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)
