"""The shop's API for the counter's devices: baskets, checkout, sales and their corrections.

Every action is the service the pages call; refusals come back as `{"code", "detail"}`
with the status their kind gives (see `network.api_policy`).
"""

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from counter.api import counter_of_caller, service_param
from network.api import UserLanguageApiView
from network.api_policy import api_user
from network.models import Organisation
from shop.models import Basket
from shop.offline import offline_sales_record
from shop.selectors import (
    Quote,
    basket_for_counter,
    basket_quote,
    product_offer,
    receipt_lines,
    sale_for_counter,
)
from shop.serializers import (
    BasketOpenSerializer,
    BasketPutSerializer,
    BasketSerializer,
    CheckoutSerializer,
    CorrectionSerializer,
    ProductSerializer,
    SaleSerializer,
    basket_data,
    product_data,
    sale_data,
)
from shop.services import basket_abandon, basket_open, basket_put, sale_checkout, sale_correct
from stock.api import OfflineHandoutsSyncApi
from stock.serializers import OfflineHandoutResultSerializer, OfflineHandoutsSyncSerializer
from stock.services import product_by_barcode

SERVICE = OpenApiParameter("service", int, required=False, description="The counter.")


def _basket_response(
    basket: Basket, code: int = status.HTTP_200_OK, quote: Quote | None = None
) -> Response:
    data = basket_data(basket.pk, basket.status, basket.visit_id, quote or basket_quote(basket))
    return Response(BasketSerializer(data).data, status=code)


class BasketOpenApi(UserLanguageApiView):
    """Open the basket of an accepted visit of today at a shop (the same one again if open)."""

    @extend_schema(request=BasketOpenSerializer, responses={201: BasketSerializer})
    def post(self, request: Request) -> Response:
        user = api_user(request)
        body = BasketOpenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        service = counter_of_caller(user, body.validated_data.get("service"))
        basket = basket_open(actor=user, service=service, visit_id=body.validated_data["visit"])
        return _basket_response(basket, status.HTTP_201_CREATED)


class BasketDetailApi(UserLanguageApiView):
    """A basket with its lines priced on today's stock, totals and the budget left."""

    @extend_schema(parameters=[SERVICE], responses=BasketSerializer)
    def get(self, request: Request, pk: int) -> Response:
        service = counter_of_caller(api_user(request), service_param(request))
        basket = basket_for_counter(service, pk)
        if basket is None:
            raise exceptions.NotFound()
        return _basket_response(basket)


class BasketPutApi(UserLanguageApiView):
    """Add a product by barcode or id, or set its quantity (0 takes it out)."""

    @extend_schema(parameters=[SERVICE], request=BasketPutSerializer, responses=BasketSerializer)
    def post(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        service = counter_of_caller(user, service_param(request))
        body = BasketPutSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        quote = basket_put(
            actor=user,
            service=service,
            basket_id=pk,
            barcode=data.get("barcode") or None,
            product_id=data.get("product"),
            quantity=data["quantity"],
            add=data["mode"] == "add",
        )
        assert quote.basket is not None
        return _basket_response(quote.basket, quote=quote)


class BasketCheckoutApi(UserLanguageApiView):
    """Pay: `201` with the sale; a basket already paid answers `200` with the same sale."""

    @extend_schema(
        parameters=[SERVICE],
        request=CheckoutSerializer,
        responses={201: SaleSerializer, 200: SaleSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        service = counter_of_caller(user, service_param(request))
        body = CheckoutSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        checkout = sale_checkout(
            actor=user,
            service=service,
            basket_id=pk,
            payment=body.validated_data["payment"],
            tendered=body.validated_data.get("tendered"),
        )
        data = sale_data(checkout.sale, receipt_lines(checkout.sale), replayed=checkout.replayed)
        return Response(
            SaleSerializer(data).data,
            status=status.HTTP_200_OK if checkout.replayed else status.HTTP_201_CREATED,
        )


class BasketAbandonApi(UserLanguageApiView):
    """The household left without buying."""

    @extend_schema(parameters=[SERVICE], request=None, responses=BasketSerializer)
    def post(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        service = counter_of_caller(user, service_param(request))
        return _basket_response(basket_abandon(actor=user, service=service, basket_id=pk))


class SaleDetailApi(UserLanguageApiView):
    """A sale of this counter (its receipt)."""

    @extend_schema(parameters=[SERVICE], responses=SaleSerializer)
    def get(self, request: Request, pk: int) -> Response:
        service = counter_of_caller(api_user(request), service_param(request))
        sale = sale_for_counter(service, pk)
        if sale is None:
            raise exceptions.NotFound()
        return Response(SaleSerializer(sale_data(sale, receipt_lines(sale))).data)


class SaleCorrectionApi(UserLanguageApiView):
    """Take back items of a sale of today, or all of it, with a reason: `201` with the
    correction (negative figures)."""

    @extend_schema(
        parameters=[SERVICE], request=CorrectionSerializer, responses={201: SaleSerializer}
    )
    def post(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        service = counter_of_caller(user, service_param(request))
        body = CorrectionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        returns = body.validated_data.get("returns")
        correction = sale_correct(
            actor=user,
            service=service,
            sale_id=pk,
            reason=body.validated_data["reason"],
            returns={r["product"]: r["quantity"] for r in returns} if returns is not None else None,
        )
        data = sale_data(correction, receipt_lines(correction))
        return Response(SaleSerializer(data).data, status=status.HTTP_201_CREATED)


class ProductByBarcodeApi(UserLanguageApiView):
    """A product as the counter sells it, found by its barcode: price here, stock in date."""

    @extend_schema(
        parameters=[SERVICE, OpenApiParameter("barcode", str, required=True)],
        responses=ProductSerializer,
    )
    def get(self, request: Request) -> Response:
        service = counter_of_caller(api_user(request), service_param(request))
        product = product_by_barcode(request.query_params.get("barcode", ""))
        item = product_offer(service, product, timezone.localdate()) if product else None
        if item is None:
            raise exceptions.NotFound()
        return Response(ProductSerializer(product_data(item)).data)


class OfflineSalesSyncApi(OfflineHandoutsSyncApi):
    __doc__ = OfflineHandoutsSyncApi.__doc__

    def record(self, service: Organisation, user: Any, sent: list[Any]) -> list[Any]:
        return offline_sales_record(service=service, user=user, sales=sent)

    @extend_schema(
        request=OfflineHandoutsSyncSerializer,
        responses={200: OfflineHandoutResultSerializer(many=True)},
        summary="Send the sales made offline (shop)",
    )
    def post(self, request: Request) -> Response:
        return super().post(request)
