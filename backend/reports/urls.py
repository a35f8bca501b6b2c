from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("network/", views.coordinator_home, name="coordinator-home"),
    path("network/statistics/", views.month_review, name="month"),
    path("network/statistics/status/", views.month_status, name="month-status"),
    path("network/statistics/compile/", views.month_compile_request, name="month-compile"),
    path("network/statistics/<int:report_id>/lock/", views.month_lock_request, name="month-lock"),
    path(
        "network/statistics/services/<int:service_id>/",
        views.service_month,
        name="service-month",
    ),
    path(
        "network/statistics/conventions/<int:convention_id>/",
        views.convention_month,
        name="convention-month",
    ),
    path("network/statistics/exports/", views.export_request_view, name="export-request"),
    path("network/statistics/exports/<uuid:export_id>/", views.export_page, name="export"),
    path(
        "network/statistics/exports/<uuid:export_id>/file/",
        views.export_download,
        name="export-download",
    ),
    path("network/statistics/eu-food-aid/", views.fead_request_view, name="fead-request"),
    path("network/jobs/", views.jobs, name="jobs"),
]
