"""The vestiaire's handouts over REST: what a device notes was given on an accepted visit."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from counter.api import counter_of_caller, service_param
from foodaid.handouts import HandoutItem, handout_record
from foodaid.models import Handout
from network.api import UserLanguageApiView
from network.api_policy import api_user

SERVICE = OpenApiParameter("service", int, required=False, description="The counter.")


class HandoutLineSerializer(serializers.Serializer[dict[str, Any]]):
    text = serializers.CharField(max_length=200, allow_blank=True, help_text="A few words.")
    count = serializers.IntegerField(default=1, help_text="1 to 99.")


class HandoutRequestSerializer(serializers.Serializer[dict[str, Any]]):
    visit = serializers.IntegerField(help_text="The accepted visit (from the scan) of today.")
    lines = HandoutLineSerializer(many=True)


class HandoutSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    visit = serializers.IntegerField()
    at = serializers.DateTimeField()
    lines = HandoutLineSerializer(many=True)


def handout_data(handout: Handout) -> dict[str, Any]:
    return {
        "id": handout.pk,
        "visit": handout.visit_id,
        "at": handout.at,
        "lines": [{"text": line.text, "count": line.count} for line in handout.lines.all()],
    }


class HandoutRecordApi(UserLanguageApiView):
    """Note what a vestiaire gave on an accepted visit of today (again: the lines are
    replaced). Refusal codes: `not_a_vestiaire`, `not_found`, `visit_not_accepted`,
    `visit_not_today`, `handout_empty`, `handout_too_long`, `handout_text_short`,
    `handout_count_invalid`."""

    @extend_schema(
        request=HandoutRequestSerializer,
        responses={201: HandoutSerializer},
        parameters=[SERVICE],
        summary="Note what a vestiaire gave",
    )
    def post(self, request: Request) -> Response:
        user = api_user(request)
        service = counter_of_caller(user, service_param(request))
        body = HandoutRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        handout = handout_record(
            actor=user,
            service=service,
            visit_id=body.validated_data["visit"],
            items=[
                HandoutItem(line["text"], line["count"]) for line in body.validated_data["lines"]
            ],
        )
        return Response(
            HandoutSerializer(handout_data(handout)).data, status=status.HTTP_201_CREATED
        )


class HandoutDetailApi(UserLanguageApiView):
    """What a vestiaire noted for one visit."""

    @extend_schema(responses=HandoutSerializer, parameters=[SERVICE], summary="A handout")
    def get(self, request: Request, pk: int) -> Response:
        service = counter_of_caller(api_user(request), service_param(request))
        handout = Handout.objects.filter(pk=pk, service=service).prefetch_related("lines").first()
        if handout is None:
            raise exceptions.NotFound()
        return Response(HandoutSerializer(handout_data(handout)).data)
