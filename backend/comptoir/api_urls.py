from django.urls import path
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

from network import api as network_api


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
                "token": link("api:token-obtain"),
                "schema": link("api:schema"),
                "docs": link("api:docs"),
            }
        )


app_name = "api"

urlpatterns = [
    path("", ApiRootView.as_view(), name="root"),
    path("me/", network_api.MeApi.as_view(), name="me"),
    path("organisations/", network_api.OrganisationListApi.as_view(), name="organisation-list"),
    path("conventions/", network_api.ConventionListApi.as_view(), name="convention-list"),
    path("auth/token/", network_api.TokenObtainApi.as_view(), name="token-obtain"),
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
