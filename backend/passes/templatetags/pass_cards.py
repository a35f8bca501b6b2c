from django import template

from network.models import Organisation, describe_rule
from passes.tokens import human_code_display

register = template.Library()


@register.filter
def human_code(code: str) -> str:
    """A card's human code grouped for reading aloud: K7M-4QX-P9A."""
    return human_code_display(code or "")


@register.filter
def pass_rules(rules: list[dict]) -> list[dict]:
    """A pass's rules in words, each with the name of its service."""
    names = dict(
        Organisation.objects.filter(pk__in={r["service_id"] for r in rules}).values_list(
            "pk", "name"
        )
    )
    return [{"service": names.get(r["service_id"], "?"), "text": describe_rule(r)} for r in rules]
