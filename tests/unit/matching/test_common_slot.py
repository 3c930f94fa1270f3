"""The common-slot rule: one contiguous stretch both people are free, a session long, each week; the
weekly-total overlap rule counts scattered half-hours, this one does not."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from services.matching.domain import (
    CONSTRAINTS,
    ProgramRules,
    Window,
    build_context,
    check_pairs,
    explain_leader,
    explain_pair,
    feasibility_matrix,
    solve,
)
from services.matching.domain.slots import longest_common_slot, merged, slot_starts

from .conftest import person

WEEKDAYS = range(5)
# Two half-hours a weekday in London (UTC in January): 5 hours a week, never an hour in a row.
FRAGMENTS = tuple(Window(day, start, start + 30) for day in WEEKDAYS for start in (9 * 60, 11 * 60))
# New York 04:00-07:00 EST is 09:00-12:00 UTC: every fragment falls inside it.
NEW_YORK_MORNINGS = tuple(Window(day, 4 * 60, 7 * 60) for day in WEEKDAYS)


def slot_rules(minutes: int | None, total_hours: float = 0.0, **kwargs) -> ProgramRules:
    return ProgramRules(min_timezone_overlap_hours=total_hours, min_common_slot_minutes=minutes, **kwargs)


def explained(leader, junior, rules):
    ctx = build_context([leader], [junior], rules)
    answer = explain_pair(leader.participant_id, junior.participant_id, ctx)
    assert bool(feasibility_matrix(ctx)[0, 0]) == answer["feasible"]
    return answer


def test_five_hours_of_half_hour_fragments_pass_the_weekly_total_but_not_a_one_hour_slot():
    leader = person("l", availability=FRAGMENTS)
    junior = person("j", "junior", timezone="America/New_York", availability=NEW_YORK_MORNINGS)

    assert explained(leader, junior, slot_rules(None, total_hours=5.0))["feasible"]
    assert explained(leader, junior, slot_rules(30, total_hours=5.0))["feasible"]
    answer = explained(leader, junior, slot_rules(60, total_hours=5.0))

    assert answer["feasible"] is False
    assert answer["violated"] == [
        {
            "constraint": "common_slot",
            "detail": "longest slot both are free 30 min/week < program session 60 min",
        }
    ]


def test_a_one_hour_slot_across_a_utc_midnight_passes():
    # London Mon 23:30-24:00 and Tue 00:00-00:30 touch; Tokyo Tue 08:30-09:30 is Mon 23:30-Tue 00:30 UTC.
    leader = person("l", availability=(Window(0, 23 * 60 + 30, 1440), Window(1, 0, 30)))
    junior = person("j", "junior", timezone="Asia/Tokyo", availability=(Window(1, 8 * 60 + 30, 9 * 60 + 30),))

    assert explained(leader, junior, slot_rules(60))["feasible"]
    assert explained(leader, junior, slot_rules(61))["violated"][0]["constraint"] == "common_slot"


def test_a_one_hour_slot_across_the_end_of_the_week_passes():
    # London Sun 23:30-24:00 and Mon 00:00-00:30; Sydney (UTC+11) Mon 10:30-11:30 is Sun 23:30-Mon 00:30 UTC.
    leader = person("l", availability=(Window(6, 23 * 60 + 30, 1440), Window(0, 0, 30)))
    junior = person(
        "j", "junior", timezone="Australia/Sydney", availability=(Window(0, 10 * 60 + 30, 11 * 60 + 30),)
    )

    assert explained(leader, junior, slot_rules(60))["feasible"]
    assert explained(leader, junior, slot_rules(90))["feasible"] is False


def test_a_window_past_local_midnight_is_one_slot():
    leader = person("l", availability=(Window(2, 23 * 60, 60),))
    junior = person("j", "junior", availability=(Window(2, 22 * 60, 1440), Window(3, 0, 2 * 60)))

    assert explained(leader, junior, slot_rules(120))["feasible"]


def test_the_slot_follows_daylight_saving_time_like_the_weekly_overlap():
    # London 13:00-14:00 and New York 09:00-10:00 meet only once the US is on EDT and the UK still on GMT.
    leader = person("l", availability=(Window(0, 13 * 60, 14 * 60),))
    junior = person("j", "junior", timezone="America/New_York", availability=(Window(0, 9 * 60, 10 * 60),))
    for reference, feasible in ((date(2027, 1, 11), False), (date(2027, 3, 15), True)):
        assert explained(leader, junior, slot_rules(60, reference_date=reference))["feasible"] is feasible


def test_the_rule_off_adds_nothing_to_check():
    ctx = build_context([person("l")], [person("j", "junior")], slot_rules(None))

    assert ctx.slot_l is None and ctx.slot_j is None
    assert set(check_pairs(ctx, np.array([0]), np.array([0]))) == set(CONSTRAINTS)
    assert solve(ctx).proposals[0].constraints_checked == CONSTRAINTS


def test_a_run_with_the_rule_checks_it_and_says_what_leaves_a_leader_unmatched():
    fragmented = person("l1", availability=FRAGMENTS)
    steady = person("l2", timezone="America/New_York", availability=NEW_YORK_MORNINGS)
    juniors = [person("j1", "junior", timezone="America/New_York", availability=NEW_YORK_MORNINGS)]
    ctx = build_context([fragmented, steady], juniors, slot_rules(60, total_hours=2.0))

    result = solve(ctx)

    assert [(p.leader_id, p.junior_id) for p in result.proposals] == [("l2", "j1")]
    assert result.proposals[0].constraints_checked == (*CONSTRAINTS, "common_slot")
    assert [(u.leader_id, u.reason, u.detail) for u in result.unmatched] == [
        ("l1", "no_feasible_junior", "of 1 juniors: common_slot rules out 1")
    ]
    assert explain_leader("l1", ctx)["ruled_out_by"] == {"common_slot": 1}
    assert check_pairs(ctx, np.array([0, 1]), np.array([0, 0]))["common_slot"].tolist() == [False, True]


@pytest.mark.parametrize(
    ("intervals", "expected"),
    [
        ([(60, 120), (120, 150), (100, 130)], [(60, 150)]),
        ([(0, 30), (10050, 10080)], [(10050, 10110)]),
        ([(0, 10080)], [(0, 10080)]),
        ([], []),
    ],
)
def test_touching_and_overlapping_intervals_merge_on_the_circular_week(intervals, expected):
    assert merged(intervals) == expected


def test_session_starts_are_the_minutes_a_whole_session_fits():
    assert slot_starts([(60, 120)], 60) == [(60, 61)]
    assert slot_starts([(60, 119)], 60) == []
    assert slot_starts([(0, 30), (10050, 10080)], 60) == [(10050, 10051)]
    assert slot_starts([(0, 30), (10050, 10080)], 40) == [(10050, 10071)]
    assert slot_starts([(0, 30), (10050, 10080)], 20) == [(10050, 10080), (0, 11)]
    assert slot_starts([(0, 10080)], 480) == [(0, 10080)]


def test_the_longest_common_slot_joins_across_the_end_of_the_week():
    assert longest_common_slot([(0, 40), (10040, 10080)], [(0, 30), (10000, 10080)]) == 70
    assert longest_common_slot([(0, 10080)], [(5, 10)]) == 5
    assert longest_common_slot([(0, 100)], [(200, 300)]) == 0
