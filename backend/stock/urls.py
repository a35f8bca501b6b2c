from django.urls import path

from stock import views as manage

app_name = "stock"

urlpatterns = [
    # The manager's stock.
    path("manage/stock/", manage.stock_home, name="stock"),
    path("manage/stock/price-band/", manage.price_band_view, name="price-band"),
    path("manage/stock/products/new/", manage.product_new, name="product-new"),
    path("manage/stock/products/<int:pk>/", manage.product_detail, name="product"),
    path("manage/stock/products/<int:pk>/price/", manage.product_price_view, name="product-price"),
    path(
        "manage/stock/products/<int:pk>/barcodes/",
        manage.product_barcode_view,
        name="product-barcode",
    ),
    path(
        "manage/offline/<int:pk>/settle/",
        manage.offline_handout_settle_view,
        name="offline-settle",
    ),
    path("manage/stock/lots/<int:pk>/loss/", manage.lot_loss_view, name="lot-loss"),
    path("manage/stock/lots/<int:pk>/transfer/", manage.lot_transfer_view, name="lot-transfer"),
    path("manage/stock/receipts/", manage.receipt_start_view, name="receipt-start"),
    path("manage/stock/receipts/<int:pk>/", manage.receipt_detail, name="receipt"),
    path("manage/stock/receipts/<int:pk>/lines/", manage.receipt_line_view, name="receipt-line"),
    path(
        "manage/stock/receipts/<int:pk>/lines/<int:line>/remove/",
        manage.receipt_line_remove_view,
        name="receipt-line-remove",
    ),
    path("manage/stock/receipts/<int:pk>/post/", manage.receipt_post_view, name="receipt-post"),
    path("manage/stock/counts/", manage.count_start_view, name="count-start"),
    path("manage/stock/counts/<int:pk>/", manage.count_detail, name="count"),
    path("manage/stock/counts/<int:pk>/record/", manage.count_record_view, name="count-record"),
    path("manage/stock/counts/<int:pk>/close/", manage.count_close_view, name="count-close"),
]
