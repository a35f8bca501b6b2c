from django.urls import path

from shop import views

app_name = "shop"

urlpatterns = [
    path("counter/baskets/", views.basket_open_view, name="basket-open"),
    path("counter/baskets/<int:pk>/", views.basket_page, name="basket"),
    path("counter/baskets/<int:pk>/put/", views.basket_put_view, name="basket-put"),
    path("counter/baskets/<int:pk>/checkout/", views.basket_checkout_view, name="basket-checkout"),
    path("counter/baskets/<int:pk>/abandon/", views.basket_abandon_view, name="basket-abandon"),
    path("counter/sales/<int:pk>/", views.sale_receipt, name="receipt"),
    path("counter/sales/<int:pk>/correct/", views.sale_correct_view, name="sale-correct"),
]
