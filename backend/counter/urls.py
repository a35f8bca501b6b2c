from django.urls import path

from counter import views

app_name = "counter"

urlpatterns = [
    path("counter/", views.counter_home, name="home"),
    path("counter/sw.js", views.counter_service_worker, name="service-worker"),
    path("counter/manifest.webmanifest", views.counter_manifest, name="manifest"),
    path("counter/scan/", views.counter_scan, name="scan"),
    path("counter/visits/<int:pk>/undo/", views.counter_visit_undo, name="visit-undo"),
    path("manage/", views.manager_home, name="manager-home"),
    path("manage/vouchers/", views.manager_vouchers, name="manager-vouchers"),
]
