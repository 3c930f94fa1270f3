"""Property tests of the common-slot rule against a minute-by-minute brute force of the week: the cohort
check (segment matmul), the pair check and the explanation agree with it, and no proposal breaks it."""

from __future__ import annotations

from datetime import date

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.matching.domain import (
    ProgramRules,
    Window,
    build_context,
    check_pairs,
    feasibility_matrix,
    solve,
)
from services.matching.domain.availability import WEEK_MINUTES, reference_monday, utc_intervals
from services.matching.domain.slots import pair_longest_slot

from .conftest import person

# whole-hour, half-hour and 45-minute offsets, both hemispheres' daylight saving time
ZONES = ("UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "Asia/Kathmandu")
# plain weeks, and the weeks the US (14 March 2027) and Europe (28 March 2027) move their clocks
REFERENCE_DATES = (date(2027, 1, 11), date(2027, 3, 8), date(2027, 3, 22), date(2027, 10, 4))
SESSIONS = (15, 30, 45, 60, 90, 120, 480)


def longest_by_minutes(first, second, monday: date) -> int:
    """The longest run of minutes both are free, walking the circular week minute by minute."""
    free = np.ones(WEEK_MINUTES, dtype=bool)
    for someone in (first, second):
        mine = np.zeros(WEEK_MINUTES, dtype=bool)
        for start, end in utc_intervals(someone.availability, someone.timezone, monday):
            mine[start:end] = True
        free &= mine
    if free.all():
        return WEEK_MINUTES
    rolled = np.roll(free, -int(np.flatnonzero(~free)[0]))  # start on a busy minute: no run wraps
    edges = np.flatnonzero(np.diff(np.concatenate([[0], rolled.astype(np.int8), [0]])))
    return int((edges[1::2] - edges[::2]).max(initial=0))


@st.composite
def windows(draw):
    def window():
        start = draw(st.integers(0, 95)) * 15
        length = draw(st.integers(1, 48)) * 15
        return Window(draw(st.integers(0, 6)), start, (start + length) % 1440 or 1440)

    return tuple(window() for _ in range(draw(st.integers(0, 5))))


@st.composite
def cohorts(draw):
    def someone(pid, role):
        return person(
            pid, role, timezone=draw(st.sampled_from(ZONES)), availability=draw(windows()),
            capacity=None if role == "leader" else draw(st.integers(1, 2)),
        )  # fmt: skip

    leaders = [someone(f"l{i}", "leader") for i in range(draw(st.integers(1, 4)))]
    juniors = [someone(f"j{j}", "junior") for j in range(draw(st.integers(1, 4)))]
    rules = ProgramRules(
        min_timezone_overlap_hours=0.0,
        min_common_slot_minutes=draw(st.sampled_from(SESSIONS)),
        reference_date=draw(st.sampled_from(REFERENCE_DATES)),
    )
    return leaders, juniors, rules


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohorts())
def test_every_check_of_the_slot_rule_agrees_with_a_minute_by_minute_walk_of_the_week(cohort):
    leaders, juniors, rules = cohort
    ctx = build_context(leaders, juniors, rules)
    monday = reference_monday(rules.reference_date)
    longest = np.array(
        [[longest_by_minutes(ctx.leaders[i], ctx.juniors[j], monday) for j in range(len(juniors))]
         for i in range(len(leaders))]
    )  # fmt: skip
    li, ji = (a.ravel() for a in np.indices(longest.shape))

    assert (
        check_pairs(ctx, li, ji)["common_slot"] == (longest.ravel() >= rules.min_common_slot_minutes)
    ).all()
    assert (feasibility_matrix(ctx) == (longest >= rules.min_common_slot_minutes)).all()
    for i, j in zip(li.tolist(), ji.tolist(), strict=True):
        assert pair_longest_slot(ctx.leaders[i], ctx.juniors[j], monday) == longest[i, j]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohorts(), st.sampled_from([None, 1]))
def test_no_proposal_lacks_a_common_slot_of_the_session_length(cohort, per_leader):
    leaders, juniors, rules = cohort
    ctx = build_context(leaders, juniors, rules)
    monday = reference_monday(rules.reference_date)

    result = solve(ctx, candidates_per_leader=per_leader)

    feasible_leaders = int(feasibility_matrix(ctx).any(axis=1).sum())
    assert result.matched_count <= feasible_leaders
    for proposal in result.proposals:
        leader = ctx.leaders[ctx.leader_index[proposal.leader_id]]
        junior = ctx.juniors[ctx.junior_index[proposal.junior_id]]
        assert longest_by_minutes(leader, junior, monday) >= rules.min_common_slot_minutes
        assert "common_slot" in proposal.constraints_checked
