from django.urls import path

from shop.views import counter

app_name = "shop"

urlpatterns = [
    # The sale on the counter's tablet.
    path("counter/baskets/", counter.basket_open_view, name="basket-open"),
    path("counter/baskets/<int:pk>/", counter.basket_page, name="basket"),
    path("counter/baskets/<int:pk>/put/", counter.basket_put_view, name="basket-put"),
    path(
        "counter/baskets/<int:pk>/checkout/", counter.basket_checkout_view, name="basket-checkout"
    ),
    path("counter/baskets/<int:pk>/abandon/", counter.basket_abandon_view, name="basket-abandon"),
    path("counter/sales/", counter.sales_today, name="sales-today"),
    path("counter/sales/<int:pk>/", counter.sale_receipt, name="receipt-of-sale"),
    path("counter/sales/<int:pk>/correct/", counter.sale_correct_view, name="sale-correct"),
    # The manager records again a sale made offline.
    path("manage/offline/<int:pk>/sale/", counter.offline_sale_retry_view, name="offline-retry"),
]
