"""The catalogue: products and their barcodes, and what a household pays at each service.

Prices obey two rules. A household never pays more than the market price, and
where a service has a `PriceBand` (the share of the market price its households
pay, for example 10–30 %), every price there stays within it. EU food aid
(FEAD / ESF+) is given free only: a price above zero on such a lot is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from stdnum import ean
from stdnum.exceptions import ValidationError

from comptoir.errors import ErrorKind
from network.audit import audit_record
from network.models import Organisation, User
from stock.models import Barcode, Lot, PriceBand, Product, ServicePrice
from stock.services.common import QUANTITY_MAX, quantity_format, refuse, require_service_manage

PRICE_MAX = Decimal(10_000)


def barcode_clean(text: str) -> str:
    """The digits of an EAN-8 or EAN-13 barcode (a UPC-A gets its leading zero),
    check digit verified; refuses `barcode_invalid`."""
    digits = "".join(text.split())
    if digits.isdigit() and len(digits) == 12:
        digits = "0" + digits
    try:
        if len(digits) not in (8, 13):
            raise ValidationError
        return str(ean.validate(digits))
    except ValidationError:
        refuse(
            _("« %(code)s » n'est pas un code-barres EAN-8 ou EAN-13 valide.")
            % {"code": digits[:20]},
            code="barcode_invalid",
            field="barcode",
            kind=ErrorKind.INVALID,
        )


def product_by_barcode(text: str) -> Product | None:
    """The product carrying this barcode, or None; refuses a malformed code."""
    code = barcode_clean(text)
    return Product.objects.filter(barcodes__code=code).first()


def product_find(barcode: str | None, product_id: int | None, *, unknown_hint: str = "") -> Product:
    """The product scanned (by barcode) or chosen (by id); refuses `unknown_barcode`, with
    `unknown_hint` after the sentence, or `not_found`."""
    if barcode:
        product = product_by_barcode(barcode)
        if product is None:
            message = _("Code-barres inconnu : %(code)s.") % {"code": barcode.strip()[:20]}
            refuse(
                f"{message} {unknown_hint}".strip(),
                code="unknown_barcode",
                field="barcode",
                kind=ErrorKind.NOT_FOUND,
            )
        return product
    product = Product.objects.filter(pk=product_id).first() if product_id else None
    if product is None:
        refuse(_("Ce produit n'existe pas."), code="not_found", kind=ErrorKind.NOT_FOUND)
    return product


def money_check(amount: Decimal, *, field: str) -> None:
    """An amount of euros is zero or more, in cents, and plausible (`price_invalid`)."""
    if not Decimal(0) <= amount <= PRICE_MAX or amount != amount.quantize(Decimal("0.01")):
        refuse(
            _("Indiquez un montant en euros et centimes, entre 0 et %(max)s €.") % {"max": 10000},
            code="price_invalid",
            field=field,
            kind=ErrorKind.INVALID,
        )


def share_check(
    service: Organisation, market_price: Decimal, price: Decimal, *, field: str = "price"
) -> None:
    """`price` is at most the market price and within the service's band, if it has one."""
    money_check(price, field=field)
    if price > market_price:
        refuse(
            _("Le prix payé (%(price)s €) dépasse le prix du marché (%(market)s €).")
            % {"price": price, "market": market_price},
            code="price_above_market",
            field=field,
            kind=ErrorKind.INVALID,
        )
    band = PriceBand.objects.filter(service=service).first()
    if band is None or market_price == 0:
        return
    share = price * 100 / market_price
    if not band.min_percent <= share <= band.max_percent:
        refuse(
            _(
                "Ce prix fait %(share)s %% du prix du marché ; %(service)s demande entre "
                "%(min)s %% et %(max)s %%."
            )
            % {
                "share": round(share),
                "service": service.name,
                "min": quantity_format(band.min_percent),
                "max": quantity_format(band.max_percent),
            },
            code="price_outside_band",
            field=field,
            kind=ErrorKind.INVALID,
        )


def lot_price_check(
    service: Organisation, origin: str, product: Product, price: Decimal | None
) -> Decimal | None:
    """The price a lot will carry: EU food aid is free (a price above zero refused),
    other lots keep the service's price unless one is given, checked like any price."""
    if origin == Lot.Origin.EU_FOOD_AID:
        if price:
            refuse(
                _(
                    "%(product)s : l'aide alimentaire européenne (FEAD / FSE+) est donnée "
                    "gratuitement ; elle ne peut pas avoir de prix."
                )
                % {"product": product.name},
                code="eu_aid_free_only",
                field="household_price",
                kind=ErrorKind.INVALID,
            )
        return Decimal(0)
    if price is not None:
        share_check(service, product.market_price, price, field="household_price")
    return price


@transaction.atomic
def product_create(
    *,
    actor: User,
    service: Organisation,
    name: str,
    category: str,
    unit: str,
    market_price: Decimal,
    barcodes: Sequence[str] = (),
    minimum_stock: Decimal = Decimal(0),
    price: Decimal | None = None,
    percent: Decimal | None = None,
) -> Product:
    """A new product of the network, with its barcodes (refuses `barcode_taken`), sold at
    `service` when a price or a percentage is given."""
    require_service_manage(actor, service)
    name = " ".join(name.split())
    if not name:
        refuse(
            _("Donnez un nom au produit."),
            code="name_required",
            field="name",
            kind=ErrorKind.INVALID,
        )
    money_check(market_price, field="market_price")
    if not Decimal(0) <= minimum_stock <= QUANTITY_MAX:
        refuse(
            _("Le stock minimum va de zéro à %(max)s.") % {"max": QUANTITY_MAX},
            code="quantity_invalid",
            field="minimum_stock",
            kind=ErrorKind.INVALID,
        )
    product = Product.objects.create(
        name=name[:120],
        category=category,
        unit=unit,
        market_price=market_price,
        minimum_stock=minimum_stock,
    )
    for text in barcodes:
        barcode_add(actor=actor, service=service, product=product, text=text)
    if price is not None or percent is not None:
        service_price_set(
            actor=actor, service=service, product=product, price=price, percent=percent
        )
    audit_record(
        actor=actor, action="product.create", organisation=service, target=product, detail={}
    )
    return product


@transaction.atomic
def barcode_add(*, actor: User, service: Organisation, product: Product, text: str) -> Barcode:
    """Another barcode for `product`; refuses a code another product already carries."""
    require_service_manage(actor, service)
    code = barcode_clean(text)
    other = Barcode.objects.filter(code=code).select_related("product").first()
    if other is not None and other.product_id != product.pk:
        refuse(
            _("Le code-barres %(code)s est déjà celui de « %(product)s ».")
            % {"code": code, "product": other.product.name},
            code="barcode_taken",
            field="barcode",
        )
    try:
        with transaction.atomic():
            barcode, _created = Barcode.objects.get_or_create(code=code, product=product)
    except IntegrityError:  # added by someone else a moment ago
        refuse(
            _("Le code-barres %(code)s vient d'être donné à un autre produit.") % {"code": code},
            code="barcode_taken",
            field="barcode",
        )
    return barcode


@transaction.atomic
def service_price_set(
    *,
    actor: User,
    service: Organisation,
    product: Product,
    price: Decimal | None = None,
    percent: Decimal | None = None,
) -> ServicePrice:
    """Sell `product` at `service`, at a fixed price or a percentage of the market price."""
    require_service_manage(actor, service)
    if (price is None) == (percent is None):
        refuse(
            _("Indiquez soit un prix fixe, soit un pourcentage du prix du marché."),
            code="price_mode",
            field="price",
            kind=ErrorKind.INVALID,
        )
    if percent is not None:
        if not Decimal(0) <= percent <= 100:
            refuse(
                _("Un pourcentage du prix du marché va de 0 à 100."),
                code="percent_invalid",
                field="percent",
                kind=ErrorKind.INVALID,
            )
        mode = ServicePrice.Mode.PERCENT
        share_check(
            service,
            Decimal(100),
            percent.quantize(Decimal("0.01")),
            field="percent",
        )
    else:
        assert price is not None
        mode = ServicePrice.Mode.FIXED
        share_check(service, product.market_price, price)
    offer, _created = ServicePrice.objects.update_or_create(
        service=service,
        product=product,
        defaults={"mode": mode, "price": price, "percent": percent},
    )
    audit_record(
        actor=actor,
        action="price.set",
        organisation=service,
        target=product,
        detail={
            "price": str(price) if price is not None else None,
            "percent": str(percent) if percent is not None else None,
        },
    )
    return offer


@transaction.atomic
def price_band_set(
    *, actor: User, service: Organisation, min_percent: Decimal, max_percent: Decimal
) -> PriceBand:
    """The share of the market price households pay at `service` (prices already set
    outside it stay, and are listed by `prices_outside_band`)."""
    require_service_manage(actor, service)
    if not Decimal(0) <= min_percent <= max_percent <= 100:
        refuse(
            _("La fourchette va de 0 à 100 %, le minimum avant le maximum."),
            code="band_invalid",
            field="min_percent",
            kind=ErrorKind.INVALID,
        )
    band, _created = PriceBand.objects.update_or_create(
        service=service, defaults={"min_percent": min_percent, "max_percent": max_percent}
    )
    audit_record(
        actor=actor,
        action="price_band.set",
        organisation=service,
        detail={"min": str(min_percent), "max": str(max_percent)},
    )
    return band
