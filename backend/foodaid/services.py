"""What changes state in food aid: parcel templates, distributions and their corrections.

Called by the pages, the API and the tasks alike. Each function owns its
transaction, locks what it contests, takes from the stock through
`stock.services` (first-expired first out, set-based, in the same transaction),
writes the audit trail, and refuses with a `StockRefused` carrying a stable code
and a sentence in the user's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.errors import ErrorKind
from counter.models import Visit
from counter.selectors import household_size_at
from foodaid.models import Distribution, DistributionLine, ParcelTemplate, ParcelTemplateLine
from foodaid.selectors import ParcelPlan, parcel_lots, parcel_plan, template_for
from network.access import Perm, has_perm
from network.audit import audit_record
from network.models import Organisation, User
from passes.selectors import persons_reached
from stock.models import Lot, Product, StockMovement
from stock.services.common import (
    quantity_check,
    reason_clean,
    refuse,
    require_service_manage,
)
from stock.services.ledger import returns_check, takes_return, takes_write
from stock.takes import returns_plan

# A band of persons up to this many is plausible; more is a typing slip.
PERSONS_MAX = 30


def require_food_aid_point(service: Organisation) -> None:
    if service.service_kind != Organisation.ServiceKind.FOOD_AID:
        refuse(
            _("%(service)s n'est pas un point d'aide alimentaire : il n'y donne pas de colis.")
            % {"service": service.name},
            code="not_food_aid_point",
        )


# --- templates --------------------------------------------------------------------------


@transaction.atomic
def parcel_template_set(
    *,
    actor: User,
    service: Organisation,
    min_persons: int,
    max_persons: int | None,
    lines: Mapping[int, Decimal],
    template_id: int | None = None,
) -> ParcelTemplate:
    """Create a template for households of `min_persons` to `max_persons` (None: and
    more), or replace one's band and lines. Refuses `not_allowed`, `not_food_aid_point`,
    `band_invalid`, `band_overlap`, `template_empty`, `quantity_invalid`, `unknown_product`."""
    require_service_manage(actor, service)
    require_food_aid_point(service)
    if not 1 <= min_persons <= PERSONS_MAX or (
        max_persons is not None and not min_persons <= max_persons <= PERSONS_MAX
    ):
        refuse(
            _("Indiquez une taille de ménage de 1 à %(max)d personnes, la plus petite d'abord.")
            % {"max": PERSONS_MAX},
            code="band_invalid",
            field="min_persons",
            kind=ErrorKind.INVALID,
        )
    if not lines:
        refuse(
            _("Un colis sans produit ne donne rien : ajoutez au moins un produit."),
            code="template_empty",
            field="lines",
            kind=ErrorKind.INVALID,
        )
    for quantity in lines.values():
        quantity_check(quantity, field="lines")
    found = set(
        Product.objects.filter(pk__in=list(lines), is_active=True).values_list("pk", flat=True)
    )
    if found != set(lines):
        refuse(
            _("Un produit de ce colis n'est pas au catalogue."),
            code="unknown_product",
            field="lines",
            kind=ErrorKind.INVALID,
        )
    # Templates of a service change one at a time: bands are checked against the others.
    others = ParcelTemplate.objects.select_for_update().filter(service=service)
    if template_id is not None:
        others = others.exclude(pk=template_id)
    high = max_persons if max_persons is not None else PERSONS_MAX + 1
    for other in others.order_by("min_persons"):
        other_high = other.max_persons if other.max_persons is not None else PERSONS_MAX + 1
        if min_persons <= other_high and other.min_persons <= high:
            refuse(
                _("Ces tailles de ménage chevauchent le colis « %(other)s ».")
                % {"other": other.band_label()},
                code="band_overlap",
                field="min_persons",
            )
    if template_id is None:
        template = ParcelTemplate.objects.create(
            service=service, min_persons=min_persons, max_persons=max_persons
        )
    else:
        found_template = (
            ParcelTemplate.objects.select_for_update()
            .filter(pk=template_id, service=service)
            .first()
        )
        if found_template is None:
            refuse(
                _("Ce modèle de colis n'existe pas ici."),
                code="not_found",
                kind=ErrorKind.NOT_FOUND,
            )
        template = found_template
        template.min_persons, template.max_persons = min_persons, max_persons
        template.save()
        template.lines.all().delete()
    ParcelTemplateLine.objects.bulk_create(
        ParcelTemplateLine(template=template, product_id=product_id, quantity=quantity)
        for product_id, quantity in lines.items()
    )
    audit_record(
        actor=actor,
        action="parcel_template.set",
        organisation=service,
        target=template,
        detail={"min": min_persons, "max": max_persons, "lines": len(lines)},
    )
    return template


@transaction.atomic
def parcel_template_delete(*, actor: User, service: Organisation, template_id: int) -> None:
    require_service_manage(actor, service)
    deleted, _rows = ParcelTemplate.objects.filter(pk=template_id, service=service).delete()
    if not deleted:
        refuse(
            _("Ce modèle de colis n'existe pas ici."), code="not_found", kind=ErrorKind.NOT_FOUND
        )
    audit_record(
        actor=actor,
        action="parcel_template.delete",
        organisation=service,
        detail={"template": template_id},
    )


# --- the parcel at the counter ------------------------------------------------------------


def _require_counter(user: User, service: Organisation) -> None:
    if not has_perm(user, Perm.COUNTER_SCAN, service):
        refuse(
            _("Seuls les bénévoles et gestionnaires de ce service peuvent donner un colis ici."),
            code="not_allowed",
            kind=ErrorKind.FORBIDDEN,
        )


def _visit_for_parcel(service: Organisation, visit_id: int, moment: datetime) -> Visit:
    """The accepted, not undone visit of today at `service` (locked)."""
    visit = (
        Visit.objects.select_for_update(of=("self",))
        .filter(pk=visit_id, service=service)
        .select_related("access_pass__household")
        .first()
    )
    if visit is None:
        refuse(_("Ce passage n'existe pas ici."), code="not_found", kind=ErrorKind.NOT_FOUND)
    if not visit.accepted or visit.undone_at is not None or visit.access_pass is None:
        refuse(
            _("Un colis se donne après un passage accepté : scannez à nouveau la carte."),
            code="visit_not_accepted",
        )
    if timezone.localdate(visit.at) != timezone.localdate(moment):
        refuse(
            _("Ce passage n'est pas d'aujourd'hui : scannez à nouveau la carte."),
            code="visit_not_today",
        )
    return visit


def parcel_preview(
    *, service: Organisation, visit: Visit, today: datetime | None = None
) -> ParcelPlan:
    """The parcel this visit's household would receive now (read only, no lock). Refuses
    `not_food_aid_point`, `no_template`."""
    require_food_aid_point(service)
    moment = today or timezone.now()
    template = _template_or_refuse(service, household_size_at(visit))
    return parcel_plan(template, parcel_lots(service, template, timezone.localdate(moment)))


def _template_or_refuse(service: Organisation, persons: int) -> ParcelTemplate:
    template = template_for(service, persons)
    if template is None:
        refuse(
            _(
                "Aucun modèle de colis pour un ménage de %(persons)d personne(s) : "
                "le gestionnaire doit en créer un."
            )
            % {"persons": persons},
            code="no_template",
        )
    return template


@dataclass(frozen=True)
class Given:
    distribution: Distribution
    # True when this visit's parcel had already been given (a repeated request).
    replayed: bool = False
    # The template's products the stock could not cover, even with stand-ins.
    short_products: tuple[str, ...] = ()


@transaction.atomic
def distribution_record(
    *, actor: User, service: Organisation, visit_id: int, moment: datetime | None = None
) -> Given:
    """Give the parcel for the household's size after an accepted scan of today.

    Locks the visit (a second request for it waits, then finds the parcel given and
    gets it back: `replayed`), then the lots that may fill the parcel in one query;
    writes the distribution, its lines, the balances and the movements together.
    Counts the persons reached from the household's record today. Refuses
    `not_allowed`, `not_food_aid_point`, `not_found`, `visit_not_accepted`,
    `visit_not_today`, `no_template`, `out_of_stock` (nothing at all to give).
    """
    moment = moment or timezone.now()
    _require_counter(actor, service)
    require_food_aid_point(service)
    visit = _visit_for_parcel(service, visit_id, moment)
    given = Distribution.objects.filter(visit=visit, corrects__isnull=True).first()
    if given is not None:
        return Given(given, replayed=True)
    template = _template_or_refuse(service, household_size_at(visit))
    today = timezone.localdate(moment)
    parcel = parcel_plan(template, parcel_lots(service, template, today, lock=True))
    if parcel.empty:
        refuse(
            _("Plus rien en stock pour ce colis : prévenez le gestionnaire."),
            code="out_of_stock",
        )
    assert visit.access_pass is not None  # checked by _visit_for_parcel
    persons = persons_reached(visit.access_pass.household, today)
    distribution = Distribution.objects.create(
        service=service,
        access_pass=visit.access_pass,
        visit=visit,
        template=template,
        at=moment,
        given_by=actor,
        market_total=parcel.plan.market_total,
        persons=persons.persons,
        children=persons.children,
        seniors=persons.seniors,
        women=persons.women,
        with_disability=persons.with_disability,
        foreign_background=persons.foreign_background,
        homeless=persons.homeless,
    )
    stands_in = {line.product.pk: line.substitutes for line in parcel.lines if line.substitutes}
    DistributionLine.objects.bulk_create(
        DistributionLine(
            distribution=distribution,
            product_id=take.lot.product_id,
            lot_id=take.lot.pk,
            quantity=take.quantity,
            market_unit_price=take.market_unit_price,
            market_value=take.market_value,
            eu_food_aid=take.lot.origin == Lot.Origin.EU_FOOD_AID,
            substitutes=stands_in.get(take.lot.product_id),
        )
        for take in parcel.plan.takes
    )
    takes_write(
        parcel.plan,
        actor=actor,
        kind=StockMovement.Kind.DISTRIBUTION,
        moment=moment,
        source=distribution,
    )
    audit_record(
        actor=actor,
        action="distribution.record",
        organisation=service,
        target=distribution,
        detail={"lines": len(parcel.plan.takes), "short": len(parcel.short_lines)},
    )
    return Given(
        distribution, short_products=tuple(line.product.name for line in parcel.short_lines)
    )


# --- corrections --------------------------------------------------------------------------


def _left_by_lot(
    distribution: Distribution,
) -> dict[tuple[int, int], tuple[Decimal, Decimal, Decimal]]:
    """(product, lot) → (quantity still given, 0, market unit price), corrections deducted."""
    rows = (
        DistributionLine.objects.filter(
            distribution__in=[
                distribution.pk,
                *distribution.corrections.values_list("pk", flat=True),
            ]
        )
        .values("product_id", "lot_id", "market_unit_price")
        .annotate(quantity=Sum("quantity"))
    )
    left: dict[tuple[int, int], tuple[Decimal, Decimal, Decimal]] = {}
    for row in rows:
        key = (row["product_id"], row["lot_id"])
        quantity = left.get(key, (Decimal(0), Decimal(0), row["market_unit_price"]))[0]
        left[key] = (quantity + row["quantity"], Decimal(0), row["market_unit_price"])
    return left


@transaction.atomic
def distribution_correct(
    *,
    actor: User,
    service: Organisation,
    distribution_id: int,
    reason: str,
    returns: Mapping[int, Decimal] | None = None,
    moment: datetime | None = None,
) -> Distribution:
    """Take back `returns` (product id → quantity) of a parcel of today, or all of what is
    left of it (`returns=None`: the parcel is cancelled), with a reason.

    The correction is a new distribution with negative lines; the quantities go back
    to the lots they left as `correction` movements. By the volunteer who gave the
    parcel or a manager. Refuses `not_found`, `not_allowed`, `reason_required`,
    `correction_too_late`, `already_cancelled`, `return_too_much`."""
    moment = moment or timezone.now()
    distribution = (
        Distribution.objects.select_for_update(of=("self",))
        .filter(pk=distribution_id, service=service, corrects__isnull=True)
        .first()
    )
    if distribution is None:
        refuse(_("Ce colis n'existe pas ici."), code="not_found", kind=ErrorKind.NOT_FOUND)
    if distribution.given_by_id != actor.pk and not has_perm(actor, Perm.SERVICE_MANAGE, service):
        refuse(
            _("Seul le ou la bénévole qui a donné le colis, ou un gestionnaire, peut le corriger."),
            code="not_allowed",
            kind=ErrorKind.FORBIDDEN,
        )
    reason = reason_clean(reason, _("Dites en quelques mots pourquoi le colis est corrigé."))
    if timezone.localdate(distribution.at) != timezone.localdate(moment):
        refuse(
            _("Un colis ne peut être corrigé que le jour même ; parlez-en au gestionnaire."),
            code="correction_too_late",
        )
    left = _left_by_lot(distribution)
    returns = returns_check(
        left,
        returns,
        all_back=_("Ce colis est déjà entièrement repris."),
        too_much=_("%(product)s : le colis n'en compte que %(left)s à reprendre."),
    )
    plan = returns_plan(left, returns)
    correction = Distribution.objects.create(
        service=service,
        access_pass_id=distribution.access_pass_id,
        visit_id=distribution.visit_id,
        template=distribution.template,
        corrects=distribution,
        at=moment,
        given_by=actor,
        market_total=-plan.market_total,
        reason=reason,
    )
    eu_lots = set(
        Lot.objects.filter(
            pk__in=[t.lot.pk for t in plan.takes], origin=Lot.Origin.EU_FOOD_AID
        ).values_list("pk", flat=True)
    )
    DistributionLine.objects.bulk_create(
        DistributionLine(
            distribution=correction,
            product_id=take.lot.product_id,
            lot_id=take.lot.pk,
            quantity=-take.quantity,
            market_unit_price=take.market_unit_price,
            market_value=-take.market_value,
            eu_food_aid=take.lot.pk in eu_lots,
        )
        for take in plan.takes
    )
    takes_return(plan, actor=actor, moment=moment, reason=reason, source=correction)
    audit_record(
        actor=actor,
        action="distribution.correct",
        organisation=service,
        target=distribution,
        detail={"correction": correction.pk},
    )
    return correction


def visit_parcel_refusal(visit: Visit) -> str | None:
    """Why a visit with a parcel may not be undone (the counter asks before undoing): a
    parcel taken back whole no longer stands in the way."""
    held = DistributionLine.objects.filter(distribution__visit=visit).aggregate(
        held=Sum("quantity")
    )["held"]
    if held is not None and held > 0:
        return _("Un colis a été donné sur ce passage : reprenez d'abord le colis.")
    return None
