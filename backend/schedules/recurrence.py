"""Opening rules as a manager thinks of them: weekdays, weeks of the month, one exception.

`recurrence_build` writes the RFC 5545 text with dateutil's `rrule` objects;
`recurrence_read` reads it back into the same pattern, and says None for a rule
the form cannot express (an interval, an end date, an EXDATE written in the
admin). It never guesses: a pattern counts only if dateutil renders the rebuilt
rule exactly as it renders the stored one.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from dateutil.rrule import MONTHLY, WEEKLY, rrule, rrulestr
from dateutil.rrule import weekdays as RRULE_WEEKDAYS
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

# Weeks of the month a session can fall in; -1 is the last one.
WEEKS = (1, 2, 3, 4, 5, -1)
WEEK_LABELS = {
    1: pgettext_lazy("week of the month", "1er"),
    2: pgettext_lazy("week of the month", "2e"),
    3: pgettext_lazy("week of the month", "3e"),
    4: pgettext_lazy("week of the month", "4e"),
    5: pgettext_lazy("week of the month", "5e"),
    -1: pgettext_lazy("week of the month", "dernier"),
}
DAY_CODES = tuple(str(day) for day in RRULE_WEEKDAYS)  # MO … SU, Monday = 0 as in Python
# Rules are compared as dateutil renders them from one fixed start; the model adds its own.
_ANCHOR = datetime(2024, 1, 1)  # noqa: DTZ001  (rules count in naive local wall-clock time)
_BYDAY = re.compile(r"^([+-]?\d)?([A-Z]{2})$")


@dataclass(frozen=True)
class RulePattern:
    """Which days a session falls on. Weekdays count from Monday = 0."""

    weekdays: tuple[int, ...]
    # Empty: every week. Otherwise weeks of the month, 1 to 5, or -1 for the last.
    weeks: tuple[int, ...] = ()
    # "Except the 5th Wednesday of the month": both or neither.
    except_week: int | None = None
    except_weekday: int | None = None


def _week_order(week: int) -> int:
    return 6 if week < 0 else week


def _line(rule: rrule) -> str:
    # dateutil writes "DTSTART:…" then "RRULE:…"; the model supplies its own start.
    return str(rule).splitlines()[-1].removeprefix("RRULE:")


def recurrence_build(pattern: RulePattern) -> str:
    """The RFC 5545 text of a pattern, in the form `OpeningRule.recurrence` stores."""
    days = [RRULE_WEEKDAYS[d] for d in sorted(set(pattern.weekdays))]
    if pattern.weeks:
        weeks = sorted(set(pattern.weeks), key=_week_order)
        main = rrule(MONTHLY, byweekday=[d(n) for d in days for n in weeks], dtstart=_ANCHOR)
    else:
        main = rrule(WEEKLY, byweekday=days, dtstart=_ANCHOR)
    if pattern.except_week is None or pattern.except_weekday is None:
        return _line(main)
    day = RRULE_WEEKDAYS[pattern.except_weekday](pattern.except_week)
    exception = rrule(MONTHLY, byweekday=[day], dtstart=_ANCHOR)
    return f"RRULE:{_line(main)}\nEXRULE:{_line(exception)}"


def _lines(text: str) -> list[tuple[str, str]]:
    lines = []
    for raw in text.strip().splitlines():
        raw = raw.strip()
        if not raw:
            continue
        name, colon, value = raw.partition(":")
        if not colon:
            name, value = "RRULE", raw
        lines.append((name.strip().upper(), value.strip()))
    return lines


def _rendering(text: str) -> list[tuple[str, str]] | None:
    """How dateutil renders each line of `text`, or None if it cannot read one."""
    rendered = []
    for name, value in _lines(text):
        if name not in ("RRULE", "EXRULE"):
            return None
        try:
            rendered.append((name, str(rrulestr(value, dtstart=_ANCHOR))))
        except (ValueError, TypeError):
            return None
    return sorted(rendered)


def _byday(value: str) -> list[tuple[int | None, int]] | None:
    parts = dict(p.split("=", 1) for p in value.upper().split(";") if "=" in p)
    days = []
    for token in parts.get("BYDAY", "").split(","):
        found = _BYDAY.match(token.strip())
        if not found or found.group(2) not in DAY_CODES:
            return None
        week = int(found.group(1)) if found.group(1) else None
        days.append((week, DAY_CODES.index(found.group(2))))
    return days


def recurrence_read(text: str) -> RulePattern | None:
    """The pattern a stored rule expresses, or None if the form cannot show it."""
    lines = _lines(text or "")
    if not lines:
        return None
    mains = [value for name, value in lines if name == "RRULE"]
    exceptions = [value for name, value in lines if name == "EXRULE"]
    if len(mains) != 1 or len(exceptions) > 1:
        return None
    days = _byday(mains[0])
    if not days:
        return None
    weekdays = tuple(sorted({d for _w, d in days}))
    weeks = tuple(sorted({w for w, _d in days if w is not None}, key=_week_order))
    except_week = except_weekday = None
    if exceptions:
        excluded = _byday(exceptions[0])
        if not excluded or len(excluded) != 1 or excluded[0][0] is None:
            return None
        except_week, except_weekday = excluded[0]
    try:
        pattern = RulePattern(weekdays, weeks, except_week, except_weekday)
        rebuilt = recurrence_build(pattern)
    except (ValueError, TypeError, IndexError):
        return None
    original = _rendering(text)
    if original is None or _rendering(rebuilt) != original:
        return None
    return pattern


# --- in words ---------------------------------------------------------------------------


def _join(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return _("%(first)s et %(last)s") % {"first": ", ".join(items[:-1]), "last": items[-1]}


def _day(weekday: int) -> str:
    return str(WEEKDAYS[weekday])


def pattern_describe(pattern: RulePattern) -> str:
    """The days of a pattern in words, in the active language, without capital:
    « le 1er et le 3e jeudi du mois », « le mercredi, sauf le 5e mercredi du mois »."""
    if pattern.weeks:
        weeks = _join([_("le %(ordinal)s") % {"ordinal": WEEK_LABELS[w]} for w in pattern.weeks])
        text = _("%(weeks)s %(weekdays)s du mois") % {
            "weeks": weeks,
            "weekdays": _join([_day(d) for d in pattern.weekdays]),
        }
    else:
        text = _join([_("le %(weekday)s") % {"weekday": _day(d)} for d in pattern.weekdays])
    return text


def pattern_exception_describe(pattern: RulePattern) -> str:
    if pattern.except_week is None or pattern.except_weekday is None:
        return ""
    return _("sauf le %(ordinal)s %(weekday)s du mois") % {
        "ordinal": WEEK_LABELS[pattern.except_week],
        "weekday": _day(pattern.except_weekday),
    }
