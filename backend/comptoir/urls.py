from django.contrib import admin
from django.urls import include, path

from network import views as network_views

admin.site.site_header = "Comptoir"
admin.site.site_title = "Comptoir"

urlpatterns = [
    path("", network_views.root, name="root"),
    path("healthz", network_views.healthz, name="healthz"),
    path("", include("network.urls")),
    path("", include("passes.urls")),
    path("", include("schedules.urls")),
    path("", include("counter.urls")),
    path("", include("reports.urls")),
    path("api/", include("comptoir.api_urls")),
    path("admin/", admin.site.urls),
]
