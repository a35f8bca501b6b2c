"""The food-aid point's parcel without the network.

The day's list a tablet keeps (`counter.offline`) carries, for a food-aid point, its
parcel templates (`offline_parcels`), so that offline the volunteer sees what the
household's parcel holds and gives it after an accepted scan. Back online the server
records the distribution at its real moment (`offline_parcels_record`); what it cannot
record (nothing left at all, the scan was a conflict) waits for the manager
(`stock.offline`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db.models import Model
from django.urls import reverse
from django.utils.translation import gettext as _

from comptoir.money import plain
from counter.models import Visit
from foodaid.selectors import parcel_templates
from foodaid.services import distribution_record
from network.models import Organisation, User
from network.rules import RuleSnapshot
from stock.models import OfflineHandout, Product
from stock.offline import (
    HandoutRecorder,
    HandoutResult,
    HandoutSent,
    offline_handout_retry,
    offline_handouts_record,
)


def offline_parcels(
    service: Organisation,
    moment: datetime,
    passes: Mapping[int, tuple[list[RuleSnapshot], int]],
) -> dict[str, Any] | None:
    """For a food-aid point: its parcel templates, by band of persons. None elsewhere."""
    if service.service_kind != Organisation.ServiceKind.FOOD_AID:
        return None
    return {
        "sync_url": reverse("api:foodaid-offline-parcels"),
        "templates": [
            {
                "min": template.min_persons,
                "max": template.max_persons,
                "band": template.band_label(),
                "lines": [
                    {
                        "name": line.product.name,
                        "quantity": str(plain(line.quantity)),
                        # Pieces are counted (« 2 × »), kilos and litres named.
                        "unit": ""
                        if line.product.unit == Product.Unit.PIECE
                        else line.product.get_unit_display(),
                    }
                    for line in template.lines.all()
                ],
            }
            for template in parcel_templates(service)
        ],
    }


def _parcel_recorder(service: Organisation, user: User) -> HandoutRecorder:
    def record(handout: OfflineHandout, visit: Visit, moment: datetime) -> tuple[Model, str]:
        given = distribution_record(actor=user, service=service, visit_id=visit.pk, moment=moment)
        if not given.short_products:
            return given.distribution, ""
        return given.distribution, _(
            "Le stock enregistré ne couvrait pas tout le colis : %(products)s. "
            "Vérifiez l'inventaire."
        ) % {"products": ", ".join(given.short_products)}

    return record


def offline_parcels_record(
    *, service: Organisation, user: User, parcels: list[HandoutSent], now: datetime | None = None
) -> list[HandoutResult]:
    """Record the parcels a tablet gave offline (see `stock.offline`)."""
    return offline_handouts_record(
        service=service,
        user=user,
        kind=OfflineHandout.Kind.PARCEL,
        handouts=parcels,
        record=_parcel_recorder(service, user),
        now=now,
    )


def offline_parcel_retry(*, actor: User, service: Organisation, handout_id: int) -> OfflineHandout:
    """The manager records a pending offline parcel again (see `stock.offline`)."""
    return offline_handout_retry(
        actor=actor,
        service=service,
        handout_id=handout_id,
        kind=OfflineHandout.Kind.PARCEL,
        record=_parcel_recorder(service, actor),
    )
