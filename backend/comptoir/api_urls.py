from django.urls import path
from django.views.decorators.gzip import gzip_page
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from comptoir.middleware import replay_safe
from counter import api as counter_api
from foodaid import api as foodaid_api
from foodaid import api_handouts as handouts_api
from network import api as network_api
from passes import api as passes_api
from shop import api as shop_api
from stock import api as stock_api


class ApiRootView(APIView):
    """Entry point of the Comptoir API: links to every collection and to the docs."""

    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        def link(name: str) -> str:
            return reverse(name, request=request)

        return Response(
            {
                "me": link("api:me"),
                "organisations": link("api:organisation-list"),
                "conventions": link("api:convention-list"),
                "network_settings": link("api:network-settings"),
                "households": link("api:household-list"),
                "assessment_reasons": link("api:assessment-reason-list"),
                "passes": link("api:pass-list"),
                "pass_keys": link("api:pass-key-list"),
                "token": link("api:token-obtain"),
                "schema": link("api:schema"),
                "docs": link("api:docs"),
            }
        )


app_name = "api"

urlpatterns = [
    # First: the scan is most of the API's requests.
    path("counter/scans/", replay_safe(counter_api.CounterScanApi.as_view()), name="counter-scan"),
    # Compressed: a large counter's list is mostly the same words again (30 times smaller).
    path(
        "counter/offline/snapshot/",
        gzip_page(counter_api.CounterOfflineSnapshotApi.as_view()),
        name="counter-offline-snapshot",
    ),
    # Safe to run again on a lost connection: every scan carries its idempotency key.
    path(
        "counter/offline/scans/",
        replay_safe(counter_api.CounterOfflineSyncApi.as_view()),
        name="counter-offline-sync",
    ),
    path("", ApiRootView.as_view(), name="root"),
    path("me/", network_api.MeApi.as_view(), name="me"),
    path("organisations/", network_api.OrganisationListApi.as_view(), name="organisation-list"),
    path("conventions/", network_api.ConventionListApi.as_view(), name="convention-list"),
    path("network/settings/", network_api.NetworkSettingsApi.as_view(), name="network-settings"),
    path("auth/token/", network_api.TokenObtainApi.as_view(), name="token-obtain"),
    path("households/", passes_api.HouseholdListApi.as_view(), name="household-list"),
    path("households/search/", passes_api.HouseholdSearchApi.as_view(), name="household-search"),
    path("households/<int:pk>/", passes_api.HouseholdDetailApi.as_view(), name="household-detail"),
    path(
        "households/<int:pk>/assessments/",
        passes_api.HouseholdAssessmentListApi.as_view(),
        name="household-assessment-list",
    ),
    path(
        "households/<int:pk>/vouchers/",
        passes_api.HouseholdVoucherListApi.as_view(),
        name="household-voucher-list",
    ),
    path("vouchers/<int:pk>/revoke/", passes_api.VoucherRevokeApi.as_view(), name="voucher-revoke"),
    path(
        "assessments/<int:pk>/notes/",
        passes_api.AssessmentNotesApi.as_view(),
        name="assessment-notes",
    ),
    path(
        "assessment-reasons/",
        passes_api.AssessmentReasonListApi.as_view(),
        name="assessment-reason-list",
    ),
    path("passes/", passes_api.PassListApi.as_view(), name="pass-list"),
    path("passes/<int:pk>/", passes_api.PassDetailApi.as_view(), name="pass-detail"),
    path("passes/<int:pk>/renew/", passes_api.PassRenewApi.as_view(), name="pass-renew"),
    path("passes/<int:pk>/suspend/", passes_api.PassSuspendApi.as_view(), name="pass-suspend"),
    path("passes/<int:pk>/resume/", passes_api.PassResumeApi.as_view(), name="pass-resume"),
    path("passes/<int:pk>/revoke/", passes_api.PassRevokeApi.as_view(), name="pass-revoke"),
    path("passes/<int:pk>/replace/", passes_api.PassReplaceApi.as_view(), name="pass-replace"),
    path("passes/<int:pk>/history/", passes_api.PassHistoryApi.as_view(), name="pass-history"),
    path("passes/<int:pk>/qr.svg", passes_api.PassQrSvgApi.as_view(), name="pass-qr-svg"),
    path("passes/<int:pk>/qr.png", passes_api.PassQrPngApi.as_view(), name="pass-qr-png"),
    path("counter/today/", counter_api.CounterDayApi.as_view(), name="counter-day"),
    path("counter/vouchers/", counter_api.ServiceVouchersApi.as_view(), name="counter-vouchers"),
    path(
        "households/<int:pk>/received/",
        counter_api.HouseholdReceivedApi.as_view(),
        name="household-received",
    ),
    path(
        "counter/visits/<int:pk>/undo/",
        counter_api.CounterVisitUndoApi.as_view(),
        name="counter-visit-undo",
    ),
    path("shop/baskets/", shop_api.BasketOpenApi.as_view(), name="shop-basket-open"),
    path("shop/baskets/<int:pk>/", shop_api.BasketDetailApi.as_view(), name="shop-basket"),
    path("shop/baskets/<int:pk>/lines/", shop_api.BasketPutApi.as_view(), name="shop-basket-put"),
    path(
        "shop/baskets/<int:pk>/checkout/",
        shop_api.BasketCheckoutApi.as_view(),
        name="shop-basket-checkout",
    ),
    path(
        "shop/baskets/<int:pk>/abandon/",
        shop_api.BasketAbandonApi.as_view(),
        name="shop-basket-abandon",
    ),
    path("shop/sales/<int:pk>/", shop_api.SaleDetailApi.as_view(), name="shop-sale"),
    path(
        "shop/sales/<int:pk>/corrections/",
        shop_api.SaleCorrectionApi.as_view(),
        name="shop-sale-correct",
    ),
    path("shop/products/", shop_api.ProductByBarcodeApi.as_view(), name="shop-product-lookup"),
    path(
        "shop/offline/sales/",
        replay_safe(shop_api.OfflineSalesSyncApi.as_view()),
        name="shop-offline-sales",
    ),
    path(
        "foodaid/offline/parcels/",
        replay_safe(foodaid_api.OfflineParcelsSyncApi.as_view()),
        name="foodaid-offline-parcels",
    ),
    path("stock/catalogue/", stock_api.CatalogueApi.as_view(), name="stock-catalogue"),
    path(
        "stock/catalogue/<int:pk>/lots/",
        stock_api.ProductLotsApi.as_view(),
        name="stock-product-lots",
    ),
    path(
        "stock/catalogue/<int:pk>/price/",
        stock_api.ProductPriceApi.as_view(),
        name="stock-product-price",
    ),
    path(
        "stock/catalogue/<int:pk>/barcodes/",
        stock_api.ProductBarcodeApi.as_view(),
        name="stock-product-barcode",
    ),
    path("stock/receipts/", stock_api.ReceiptStartApi.as_view(), name="stock-receipt-start"),
    path("stock/receipts/<int:pk>/", stock_api.ReceiptDetailApi.as_view(), name="stock-receipt"),
    path(
        "stock/receipts/<int:pk>/lines/",
        stock_api.ReceiptLineApi.as_view(),
        name="stock-receipt-line",
    ),
    path(
        "stock/receipts/<int:pk>/post/",
        stock_api.ReceiptPostApi.as_view(),
        name="stock-receipt-post",
    ),
    path("stock/counts/", stock_api.CountStartApi.as_view(), name="stock-count-start"),
    path("stock/counts/<int:pk>/", stock_api.CountDetailApi.as_view(), name="stock-count"),
    path(
        "stock/counts/<int:pk>/lines/",
        stock_api.CountRecordApi.as_view(),
        name="stock-count-record",
    ),
    path(
        "stock/counts/<int:pk>/close/",
        stock_api.CountCloseApi.as_view(),
        name="stock-count-close",
    ),
    path("stock/lots/<int:pk>/loss/", stock_api.LotLossApi.as_view(), name="stock-lot-loss"),
    path(
        "stock/lots/<int:pk>/transfer/",
        stock_api.LotTransferApi.as_view(),
        name="stock-lot-transfer",
    ),
    path("stock/alerts/", stock_api.StockAlertsApi.as_view(), name="stock-alerts"),
    path(
        "foodaid/parcel-templates/",
        foodaid_api.ParcelTemplateListApi.as_view(),
        name="foodaid-template-list",
    ),
    path(
        "foodaid/parcel-templates/<int:pk>/",
        foodaid_api.ParcelTemplateDetailApi.as_view(),
        name="foodaid-template",
    ),
    path(
        "foodaid/visits/<int:pk>/parcel/",
        foodaid_api.ParcelPreviewApi.as_view(),
        name="foodaid-parcel-preview",
    ),
    path(
        "foodaid/distributions/",
        foodaid_api.DistributionGiveApi.as_view(),
        name="foodaid-distribution-give",
    ),
    path(
        "foodaid/distributions/<int:pk>/",
        foodaid_api.DistributionDetailApi.as_view(),
        name="foodaid-distribution",
    ),
    path(
        "foodaid/distributions/<int:pk>/corrections/",
        foodaid_api.DistributionCorrectionApi.as_view(),
        name="foodaid-distribution-correct",
    ),
    path(
        "foodaid/handouts/", handouts_api.HandoutRecordApi.as_view(), name="foodaid-handout-record"
    ),
    path(
        "foodaid/handouts/<int:pk>/",
        handouts_api.HandoutDetailApi.as_view(),
        name="foodaid-handout",
    ),
    path("pass-keys/", passes_api.PassKeyListApi.as_view(), name="pass-key-list"),
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", permission_classes=[AllowAny]),
        name="docs",
    ),
    path(
        "redoc/",
        SpectacularRedocView.as_view(url_name="api:schema", permission_classes=[AllowAny]),
        name="redoc",
    ),
]
