"""What the verdict screen offers next, added by upper apps (the shop's basket, later a parcel).

The verdict belongs to `counter`; what follows an accepted scan at a shop or a
food-aid point lives above it. Those apps register a function here (in their
AppConfig.ready) that renders their button for a verdict, or nothing, so
`counter` never imports them.
"""

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.safestring import SafeString

from counter.verdict import Verdict

VerdictAction = Callable[[HttpRequest, Verdict], SafeString | None]

_actions: dict[str, VerdictAction] = {}


def verdict_action_register(name: str, render: VerdictAction) -> None:
    """Add (or replace) the action `name` under every verdict."""
    _actions[name] = render


def verdict_actions_render(request: HttpRequest, verdict: Verdict) -> list[SafeString]:
    """The registered actions that apply to this verdict, in registration order."""
    rendered = (render(request, verdict) for render in _actions.values())
    return [html for html in rendered if html]
