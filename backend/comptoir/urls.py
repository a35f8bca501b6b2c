from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from network import views as network_views

admin.site.site_header = "Comptoir"
admin.site.site_title = "Comptoir"

urlpatterns = [
    path("", network_views.root, name="root"),
    path("healthz", network_views.healthz, name="healthz"),
    # Pages without an icon link (the browsable API, error pages) make browsers ask here.
    # Lazy: in production the static file's hashed name is known only once the app runs.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.svg"))),
    # Before the pages: a tablet's scan is matched first, not after every page's pattern.
    path("api/", include("comptoir.api_urls")),
    path("", include("network.urls")),
    path("", include("passes.urls")),
    path("", include("schedules.urls")),
    path("", include("counter.urls")),
    path("", include("stock.urls")),
    path("", include("shop.urls")),
    path("", include("foodaid.urls")),
    path("", include("reports.urls")),
    path("admin/", admin.site.urls),
]
