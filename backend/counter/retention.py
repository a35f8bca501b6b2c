"""What the counter keeps in free text about a household, blanked when it is anonymised."""

from django.db.models import Q

from counter.models import Visit
from passes.services.retention import ANONYMISED_NAME


def visits_anonymise(household_ids: list[int]) -> None:
    """Undo reasons, and the description of a voucher copied into a visit's answer."""
    visits = Visit.objects.filter(
        Q(access_pass__household_id__in=household_ids) | Q(voucher__household_id__in=household_ids)
    )
    visits.exclude(undo_reason="").update(undo_reason=ANONYMISED_NAME)
    for visit in visits.filter(answer__voucher__isnull=False).only("pk", "answer"):
        voucher = (visit.answer or {}).get("voucher")
        if voucher and voucher.get("covers"):
            voucher["covers"] = ""
            Visit.objects.filter(pk=visit.pk).update(answer=visit.answer)
