from django.urls import path

from foodaid import views

app_name = "foodaid"

urlpatterns = [
    path("counter/visits/<int:pk>/parcel/", views.parcel_page, name="parcel"),
    path("counter/visits/<int:pk>/parcel/give/", views.parcel_give, name="parcel-give"),
    path("counter/parcels/<int:pk>/", views.distribution_page, name="distribution"),
    path(
        "counter/parcels/<int:pk>/correct/",
        views.distribution_correct_view,
        name="distribution-correct",
    ),
]
