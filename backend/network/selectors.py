from datetime import date

from django.db.models import Count, Q, QuerySet

from network.models import Convention, Membership, Organisation


def conventions_for_organisation(*, organisation: Organisation) -> QuerySet[Convention]:
    """Conventions a partner signed, or that open a collective service."""
    return (
        Convention.objects.filter(Q(partner=organisation) | Q(services=organisation))
        .distinct()
        .select_related("partner")
        .prefetch_related("services")
        .order_by("-ends_on")
    )


def conventions_in_force(*, today: date) -> QuerySet[Convention]:
    return (
        Convention.objects.filter(starts_on__lte=today, ends_on__gte=today)
        .select_related("partner")
        .prefetch_related("services")
        .order_by("partner__name", "reference")
    )


def staff_for_organisation(
    *, organisation: Organisation, roles: list[str] | None = None
) -> QuerySet[Membership]:
    memberships = Membership.objects.filter(organisation=organisation, is_active=True)
    if roles:
        memberships = memberships.filter(role__in=roles)
    return memberships.select_related("user").order_by("role", "user__last_name")


def organisations_overview() -> QuerySet[Organisation]:
    """Partners and services with their counts of active staff, for the coordination."""
    return (
        Organisation.objects.exclude(kind=Organisation.Kind.NETWORK)
        .annotate(
            staff_count=Count("memberships", filter=Q(memberships__is_active=True), distinct=True)
        )
        .order_by("kind", "name")
    )
