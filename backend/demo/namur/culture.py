"""The demo's convention outside food: Article 27 tickets for culture.

A household pays 1,25 € for a show, a film or a museum at a venue partner of
Article 27; the convention covers the rest, up to twelve tickets and 75 € a year
(25 € more for each other person). At the box office the volunteer scans the card
and records the amount covered and the ticket's reference.

The uses stay before the current week and month (`history_ends`), inside the year
of the passes, so the cards offered to try today have most of their year left.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from counter.models import Visit
from counter.services import UseRecorded, visit_record
from demo.namur.history import card_code, day_of, demo_passes, history_ends, real_sessions
from demo.namur.organisations import DemoNetwork
from network.models import Organisation, User
from schedules.selectors import Session

ARTICLE_27 = "article-27-namur"
VOLUNTEER = "benevole.article27"
HISTORY_WEEKS = 8
# Namur's venues and what the convention covers for one ticket there, in cents.
VENUES = [
    ("Théâtre royal de Namur", 875),
    ("Caméo (cinéma)", 475),
    ("Musée Félicien Rops", 350),
    ("Delta (espace culturel)", 650),
    ("Citadelle de Namur", 525),
]
FIRST_TICKET = 4127


def culture_load(demo: DemoNetwork) -> None:
    """The Article 27 uses of the last weeks, the first time only."""
    service = demo.orgs[ARTICLE_27]
    if Visit.objects.filter(service=service).exists():
        return
    used = culture_history_load(demo, service, demo.users[VOLUNTEER], history_ends(demo.today))
    if not used:
        demo.notes.append(
            "Article 27 has no uses in its history: no card opening it was valid in "
            "the weeks before this week and this month."
        )


def culture_history_load(
    demo: DemoNetwork, service: Organisation, volunteer: User, ends: date
) -> int:
    """Every other week each demo household with a card goes out once; returns the uses."""
    begins = max(ends - timedelta(weeks=HISTORY_WEEKS), ends.replace(month=1, day=1))
    weeks: dict[date, list[Session]] = defaultdict(list)
    for session in real_sessions(service, begins, ends):
        day = day_of(session)
        weeks[day - timedelta(days=day.weekday())].append(session)
    planned = []
    for week_number, monday in enumerate(sorted(weeks)):
        sessions = weeks[monday]
        for number, access_pass in enumerate(demo_passes(service)):
            if (number + week_number) % 2:
                continue
            session = sessions[(2 * number + week_number) % len(sessions)]
            if access_pass.is_valid_on(day_of(session)):
                arrives = session.starts + timedelta(minutes=30 + 17 * (number % 10))
                planned.append((arrives, access_pass))
    used = 0
    for moment, access_pass in sorted(planned, key=lambda p: p[0]):
        venue, cents = VENUES[used % len(VENUES)]
        verdict = visit_record(
            text=card_code(access_pass),
            service=service,
            user=volunteer,
            idempotency_key=f"demo-a27-{service.pk}-{access_pass.pk}-{moment:%Y%m%d}",
            moment=moment,
            use=UseRecorded(cents, f"{venue} n° {FIRST_TICKET + used}"),
        )
        if verdict.accepted:
            used += 1
        else:
            demo.notes.append(
                f"no Article 27 use for {access_pass.household.first_name} on "
                f"{moment:%d/%m/%Y}: {verdict.visit.reason}"
            )
    return used
