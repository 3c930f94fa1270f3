"""Org chart: reporting chains, sub-trees, cycles and unknown managers reported (never looping), diffs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.intake.domain import OrgChart, diff_org_charts

CHART = {
    "CEO": None,
    "CMO": "CEO",
    "CFO": "CEO",
    "M1": "CMO",
    "M2": "CMO",
    "J1": "M1",
    "J2": "M1",
    "J3": "M2",
    "F1": "CFO",
}


def test_reporting_chain_lists_managers_nearest_first():
    chart = OrgChart(CHART)
    assert chart.reporting_chain("J1") == ["M1", "CMO", "CEO"]
    assert chart.reporting_chain("CEO") == []
    assert chart.reporting_chain("nobody") == []


def test_subtree_holds_direct_and_indirect_reports_only():
    chart = OrgChart(CHART)
    assert chart.subtree("CMO") == {"M1", "M2", "J1", "J2", "J3"}
    assert chart.subtree("J1") == set()
    assert chart.direct_reports("M1") == ["J1", "J2"]


def test_same_line_is_true_up_and_down_the_chain_but_not_across_it():
    chart = OrgChart(CHART)
    assert chart.in_same_line("J1", "CEO")
    assert chart.in_same_line("CMO", "J3")
    assert not chart.in_same_line("J1", "J3")
    assert not chart.in_same_line("F1", "J1")


def test_healthy_chart_has_no_problems():
    assert OrgChart(CHART).problems() == []


def test_cycles_are_reported_once_each_and_walks_terminate():
    chart = OrgChart({"A": "B", "B": "C", "C": "A", "D": "A", "S": "S", "ROOT": None})
    problems = chart.problems()
    cycles = [p for p in problems if p.kind == "cycle"]
    assert sorted(p.members for p in cycles) == [("A", "B", "C"), ("S",)]
    assert "their own manager" in next(p.detail for p in cycles if p.members == ("S",))
    assert chart.reporting_chain("D") == ["A", "B", "C"]
    assert chart.subtree("A") == {"B", "C", "D"}


def test_unknown_managers_are_reported_and_kept_in_the_chain():
    chart = OrgChart({"J1": "M9", "M1": None})
    problems = chart.problems()
    assert [(p.kind, p.employee_id) for p in problems] == [("unknown_manager", "J1")]
    assert "M9" in problems[0].detail
    assert chart.reporting_chain("J1") == ["M9"]


@given(st.dictionaries(st.sampled_from("ABCDEFGH"), st.one_of(st.none(), st.sampled_from("ABCDEFGHIJ"))))
def test_any_chart_is_analysed_without_crashing_and_chains_never_repeat(managers):
    chart = OrgChart(managers)
    problems = chart.problems()
    for employee in managers:
        chain = chart.reporting_chain(employee)
        assert len(chain) == len(set(chain))
        assert employee not in chart.subtree(employee)
    cycle_members = [m for p in problems if p.kind == "cycle" for m in p.members]
    assert len(cycle_members) == len(set(cycle_members))


def test_deep_chain_of_ten_thousand_does_not_recurse():
    managers = {f"E{i}": (f"E{i - 1}" if i else None) for i in range(10_000)}
    chart = OrgChart(managers)
    assert len(chart.reporting_chain("E9999")) == 9999
    assert len(chart.subtree("E0")) == 9999
    assert chart.problems() == []


def test_diff_lists_new_and_moved_employees_and_removed_ones_separately():
    old = {"A": None, "B": "A", "C": "A", "D": "B"}
    new = {"A": None, "B": "A", "C": "B", "E": None}
    diff = diff_org_charts(old, new)
    assert diff.upserted == {"C": "B", "E": None}
    assert diff.removed == ("D",)
    events = diff.events()
    assert [(e.type, e.key, e.data) for e in events] == [
        ("mentoring.orgchart.employee_upserted.v1", "C", {"employee_id": "C", "manager_id": "B"}),
        ("mentoring.orgchart.employee_upserted.v1", "E", {"employee_id": "E", "manager_id": None}),
    ]
    assert events[0].topic == "mentoring.orgchart.v1"


@pytest.mark.parametrize("chart", [{}, CHART])
def test_identical_charts_diff_to_nothing(chart):
    diff = diff_org_charts(chart, dict(chart))
    assert diff.events() == [] and diff.removed == ()


def test_upsert_events_match_the_published_schema():
    event = diff_org_charts({}, {"E000123": "E000042"}).events()[0]
    assert event.schema().validate(event.data) == {}
