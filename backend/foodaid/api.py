"""Food aid's API: the manager's parcel templates, and the parcel at the counter's devices.

Every action is the service the pages call; refusals come back as `{"code", "detail"}`
with the status their kind gives (see `network.api_policy`). `service` names the
collective service (optional when the caller has one only); another one answers 404.
"""

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from comptoir.serializers import many_data
from counter.api import counter_of_caller, managed_service, service_param
from counter.selectors import household_size_at
from foodaid.models import Distribution, ParcelTemplate
from foodaid.offline import offline_parcels_record
from foodaid.selectors import (
    distribution_for_counter,
    distribution_for_visit,
    parcel_template_get,
    parcel_templates,
    parcel_visit,
)
from foodaid.serializers import (
    DistributionCorrectSerializer,
    DistributionGiveSerializer,
    DistributionSerializer,
    ParcelPreviewSerializer,
    ParcelTemplateSerializer,
    ParcelTemplateSetSerializer,
    distribution_data,
    preview_data,
    template_data,
)
from foodaid.services import (
    distribution_correct,
    distribution_record,
    parcel_preview,
    parcel_template_delete,
    parcel_template_set,
    require_food_aid_point,
)
from network.api import UserLanguageApiView
from network.api_policy import api_user
from network.models import Organisation
from stock.api import OfflineHandoutsSyncApi
from stock.serializers import OfflineHandoutResultSerializer, OfflineHandoutsSyncSerializer

MANAGED = OpenApiParameter("service", int, required=False, description="The managed service.")
COUNTER = OpenApiParameter("service", int, required=False, description="The counter.")


def _lines(rows: Iterable[Mapping[str, Any]]) -> dict[int, Decimal]:
    """Product id → quantity; a product on two lines adds up."""
    lines: dict[int, Decimal] = {}
    for row in rows:
        lines[row["product"]] = lines.get(row["product"], Decimal(0)) + row["quantity"]
    return lines


def _template(service: Organisation, pk: int) -> ParcelTemplate:
    template = parcel_template_get(service, pk)
    if template is None:
        raise exceptions.NotFound()
    return template


class ParcelTemplateListApi(UserLanguageApiView):
    """Managers of a food-aid point: the parcel templates, one per band of household sizes,
    smallest households first; create one."""

    @extend_schema(parameters=[MANAGED], responses=ParcelTemplateSerializer(many=True))
    def get(self, request: Request) -> Response:
        service = managed_service(api_user(request), service_param(request))
        require_food_aid_point(service)
        templates = [template_data(t) for t in parcel_templates(service)]
        return Response(many_data(ParcelTemplateSerializer, templates))

    @extend_schema(
        parameters=[MANAGED],
        request=ParcelTemplateSetSerializer,
        responses={201: ParcelTemplateSerializer},
    )
    def post(self, request: Request) -> Response:
        user = api_user(request)
        service = managed_service(user, service_param(request))
        body = ParcelTemplateSetSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        template = parcel_template_set(
            actor=user,
            service=service,
            min_persons=data["min_persons"],
            max_persons=data.get("max_persons"),
            lines=_lines(data["lines"]),
        )
        return Response(
            ParcelTemplateSerializer(template_data(_template(service, template.pk))).data,
            status=status.HTTP_201_CREATED,
        )


class ParcelTemplateDetailApi(UserLanguageApiView):
    """Managers: one parcel template; replace its band and lines; delete it (parcels
    already given keep their own lines)."""

    @extend_schema(parameters=[MANAGED], responses=ParcelTemplateSerializer)
    def get(self, request: Request, pk: int) -> Response:
        service = managed_service(api_user(request), service_param(request))
        return Response(ParcelTemplateSerializer(template_data(_template(service, pk))).data)

    @extend_schema(
        parameters=[MANAGED],
        request=ParcelTemplateSetSerializer,
        responses=ParcelTemplateSerializer,
    )
    def put(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        service = managed_service(user, service_param(request))
        body = ParcelTemplateSetSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        template = parcel_template_set(
            actor=user,
            service=service,
            min_persons=data["min_persons"],
            max_persons=data.get("max_persons"),
            lines=_lines(data["lines"]),
            template_id=pk,
        )
        return Response(
            ParcelTemplateSerializer(template_data(_template(service, template.pk))).data
        )

    @extend_schema(parameters=[MANAGED], request=None, responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        service = managed_service(user, service_param(request))
        parcel_template_delete(actor=user, service=service, template_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ParcelPreviewApi(UserLanguageApiView):
    """The parcel an accepted visit's household would receive now, as today's stock allows
    it: each product up to what is on the shelves, stand-ins of the same category and
    unit for a shortfall, and what nothing covers (`short`)."""

    @extend_schema(parameters=[COUNTER], responses=ParcelPreviewSerializer)
    def get(self, request: Request, pk: int) -> Response:
        service = counter_of_caller(api_user(request), service_param(request))
        visit = parcel_visit(service, pk)
        if visit is None:
            raise exceptions.NotFound()
        parcel = parcel_preview(service=service, visit=visit)
        data = preview_data(
            visit.pk, household_size_at(visit), parcel, distribution_for_visit(visit)
        )
        return Response(ParcelPreviewSerializer(data).data)


def _distribution_response(
    service: Organisation, distribution: Distribution, code: int, *, replayed: bool = False
) -> Response:
    found = distribution_for_counter(service, distribution.pk)
    assert found is not None  # just written or just read, at this service
    data = distribution_data(found, replayed=replayed)
    return Response(DistributionSerializer(data).data, status=code)


class DistributionGiveApi(UserLanguageApiView):
    """Give the parcel of an accepted visit of today: `201` with the distribution; the same
    visit again answers `200` with the same one (`replayed: true`) and gives nothing more."""

    @extend_schema(
        request=DistributionGiveSerializer,
        responses={201: DistributionSerializer, 200: DistributionSerializer},
    )
    def post(self, request: Request) -> Response:
        user = api_user(request)
        body = DistributionGiveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        service = counter_of_caller(user, body.validated_data.get("service"))
        given = distribution_record(
            actor=user, service=service, visit_id=body.validated_data["visit"]
        )
        code = status.HTTP_200_OK if given.replayed else status.HTTP_201_CREATED
        return _distribution_response(service, given.distribution, code, replayed=given.replayed)


class DistributionDetailApi(UserLanguageApiView):
    """A parcel given at this counter (or one of its corrections)."""

    @extend_schema(parameters=[COUNTER], responses=DistributionSerializer)
    def get(self, request: Request, pk: int) -> Response:
        service = counter_of_caller(api_user(request), service_param(request))
        distribution = distribution_for_counter(service, pk)
        if distribution is None:
            raise exceptions.NotFound()
        return Response(DistributionSerializer(distribution_data(distribution)).data)


class DistributionCorrectionApi(UserLanguageApiView):
    """Take back items of a parcel of today, or all of it, with a reason: `201` with the
    correction (negative quantities; the items go back to the lots they left)."""

    @extend_schema(
        parameters=[COUNTER],
        request=DistributionCorrectSerializer,
        responses={201: DistributionSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        service = counter_of_caller(user, service_param(request))
        body = DistributionCorrectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        returns = body.validated_data.get("returns")
        correction = distribution_correct(
            actor=user,
            service=service,
            distribution_id=pk,
            reason=body.validated_data["reason"],
            returns=_lines(returns) if returns is not None else None,
        )
        return _distribution_response(service, correction, status.HTTP_201_CREATED)


class OfflineParcelsSyncApi(OfflineHandoutsSyncApi):
    __doc__ = OfflineHandoutsSyncApi.__doc__

    def record(self, service: Organisation, user: Any, sent: list[Any]) -> list[Any]:
        return offline_parcels_record(service=service, user=user, parcels=sent)

    @extend_schema(
        request=OfflineHandoutsSyncSerializer,
        responses={200: OfflineHandoutResultSerializer(many=True)},
        summary="Send the parcels given offline (food-aid point)",
    )
    def post(self, request: Request) -> Response:
        return super().post(request)
