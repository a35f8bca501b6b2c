"""What the shop keeps in free text about a household, blanked when it is anonymised."""

from passes.services.retention import ANONYMISED_NAME
from shop.models import Sale


def sales_anonymise(household_ids: list[int]) -> None:
    """Sale correction reasons (a correction must keep one: a word stands in)."""
    Sale.objects.filter(access_pass__household_id__in=household_ids).exclude(reason="").update(
        reason=ANONYMISED_NAME
    )
