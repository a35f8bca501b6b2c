"""The statistics benchmark at a tiny size: its seeding keeps every constraint of the
migrations and runs once, the month compiles, the ceiling's bare SQL counts exactly the
figures the compile stored, and the nightly expiry's due passes can be put back."""

from datetime import date, datetime

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from bench.stats_runs import expiry_bare, expiry_reset
from bench.stats_sql import bare_figures, stored_figures
from counter.models import Visit
from demo.bench.stats import SeedMismatch, StatsSize, stats_seed
from network.models import Organisation
from passes.models import AccessPass, Household
from passes.services import passes_expire_due
from reports.services import month_compile

TODAY = date(2026, 12, 2)
NIGHT = datetime(2026, 12, 2, 3, tzinfo=timezone.get_default_timezone())


def test_the_world_is_seeded_once_and_its_month_counts_the_same_in_bare_sql(postgres):
    size = StatsSize.tiny()
    seeded = stats_seed(size=size, today=TODAY)
    again = stats_seed(size=size, today=TODAY)

    assert not seeded.already and again.already and again.counts == seeded.counts
    assert seeded.month == date(2026, 11, 1)
    counts = seeded.counts
    assert (counts["services"], counts["conventions"], counts["households"]) == (12, 10, 600)
    assert abs(counts["visits"] - size.visits) < size.visits / 10
    assert 0.85 < counts["visits_accepted"] / counts["visits"] < 0.95
    assert all(counts[k] for k in ("vouchers", "sales", "parcels", "passes_due", "members"))
    kinds = set(Organisation.objects.filter(kind="service").values_list("service_kind", flat=True))
    assert kinds == {"shop", "coop", "food_aid", "restaurant", "vestiaire", "other"}
    sizes = Household.objects.annotate(n=Count("members")).values_list("n", flat=True)
    assert set(sizes) == {0, 1, 2, 3, 4, 5}
    recorded = Household.objects.filter(persons_with_disability__isnull=False).count()
    assert 0.05 < recorded / counts["households"] < 0.15
    assert Visit.objects.filter(at__date__gte=TODAY).count() == 0
    with pytest.raises(SeedMismatch):
        stats_seed(size=StatsSize(households=601, visits=6000), today=TODAY)

    compiled = month_compile(month=seeded.month, now=NIGHT)
    with connection.cursor() as cursor:
        stored = stored_figures(cursor, compiled.report.pk)
        bare = bare_figures(cursor, seeded.month, NIGHT, settings)

    assert sum(stored.values()) == compiled.figures
    assert bare == stored
    indicators = {key for _convention, _service, key, _detail, _value in stored}
    assert {
        "visits_accepted",
        "visits_refused",
        "visits_week",
        "meals",
        "uses",
        "vouchers_used",
        "households",
        "persons_band",
        "persons_with_disability",
        "sales",
        "parcels",
        "passes_issued",
        "passes_active",
        "passes_expired",
        "quota",
        "covered",
    } <= indicators


def test_the_due_passes_expire_each_time_they_are_put_back(postgres):
    seeded = stats_seed(size=StatsSize.tiny(), today=TODAY)
    due = seeded.counts["passes_due"]
    ended = AccessPass.objects.filter(status="active", valid_until__lt=TODAY).count()

    assert due == ended
    assert passes_expire_due(today=TODAY) == due
    assert passes_expire_due(today=TODAY) == 0
    expiry_reset()
    with connection.cursor() as cursor:
        cursor.execute(expiry_bare(TODAY)[0])
        assert cursor.rowcount == due
    expiry_reset()
    assert passes_expire_due(today=TODAY) == due
