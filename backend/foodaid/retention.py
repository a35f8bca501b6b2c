"""What food aid keeps in free text about a household, blanked when it is anonymised."""

from django.db.models import Q

from foodaid.models import Distribution, HandoutLine
from passes.services.retention import ANONYMISED_NAME


def food_aid_anonymise(household_ids: list[int]) -> None:
    """Parcel correction reasons, and what a vestiaire wrote it gave (it may describe)."""
    Distribution.objects.filter(access_pass__household_id__in=household_ids).exclude(
        reason=""
    ).update(reason=ANONYMISED_NAME)
    HandoutLine.objects.filter(
        Q(handout__visit__access_pass__household_id__in=household_ids)
        | Q(handout__visit__voucher__household_id__in=household_ids)
    ).update(text=ANONYMISED_NAME)
