"""The shop's API for managers: catalogue and prices, receipts, counts, lots, alerts.

The same services as the manager's pages. `service` names the collective service
(optional when the caller manages one only); another service answers 404.
"""

from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from comptoir.serializers import many_data
from counter.api import counter_of_caller, managed_service, service_param
from network.api import UserLanguageApiView
from network.api_policy import api_user
from network.models import Organisation
from stock.models import InventoryCount, Lot, Product, StockReceipt
from stock.offline import HandoutSent
from stock.selectors import product_lots, stock_alerts, stock_products
from stock.serializers import (
    AlertsSerializer,
    BarcodeAddSerializer,
    CountRecordSerializer,
    CountSerializer,
    LossSerializer,
    LotSerializer,
    OfflineHandoutResultSerializer,
    OfflineHandoutsSyncSerializer,
    PriceSetSerializer,
    ProductCreateSerializer,
    ReceiptLineAddSerializer,
    ReceiptSerializer,
    ReceiptStartSerializer,
    StockRowSerializer,
    TransferSerializer,
    alerts_data,
    count_data,
    lot_data,
    receipt_data,
    stock_row_data,
)
from stock.services import (
    barcode_add,
    inventory_close,
    inventory_record,
    inventory_start,
    product_create,
    receipt_line_add,
    receipt_post,
    receipt_start,
    service_price_set,
    stock_lose,
    stock_transfer,
)

SERVICE = OpenApiParameter("service", int, required=False, description="The managed service.")


def _row(service: Organisation, product: Product) -> dict[str, Any]:
    """One product as the catalogue lists it at `service`."""
    row = stock_products(service, timezone.localdate(), product_id=product.pk)[0]
    data: dict[str, Any] = StockRowSerializer(stock_row_data(row)).data
    return data


class CatalogueApi(UserLanguageApiView):
    """The catalogue with each product's stock in date and price at the service; create one."""

    @extend_schema(
        parameters=[
            SERVICE,
            OpenApiParameter("q", str, required=False, description="Name or barcode."),
            OpenApiParameter("category", str, required=False),
        ],
        responses=StockRowSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        service = managed_service(api_user(request), service_param(request))
        rows = stock_products(
            service,
            timezone.localdate(),
            query=request.query_params.get("q", "")[:60],
            category=request.query_params.get("category", ""),
        )
        return Response(many_data(StockRowSerializer, [stock_row_data(r) for r in rows]))

    @extend_schema(
        parameters=[SERVICE], request=ProductCreateSerializer, responses={201: StockRowSerializer}
    )
    def post(self, request: Request) -> Response:
        user = api_user(request)
        service = managed_service(user, service_param(request))
        body = ProductCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        product = product_create(actor=user, service=service, **body.validated_data)
        rows = stock_products(service, timezone.localdate(), query=product.name)
        row = next(r for r in rows if r.product.pk == product.pk)
        return Response(
            StockRowSerializer(stock_row_data(row)).data, status=status.HTTP_201_CREATED
        )


def _product(pk: int) -> Product:
    product = Product.objects.filter(pk=pk).first()
    if product is None:
        raise exceptions.NotFound()
    return product


class ProductLotsApi(UserLanguageApiView):
    """A product's lots at the service that still hold something, first out first."""

    @extend_schema(parameters=[SERVICE], responses=LotSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        service = managed_service(api_user(request), service_param(request))
        lots = product_lots(service, _product(pk))
        return Response(many_data(LotSerializer, [lot_data(lot) for lot in lots]))


class ProductPriceApi(UserLanguageApiView):
    """Sell a product here at a fixed price or a share of its market price."""

    @extend_schema(parameters=[SERVICE], request=PriceSetSerializer, responses=StockRowSerializer)
    def post(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        service = managed_service(user, service_param(request))
        body = PriceSetSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        product = _product(pk)
        service_price_set(actor=user, service=service, product=product, **body.validated_data)
        return Response(_row(service, product))


class ProductBarcodeApi(UserLanguageApiView):
    """Another barcode for a product."""

    @extend_schema(parameters=[SERVICE], request=BarcodeAddSerializer, responses=StockRowSerializer)
    def post(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        service = managed_service(user, service_param(request))
        body = BarcodeAddSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        product = _product(pk)
        barcode_add(
            actor=user, service=service, product=product, text=body.validated_data["barcode"]
        )
        return Response(_row(service, product))


def _receipt(service: Organisation, pk: int) -> StockReceipt:
    receipt = StockReceipt.objects.filter(pk=pk, service=service).first()
    if receipt is None:
        raise exceptions.NotFound()
    return receipt


class ReceiptStartApi(UserLanguageApiView):
    """Start a receipt (a delivery entered line by line)."""

    @extend_schema(
        parameters=[SERVICE], request=ReceiptStartSerializer, responses={201: ReceiptSerializer}
    )
    def post(self, request: Request) -> Response:
        user = api_user(request)
        service = managed_service(user, service_param(request))
        body = ReceiptStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        receipt = receipt_start(actor=user, service=service, **body.validated_data)
        return Response(
            ReceiptSerializer(receipt_data(receipt)).data, status=status.HTTP_201_CREATED
        )


class ReceiptDetailApi(UserLanguageApiView):
    @extend_schema(parameters=[SERVICE], responses=ReceiptSerializer)
    def get(self, request: Request, pk: int) -> Response:
        service = managed_service(api_user(request), service_param(request))
        return Response(ReceiptSerializer(receipt_data(_receipt(service, pk))).data)


class ReceiptLineApi(UserLanguageApiView):
    """One more line, checked as it comes (the same product, date and price add up)."""

    @extend_schema(
        parameters=[SERVICE], request=ReceiptLineAddSerializer, responses=ReceiptSerializer
    )
    def post(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        service = managed_service(user, service_param(request))
        body = ReceiptLineAddSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        receipt_line_add(
            actor=user,
            service=service,
            receipt_id=_receipt(service, pk).pk,
            quantity=data["quantity"],
            barcode=data.get("barcode") or None,
            product_id=data.get("product"),
            best_before=data.get("best_before"),
            household_price=data.get("household_price"),
        )
        return Response(ReceiptSerializer(receipt_data(_receipt(service, pk))).data)


class ReceiptPostApi(UserLanguageApiView):
    """Put a receipt into stock, once (a second call answers the same)."""

    @extend_schema(parameters=[SERVICE], request=None, responses=ReceiptSerializer)
    def post(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        service = managed_service(user, service_param(request))
        receipt = receipt_post(actor=user, service=service, receipt_id=_receipt(service, pk).pk)
        return Response(ReceiptSerializer(receipt_data(receipt)).data)


def _count(service: Organisation, pk: int) -> InventoryCount:
    count = InventoryCount.objects.filter(pk=pk, service=service).first()
    if count is None:
        raise exceptions.NotFound()
    return count


class CountStartApi(UserLanguageApiView):
    """Start an inventory count (or find the one open)."""

    @extend_schema(parameters=[SERVICE], request=None, responses={201: CountSerializer})
    def post(self, request: Request) -> Response:
        user = api_user(request)
        count = inventory_start(actor=user, service=managed_service(user, service_param(request)))
        return Response(CountSerializer(count_data(count)).data, status=status.HTTP_201_CREATED)


class CountDetailApi(UserLanguageApiView):
    @extend_schema(parameters=[SERVICE], responses=CountSerializer)
    def get(self, request: Request, pk: int) -> Response:
        service = managed_service(api_user(request), service_param(request))
        return Response(CountSerializer(count_data(_count(service, pk))).data)


class CountRecordApi(UserLanguageApiView):
    """A scan adds one to a product's count; `counted` sets it."""

    @extend_schema(parameters=[SERVICE], request=CountRecordSerializer, responses=CountSerializer)
    def post(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        service = managed_service(user, service_param(request))
        body = CountRecordSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        inventory_record(
            actor=user,
            service=service,
            count_id=_count(service, pk).pk,
            barcode=data.get("barcode") or None,
            product_id=data.get("product"),
            counted=data.get("counted"),
        )
        return Response(CountSerializer(count_data(_count(service, pk))).data)


class CountCloseApi(UserLanguageApiView):
    """Close a count: its differences become adjustment movements."""

    @extend_schema(parameters=[SERVICE], request=None, responses=CountSerializer)
    def post(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        service = managed_service(user, service_param(request))
        count = inventory_close(actor=user, service=service, count_id=_count(service, pk).pk)
        return Response(CountSerializer(count_data(count)).data)


def _lot(service: Organisation, pk: int) -> Lot:
    lot = Lot.objects.filter(pk=pk, service=service).select_related("service").first()
    if lot is None:
        raise exceptions.NotFound()
    return lot


class LotLossApi(UserLanguageApiView):
    """Broken, stolen or thrown away: taken off a lot with a reason."""

    @extend_schema(parameters=[SERVICE], request=LossSerializer, responses=LotSerializer)
    def post(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        service = managed_service(user, service_param(request))
        body = LossSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lot = _lot(service, pk)
        stock_lose(actor=user, lot=lot, **body.validated_data)
        lot.refresh_from_db()
        return Response(LotSerializer(lot_data(lot)).data)


class LotTransferApi(UserLanguageApiView):
    """Part of a lot sent to another service: the new lot there."""

    @extend_schema(parameters=[SERVICE], request=TransferSerializer, responses={201: LotSerializer})
    def post(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        service = managed_service(user, service_param(request))
        body = TransferSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        to_service = Organisation.objects.filter(pk=body.validated_data["to_service"]).first()
        if to_service is None:
            raise exceptions.ValidationError({"to_service": [_("Ce service n'existe pas.")]})
        arrived = stock_transfer(
            actor=user,
            service=service,
            lot_id=_lot(service, pk).pk,
            to_service=to_service,
            quantity=body.validated_data["quantity"],
        )
        return Response(LotSerializer(lot_data(arrived)).data, status=status.HTTP_201_CREATED)


class StockAlertsApi(UserLanguageApiView):
    """What the stock asks of the manager today (as on their home page)."""

    @extend_schema(parameters=[SERVICE], responses=AlertsSerializer)
    def get(self, request: Request) -> Response:
        service = managed_service(api_user(request), service_param(request))
        alerts = stock_alerts(service, timezone.localdate(), settings.SHOP_DATE_ALERT_DAYS)
        return Response(alerts_data(alerts))


class OfflineHandoutsSyncApi(UserLanguageApiView):
    """Send what a tablet handed over offline (at most 200 at once), after the scans.

    Each is recorded at its real moment, once per idempotency key (a sync cut half-way
    is sent again whole). One result each, in the order sent: `recorded`; `differs`
    (recorded, but not as the tablet showed it: the manager sees why); `pending` (not
    recorded: the shelves no longer hold it, or the scan was a conflict; it waits for
    the manager; so is one dated more than 7 days ago); `replayed` (already received);
    `rejected` (a bad key: not kept). The shop's and the food-aid point's endpoints say how theirs
    are recorded.
    """

    def record(self, service: Organisation, user: Any, sent: list[Any]) -> list[Any]:
        raise NotImplementedError

    @extend_schema(
        request=OfflineHandoutsSyncSerializer,
        responses={200: OfflineHandoutResultSerializer(many=True)},
    )
    def post(self, request: Request) -> Response:
        user = api_user(request)
        sync = OfflineHandoutsSyncSerializer(data=request.data)
        sync.is_valid(raise_exception=True)
        service = counter_of_caller(user, sync.validated_data.get("service"))
        sent = [
            HandoutSent(
                **{
                    **handout,
                    # Kept as JSON on the handout: quantities as text, exact.
                    "lines": [
                        {"product": line["product"], "quantity": str(line["quantity"])}
                        for line in handout["lines"]
                    ],
                }
            )
            for handout in sync.validated_data["handouts"]
        ]
        results = {r.idempotency_key: r for r in self.record(service, user, sent)}
        return Response(
            [
                {
                    "idempotency_key": handout.idempotency_key,
                    "status": results[handout.idempotency_key].status,
                    "message": results[handout.idempotency_key].message,
                }
                for handout in sent
            ]
        )
