"""A match run: candidates from scores and constraints, a certified global optimum, explained proposals.

Objective: pair as many leaders as possible, then maximise the total score (exact integer micro-points).
Large cohorts keep each leader's top-K feasible juniors; the optimum on that candidate graph is then
proved optimal for the full graph with dual potentials (``assignment.certify``); leaders whose pruned
juniors could still improve it get those juniors added and the problem is re-solved, so pruning never
costs optimality. Determinism: participants are ordered by participant id, and ties between equally
optimal matchings are broken by a seed-derived permutation of that order (same inputs + seed → same run).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from shared.records import pick

from .assignment import certify, optimal_assignment, pairing_bonus
from .candidates import Candidates, generate, improving_pairs
from .constraints import blocking_counts
from .context import MatchContext
from .model import constraints_checked
from .orgchart import OrgIssue
from .scoring import SCORE_SCALE, component_scores

DEFAULT_CANDIDATES = 32
MAX_REPAIR_ROUNDS = 6
REPAIR_MARGIN = SCORE_SCALE // 50  # also add pairs within 0.02 of improving: fewer repair rounds
WARM_CHECK_ROUNDS = 32  # relaxation rounds before a repair re-solves instead of re-checking


@dataclass(frozen=True)
class Proposal:
    """One proposed pairing with its explanation."""

    leader_id: str
    junior_id: str
    score: float
    components: dict[str, float]
    weights: dict[str, float]
    constraints_checked: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        record = pick(self, "leader_id", "junior_id", "score", "components", "weights")
        return {**record, "constraints_checked": list(self.constraints_checked)}


@dataclass(frozen=True)
class Unmatched:
    """A leader left for the waitlist: not_eligible, no_feasible_junior, capacity_exhausted or
    lost_to_better_global_assignment."""

    leader_id: str
    reason: str
    detail: str


@dataclass(frozen=True)
class MatchResult:
    proposals: tuple[Proposal, ...]
    unmatched: tuple[Unmatched, ...]
    total_score: float
    seed: int
    org_issues: tuple[OrgIssue, ...] = ()
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def matched_count(self) -> int:
        return len(self.proposals)


def _solve_certified(ctx, cand: Candidates, capacities, seed, stats):
    """Optimum on the candidate graph, then proof (or repair) that it is optimal for the full cohort.

    A repair first adds the left-out pairs that could improve the optimum and re-checks the current
    optimum on the enlarged graph with warm-started potentials; only when that check fails (a
    negative cycle: the new pairs do improve it) is the enlarged graph solved again.
    """
    n, m = len(ctx.leaders), len(ctx.juniors)
    rng = np.random.default_rng(seed)
    perm_l, perm_j = rng.permutation(n), rng.permutation(m)
    bonus = pairing_bonus(n)
    caps_perm = np.empty_like(capacities)
    caps_perm[perm_j] = capacities
    solves = 0

    def solve_candidates():
        order = np.lexsort((perm_j[cand.ji], perm_l[cand.li]))
        cand.li, cand.ji, cand.micro = cand.li[order], cand.ji[order], cand.micro[order]
        chosen, _ = optimal_assignment(n, caps_perm, perm_l[cand.li], perm_j[cand.ji], cand.micro)
        return chosen

    chosen = solve_candidates()
    solves += 1
    stats["rounds"] = 1
    if not cand.pruned:
        stats["certified"] = "complete candidate graph"
        return cand, chosen
    potentials = certify(n, caps_perm, perm_l[cand.li], perm_j[cand.ji], cand.micro, chosen)
    for _ in range(MAX_REPAIR_ROUNDS):
        if potentials is None:
            break
        extra = improving_pairs(cand, bonus, potentials[0][perm_l], potentials[1][perm_j], REPAIR_MARGIN)
        if len(extra[0]) == 0:
            stats["certified"] = "dual potentials"
            stats["solves"] = solves
            return cand, chosen
        cand.add(*extra)
        stats.setdefault("edges_added", []).append(len(extra[0]))
        stats["rounds"] += 1
        edges = (n, caps_perm, perm_l[cand.li], perm_j[cand.ji], cand.micro)
        potentials = certify(*edges, chosen, max_rounds=WARM_CHECK_ROUNDS, start=potentials)
        if potentials is None:  # the new pairs improve the optimum: solve again
            chosen = solve_candidates()
            solves += 1
            potentials = certify(n, caps_perm, perm_l[cand.li], perm_j[cand.ji], cand.micro, chosen)
    stats["certified"] = "fallback to every feasible pair"
    return _solve_certified(ctx, generate(ctx, None), capacities, seed, stats)


def solve(
    ctx: MatchContext,
    seed: int = 0,
    candidates_per_leader: int | None = DEFAULT_CANDIDATES,
    candidates_per_junior: int | None = None,
) -> MatchResult:
    """Propose the globally optimal pairing of the cohort, each proposal explained.

    ``candidates_per_leader=None`` solves on every feasible pair (no pruning). Each junior keeps its
    ``candidates_per_junior`` best leaders too (default: ``candidates_per_leader`` per place of the
    largest capacity; 0: none).
    """
    timings: dict[str, float] = {}
    started = time.perf_counter()
    n, m = len(ctx.leaders), len(ctx.juniors)
    capacities = np.where(ctx.eligible_j, ctx.capacity_j, 0)
    per_junior = candidates_per_junior
    if per_junior is None and candidates_per_leader is not None and m:
        # a junior with k places wants k times the leaders in its list
        per_junior = candidates_per_leader * max(1, int(capacities.max()))
    cand = generate(ctx, candidates_per_leader, per_junior)
    timings["candidates"] = time.perf_counter() - started
    stats: dict[str, Any] = {"leaders": n, "juniors": m, "feasible_pairs": int(cand.feasible_count.sum())}
    stats["candidate_edges"] = len(cand.li)
    mark = time.perf_counter()
    if n and m:
        cand, chosen = _solve_certified(ctx, cand, capacities, seed, stats)
    else:
        chosen = np.zeros(0, dtype=np.int64)
    timings["solve"] = time.perf_counter() - mark
    mark = time.perf_counter()
    li, ji, micro = cand.li[chosen], cand.ji[chosen], cand.micro[chosen]
    order = np.argsort(li, kind="stable")
    li, ji, micro = li[order], ji[order], micro[order]
    components = component_scores(ctx, li, ji, shares_language=np.ones(len(li), dtype=bool))
    weights = ctx.rules.weights.as_dict()
    checked = constraints_checked(ctx.rules)
    rounded = {name: np.round(values, 6).tolist() for name, values in components.items()}
    proposals = tuple(
        Proposal(
            leader_id=ctx.leaders[i].participant_id,
            junior_id=ctx.juniors[j].participant_id,
            score=s / SCORE_SCALE,
            components={name: rounded[name][k] for name in rounded},
            weights=weights,
            constraints_checked=checked,
        )
        for k, (i, j, s) in enumerate(zip(li.tolist(), ji.tolist(), micro.tolist(), strict=True))
    )
    unmatched = _unmatched(ctx, li, ji, cand.feasible_count, capacities)
    timings["explain"] = time.perf_counter() - mark
    stats["timings_s"] = timings
    return MatchResult(
        proposals=proposals,
        unmatched=unmatched,
        total_score=int(micro.sum()) / SCORE_SCALE,
        seed=seed,
        org_issues=ctx.org.issues,
        stats=stats,
    )


def _unmatched(ctx, li, ji, feasible_count, capacities) -> tuple[Unmatched, ...]:
    paired = np.zeros(len(ctx.leaders), dtype=bool)
    paired[li] = True
    waiting = np.flatnonzero(~paired)
    if not len(waiting):
        return ()
    scarce = int(capacities.sum()) < int((feasible_count > 0).sum())
    nothing = waiting[(feasible_count[waiting] == 0) & ctx.eligible_l[waiting]]
    blocking = blocking_counts(ctx, nothing) if len(nothing) else {}
    position = {int(i): k for k, i in enumerate(nothing)}
    out = []
    for i in waiting.tolist():
        leader = ctx.leaders[i].participant_id
        if not ctx.eligible_l[i]:
            detail = "; ".join(d for _, d in ctx.person_issues_l[i])
            out.append(Unmatched(leader, "not_eligible", detail))
        elif feasible_count[i] == 0:
            k = position[i]
            worst = sorted(((int(v[k]), c) for c, v in blocking.items() if v[k]), reverse=True)
            detail = ", ".join(f"{c} rules out {v}" for v, c in worst) or "no eligible junior"
            out.append(Unmatched(leader, "no_feasible_junior", f"of {len(ctx.juniors)} juniors: {detail}"))
        else:
            detail = f"all {int(feasible_count[i])} feasible juniors are at capacity in the optimum"
            reason = "capacity_exhausted" if scarce else "lost_to_better_global_assignment"
            out.append(Unmatched(leader, reason, detail))
    return tuple(out)
