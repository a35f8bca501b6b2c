"""What upper apps add to the counter's screens (the shop's basket, later a parcel).

The verdict and the manager's home belong to `counter`; what follows an accepted
scan at a shop or a food-aid point, and the stock a manager watches, live above
it. Those apps register functions here (in their AppConfig.ready), so `counter`
never imports them:

- a verdict action renders a button under a verdict, or nothing;
- a manager section renders a panel on the manager's home;
- a counter section renders a small block beside the verdict (kept cheap: it is drawn
  after every scan);
- an undo guard says why an accepted visit may no longer be undone (a sale made on it);
- a visit detail says, for some visits, what the household took with them (a parcel,
  a sale, a vestiaire's handout), for the household's « ce qu'il a reçu » list;
- an offline extra adds to the day's list a tablet keeps (`counter.offline`) what the
  app's own offline screen needs (the shop's catalogue and budgets, the parcels), and a
  counter script is the page's piece that draws that screen.
"""

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.safestring import SafeString

from counter.models import Visit
from counter.verdict import Verdict
from network.models import Organisation
from network.rules import RuleSnapshot

VerdictAction = Callable[[HttpRequest, Verdict], SafeString | None]
ManagerSection = Callable[[HttpRequest, Organisation], SafeString]
UndoGuard = Callable[[Visit], str | None]
VerdictSide = Callable[[HttpRequest, Organisation], SafeString | None]
# Visit ids → a short sentence each, for the visits an app has something to say about.
VisitDetail = Callable[[list[Visit]], dict[int, str]]
# (service, moment, good passes → (their rules here, household size)) → JSON-ready, or None.
OfflineExtra = Callable[
    [Organisation, datetime, Mapping[int, tuple[list[RuleSnapshot], int]]], dict[str, Any] | None
]

_actions: dict[str, VerdictAction] = {}
_manager_sections: dict[str, ManagerSection] = {}
_counter_sections: dict[str, VerdictSide] = {}
_undo_guards: dict[str, UndoGuard] = {}
_visit_details: dict[str, VisitDetail] = {}
_offline_extras: dict[str, OfflineExtra] = {}
_counter_scripts: dict[str, VerdictSide] = {}


def verdict_action_register(name: str, render: VerdictAction) -> None:
    """Add (or replace) the action `name` under every verdict."""
    _actions[name] = render


def verdict_actions_render(request: HttpRequest, verdict: Verdict) -> list[SafeString]:
    """The registered actions that apply to this verdict, in registration order."""
    rendered = (render(request, verdict) for render in _actions.values())
    return [html for html in rendered if html]


def manager_section_register(name: str, render: ManagerSection) -> None:
    """Add (or replace) the panel `name` on every manager's home."""
    _manager_sections[name] = render


def manager_sections_render(request: HttpRequest, service: Organisation) -> list[SafeString]:
    return [render(request, service) for render in _manager_sections.values()]


def counter_section_register(name: str, render: VerdictSide) -> None:
    """Add (or replace) the block `name` beside every verdict."""
    _counter_sections[name] = render


def counter_sections_render(request: HttpRequest, service: Organisation) -> list[SafeString]:
    rendered = (render(request, service) for render in _counter_sections.values())
    return [html for html in rendered if html]


def undo_guard_register(name: str, guard: UndoGuard) -> None:
    """Add (or replace) a check run before an accepted visit is undone."""
    _undo_guards[name] = guard


def undo_refusal(visit: Visit) -> str | None:
    """The first registered guard's sentence against undoing `visit`, or None."""
    for guard in _undo_guards.values():
        message = guard(visit)
        if message:
            return message
    return None


def visit_detail_register(name: str, detail: VisitDetail) -> None:
    """Add (or replace) what an app says about the visits a household made."""
    _visit_details[name] = detail


def visit_details(visits: list[Visit]) -> dict[int, list[str]]:
    """Every registered app's sentences about `visits`, by visit id (one query per app)."""
    said: dict[int, list[str]] = {}
    for detail in _visit_details.values():
        for visit_id, sentence in detail(visits).items():
            said.setdefault(visit_id, []).append(sentence)
    return said


def offline_extra_register(name: str, extra: OfflineExtra) -> None:
    """Add (or replace) the part `name` of the day's list a tablet keeps for offline use."""
    _offline_extras[name] = extra


def offline_extras(
    service: Organisation,
    moment: datetime,
    passes: Mapping[int, tuple[list[RuleSnapshot], int]],
) -> dict[str, dict[str, Any]]:
    """Every registered part that applies to `service`, by name."""
    parts = ((name, extra(service, moment, passes)) for name, extra in _offline_extras.items())
    return {name: part for name, part in parts if part is not None}


def counter_script_register(name: str, render: VerdictSide) -> None:
    """Add (or replace) a piece of the counter page (its offline screen's script)."""
    _counter_scripts[name] = render


def counter_scripts_render(request: HttpRequest, service: Organisation) -> list[SafeString]:
    rendered = (render(request, service) for render in _counter_scripts.values())
    return [html for html in rendered if html]
