from django.urls import path

from shop import views

app_name = "shop"

urlpatterns = [
    path("counter/", views.counter_home, name="counter-home"),
    path("manage/", views.manager_home, name="manager-home"),
    path("services/<slug:slug>/", views.service_public, name="service-public"),
]
