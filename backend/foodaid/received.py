"""What food aid says about a household's visits, for its « ce qu'il a reçu » list
(registered with `counter.actions.visit_detail_register`)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from counter.models import Visit
from counter.verdict import euros_words
from foodaid.models import DistributionLine, HandoutLine


def parcels_said(visits: list[Visit]) -> dict[int, str]:
    """« Colis : 6 articles, 23,75 € » for each visit that received one (corrections
    deducted; a parcel taken back whole says so)."""
    rows = (
        DistributionLine.objects.filter(distribution__visit__in=[v.pk for v in visits])
        .values("distribution__visit_id")
        .annotate(items=Sum("quantity"), value=Sum("market_value"))
    )
    said = {}
    for row in rows:
        items = row["items"] or Decimal(0)
        if items <= 0:
            said[row["distribution__visit_id"]] = _("Colis repris")
            continue
        said[row["distribution__visit_id"]] = _("Colis : %(items)s articles, %(value)s") % {
            "items": f"{items.normalize():f}",
            "value": euros_words(int((row["value"] or Decimal(0)) * 100)),
        }
    return said


def handouts_said(visits: list[Visit]) -> dict[int, str]:
    """« Vestiaire : manteau enfant × 2, bonnet »."""
    lines: dict[int, list[str]] = defaultdict(list)
    for line in HandoutLine.objects.filter(handout__visit__in=[v.pk for v in visits]).values(
        "handout__visit_id", "text", "count"
    ):
        text = line["text"] if line["count"] == 1 else f"{line['text']} × {line['count']}"
        lines[line["handout__visit_id"]].append(text)
    return {
        visit_id: _("Vestiaire : %(items)s") % {"items": ", ".join(items)}
        for visit_id, items in lines.items()
    }
