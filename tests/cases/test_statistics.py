"""Statistics per service and department, and the percentile they use."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartgov.cases import services, statistics
from smartgov.kit import clock
from smartgov.tenancy.context import tenant_context
from tests.builders import SYSTEM
from tests.cases.builders import answers, make_world


def test_percentile_interpolates_between_ranks():
    assert statistics.percentile([], 50) is None
    assert statistics.percentile([3], 90) == 3
    assert statistics.percentile([1, 2, 3, 4], 50) == 2.5
    assert statistics.percentile(list(range(1, 11)), 90) == pytest.approx(9.1)


@given(st.lists(st.integers(0, 400), min_size=1, max_size=50))
def test_percentiles_stay_within_the_data_and_in_order(values):
    median, p90 = statistics.percentile(values, 50), statistics.percentile(values, 90)
    assert min(values) <= median <= p90 <= max(values)


@pytest.mark.django_db
def test_figures_per_service_and_department():
    with clock.frozen_at(datetime(2026, 3, 1, 2, 0, tzinfo=UTC)):
        world = make_world()
    t, cw = world.tenant, world.caseworker
    with clock.frozen_at(datetime(2026, 3, 2, 2, 0, tzinfo=UTC)), tenant_context(t):  # Monday
        first = services.submit(SYSTEM, t, services.start(SYSTEM, t, world.citizen, world.service.pk), answers(world))
        second = services.submit(SYSTEM, t, services.start(SYSTEM, t, world.citizen, world.service.pk), answers(world))
        services.submit(SYSTEM, t, services.start(SYSTEM, t, world.citizen, world.service.pk), answers(world))
        services.act(SYSTEM, t, first, cw, "accept")
        services.act(SYSTEM, t, second, cw, "accept")
    with clock.frozen_at(datetime(2026, 3, 4, 2, 0, tzinfo=UTC)), tenant_context(t):  # Wednesday: 2 days
        services.decide(SYSTEM, t, first, cw, "approve", "ok")
    with clock.frozen_at(datetime(2026, 3, 20, 2, 0, tzinfo=UTC)), tenant_context(t):  # 14 days: late
        services.decide(SYSTEM, t, second, cw, "reject", "no", "area")
    with tenant_context(t):
        stats = statistics.compute(t)
    (row,) = stats["services"]
    assert (row.submissions, row.completed) == (3, 2)
    assert row.median_days == 8 and row.p90_days == pytest.approx(12.8)
    assert row.on_time_rate == 0.5 and row.online_share == 1.0 and row.visits_required == 0
    assert row.wallet_reuse == 2  # the lease filed with the first submission was re-used twice
    (dept,) = stats["departments"]
    assert dept.key == "market-regulation" and dept.submissions == 3
