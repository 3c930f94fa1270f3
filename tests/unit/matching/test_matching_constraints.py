"""Each hard constraint forbids pairs, densely and pair by pair, with a readable reason."""

from __future__ import annotations

import numpy as np

from services.matching.domain import (
    Exclusion,
    ProgramRules,
    Window,
    build_context,
    build_org_index,
    check_pairs,
    explain_pair,
    feasibility_matrix,
)
from services.matching.domain.orgchart import related, related_pairs

from .conftest import person


def violated(leader, junior, rules, **kwargs):
    ctx = build_context([leader], [junior], rules, **kwargs)
    answer = explain_pair(leader.participant_id, junior.participant_id, ctx)
    assert bool(feasibility_matrix(ctx)[0, 0]) == answer["feasible"]
    return {v["constraint"] for v in answer.get("violated", [])}


def test_a_well_suited_pair_is_feasible(rules):
    assert violated(person("l"), person("j", "junior"), rules) == set()


def test_junior_reporting_to_the_leader_is_forbidden(rules):
    leader = person("l", employee_id="E1")
    junior = person("j", "junior", employee_id="E3")
    chart = {"E1": None, "E2": "E1", "E3": "E2"}
    assert violated(leader, junior, rules, manager_of=chart) == {"reporting_chain"}


def test_junior_above_the_leader_in_the_chain_is_forbidden(rules):
    leader = person("l", employee_id="E3", level=12)
    junior = person("j", "junior", employee_id="E1", level=1)
    chart = {"E1": None, "E2": "E1", "E3": "E2"}
    assert violated(leader, junior, rules, manager_of=chart) == {"reporting_chain"}


def test_colleagues_in_sibling_branches_may_pair(rules):
    chart = {"E1": None, "E2": "E1", "E3": "E1", "E4": "E3"}
    leader = person("l", employee_id="E2")
    junior = person("j", "junior", employee_id="E4")
    assert violated(leader, junior, rules, manager_of=chart) == set()


def test_a_deep_chain_is_forbidden_at_every_distance(rules):
    chart = {f"E{k}": (f"E{k - 1}" if k else None) for k in range(40)}
    leader = person("l", employee_id="E0")
    juniors = [person(f"j{k}", "junior", employee_id=f"E{k}") for k in range(1, 40)]
    ctx = build_context([leader], juniors, rules, manager_of=chart)
    assert not feasibility_matrix(ctx).any()
    answer = explain_pair("l", "j39", ctx)
    assert "39 level(s) above" in answer["violated"][0]["detail"]


def test_a_management_cycle_is_reported_and_treated_as_one_chain(rules):
    chart = {"E1": "E2", "E2": "E3", "E3": "E1", "E4": "E1", "E9": None}
    index = build_org_index(chart)
    assert [i.issue for i in index.issues] == ["cycle"]
    leader = person("l", employee_id="E4")
    junior = person("j", "junior", employee_id="E2")
    assert violated(leader, junior, rules, manager_of=chart) == {"reporting_chain"}
    outsider = person("o", "junior", employee_id="E9")
    assert violated(leader, outsider, rules, manager_of=chart) == set()


def test_unknown_managers_are_reported_not_fatal(rules):
    index = build_org_index({"E1": "E404"})
    assert [(i.employee_id, i.issue) for i in index.issues] == [("E1", "unknown_manager")]
    leader = person("l", employee_id="E404")
    junior = person("j", "junior", employee_id="E1")
    assert violated(leader, junior, rules, manager_of={"E1": "E404"}) == {"reporting_chain"}


def test_sparse_reporting_chain_pairs_equal_the_interval_test():
    rng = np.random.default_rng(3)
    chart = {f"E{k}": (f"E{rng.integers(0, k)}" if k else None) for k in range(300)}
    index = build_org_index(chart)
    leaders = [f"E{k}" for k in rng.choice(300, 40, replace=False)]
    juniors = [f"E{k}" for k in rng.choice(300, 60, replace=False)]
    tl, ol = index.intervals(leaders)
    tj, oj = index.intervals(juniors)
    dense = related(tl[:, None], ol[:, None], tj[None, :], oj[None, :])
    rows, cols = related_pairs(tl, ol, tj, oj)
    sparse = np.zeros_like(dense)
    sparse[rows, cols] = True
    assert (dense == sparse).all() and dense.any()
    assert len(rows) == int(dense.sum())


def test_seniority_gap_below_the_program_minimum_is_forbidden(rules):
    assert violated(person("l", level=6), person("j", "junior", level=4), rules) == {"seniority_gap"}
    assert violated(person("l", level=7), person("j", "junior", level=4), rules) == set()


def test_pairs_without_a_shared_language_are_forbidden(rules):
    assert violated(person("l", languages=("de",)), person("j", "junior", languages=("pt-BR",)), rules) == {
        "shared_language"
    }


def test_program_languages_restrict_the_shared_language():
    rules = ProgramRules(languages=("en",))
    leader = person("l", languages=("pt", "en"))
    assert violated(leader, person("j", "junior", languages=("pt-BR",)), rules) == {"shared_language"}


def test_too_little_weekly_overlap_is_forbidden(rules):
    junior = person("j", "junior", timezone="Australia/Sydney", availability=(Window(0, 9 * 60, 12 * 60),))
    assert violated(person("l"), junior, rules) == {"availability_overlap"}


def test_excluded_pairs_are_forbidden(rules):
    leader, junior = person("l"), person("j", "junior")
    for reason in ("previous_pair", "declined", "conflict"):
        exclusions = [Exclusion(leader.employee_id, junior.employee_id, reason, "x")]
        assert violated(leader, junior, rules, exclusions=exclusions) == {"exclusion"}


def test_missing_consent_withdrawal_and_no_capacity_are_forbidden(rules):
    assert violated(person("l", consent_matching=False), person("j", "junior"), rules) == {"consent"}
    assert violated(person("l"), person("j", "junior", status="withdrawn"), rules) == {"status"}
    assert violated(person("l"), person("j", "junior", capacity=0), rules) == {"capacity"}


def test_pairwise_checks_agree_with_the_dense_matrix(rules):
    rng = np.random.default_rng(5)
    leaders = [
        person(f"l{i}", level=int(rng.integers(5, 12)), languages=("en",) if i % 3 else ("de",))
        for i in range(12)
    ]
    juniors = [
        person(
            f"j{j}",
            "junior",
            level=int(rng.integers(1, 6)),
            timezone=["Europe/London", "Asia/Kolkata"][j % 2],
        )
        for j in range(15)
    ]
    ctx = build_context(leaders, juniors, rules)
    li, ji = np.meshgrid(np.arange(12), np.arange(15), indexing="ij")
    checks = check_pairs(ctx, li.ravel(), ji.ravel())
    combined = np.logical_and.reduce(list(checks.values())).reshape(12, 15)
    assert (combined == feasibility_matrix(ctx)).all()
    assert 0 < combined.sum() < combined.size
