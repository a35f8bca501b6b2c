"""Small helpers the apps' API serializers share."""

from collections.abc import Iterable
from typing import Any, TypeVar

from rest_framework import serializers

InstanceT = TypeVar("InstanceT")


def many_data(
    serializer_class: type[serializers.BaseSerializer[InstanceT]],
    instances: Iterable[InstanceT],
    **kwargs: Any,
) -> list[dict[str, Any]]:
    """`serializer_class(instances, many=True, **kwargs).data`, with its types.

    The stubs type a serializer's instance as one object whatever `many` says;
    `many_init` is what DRF calls for `many=True`, and its data is a list.
    """
    data: list[dict[str, Any]] = serializer_class.many_init(instances, **kwargs).data
    return data
