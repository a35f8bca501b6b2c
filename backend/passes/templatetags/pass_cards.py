from django import template

from network.models import Organisation
from passes.models import AccessPass
from passes.tokens import human_code_display

register = template.Library()


@register.filter
def human_code(code: str) -> str:
    """A card's human code grouped for reading aloud: K7M-4QX-P9A."""
    return human_code_display(code or "")


@register.filter
def pass_rules(access_pass: AccessPass) -> list[dict[str, str]]:
    """A pass's rules in words, each with the name of its service."""
    rules = access_pass.rule_snapshots()
    names = dict(
        Organisation.objects.filter(pk__in={r.service_id for r in rules}).values_list("pk", "name")
    )
    return [{"service": names.get(r.service_id, "?"), "text": r.describe()} for r in rules]
