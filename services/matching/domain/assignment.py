"""Exact optimum of a capacitated bipartite matching: most leaders paired first, then the highest total.

Edges carry integer micro-point scores. The lexicographic objective is one linear objective: every
paired leader is worth ``bonus`` (more than any total score) plus its score. Small cohorts with unit
capacities use a dense ``linear_sum_assignment``; everything else OR-Tools' maximum flow of minimum
cost (``solve_max_flow_with_min_cost``: the most pairs, then the best total among those), which
optimises the same objective with costs of the scores alone (a narrower cost range: fewer
cost-scaling phases). ``certify`` proves an optimum found on a pruned candidate graph is optimal on the
full graph, via dual potentials of the residual network.
"""

from __future__ import annotations

import numpy as np
from ortools.graph.python import min_cost_flow
from scipy.optimize import linear_sum_assignment

from .scoring import SCORE_SCALE

DENSE_LIMIT = 250_000  # leaders x juniors up to which a dense LAP beats building a sparse graph


def pairing_bonus(n_leaders: int) -> int:
    """Value of pairing one more leader: exceeds the largest possible total score."""
    return (n_leaders + 1) * SCORE_SCALE


def optimal_assignment(
    n_leaders: int, capacities: np.ndarray, li: np.ndarray, ji: np.ndarray, micro: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Indices (into the edge arrays) of the chosen edges of an optimal matching."""
    if len(li) == 0 or n_leaders == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if n_leaders * len(capacities) <= DENSE_LIMIT and np.all(capacities[np.unique(ji)] <= 1):
        return _dense_lap(n_leaders, len(capacities), li, ji, micro, pairing_bonus(n_leaders))
    return _min_cost_flow(n_leaders, capacities, li, ji, micro)


def _edge_positions(m: int, li, ji, rows, cols) -> np.ndarray:
    keys = li * m + ji
    order = np.argsort(keys, kind="stable")
    return order[np.searchsorted(keys[order], rows * m + cols)].astype(np.int64)


def _dense_lap(n: int, m: int, li, ji, micro, bonus):
    weights = np.zeros((n, m), dtype=np.float64)
    weights[li, ji] = bonus + micro
    rows, cols = linear_sum_assignment(weights, maximize=True)
    paired = weights[rows, cols] > 0
    chosen = _edge_positions(m, li, ji, rows[paired], cols[paired])
    return chosen, np.ones(len(chosen), dtype=np.int64)


def _min_cost_flow(n: int, capacities: np.ndarray, li, ji, micro):
    m = len(capacities)
    source, sink = n + m, n + m + 1
    flow = min_cost_flow.SimpleMinCostFlow()
    tails = np.concatenate([np.full(n, source), li, n + np.arange(m)])
    heads = np.concatenate([np.arange(n), n + ji, np.full(m, sink)])
    caps = np.concatenate([np.ones(n + len(li), dtype=np.int64), capacities.astype(np.int64)])
    costs = np.concatenate([np.zeros(n, np.int64), -np.asarray(micro, np.int64), np.zeros(m, np.int64)])
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    flow.set_node_supply(source, n)
    flow.set_node_supply(sink, -n)
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    flows = flow.flows(np.arange(n, n + len(li)))
    chosen = np.flatnonzero(flows > 0)
    return chosen.astype(np.int64), flows[chosen].astype(np.int64)


def certify(
    n_leaders: int,
    capacities: np.ndarray,
    li: np.ndarray,
    ji: np.ndarray,
    micro: np.ndarray,
    chosen: np.ndarray,
    max_rounds: int = 2000,
    start: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Dual potentials ``(leader_pot, junior_pot)`` proving ``chosen`` optimal on the candidate graph.

    Any edge (i, j) left out of the candidate graph cannot improve the matching when
    ``bonus + score(i, j) <= leader_pot[i] - junior_pot[j]`` (non-negative reduced cost).
    Returns None if Bellman-Ford does not settle within ``max_rounds`` (the caller falls back).
    ``start`` (potentials of an earlier, smaller graph) warm-starts the relaxation: any start converges
    to valid potentials when the residual network has no negative cycle, a near-valid one in few rounds.
    """
    n, m = n_leaders, len(capacities)
    hub = n + m
    weight = pairing_bonus(n) + micro
    used = np.zeros(len(li), dtype=bool)
    used[chosen] = True
    matched = np.zeros(n, dtype=bool)
    matched[li[used]] = True
    load = np.bincount(ji[used], minlength=m)
    leaders, juniors = np.arange(n), np.arange(m)
    tails = np.concatenate(
        [
            np.where(used, n + ji, li),
            np.where(matched, leaders, hub),
            n + juniors[load < capacities],
            np.full(int((load > 0).sum()), hub),
        ]
    )
    heads = np.concatenate(
        [
            np.where(used, li, n + ji),
            np.where(matched, hub, leaders),
            np.full(int((load < capacities).sum()), hub),
            n + juniors[load > 0],
        ]
    )
    costs = np.concatenate([np.where(used, weight, -weight), np.zeros(len(tails) - len(li), np.int64)])
    order = np.argsort(heads, kind="stable")
    tails, heads, costs = tails[order], heads[order], costs[order]
    starts = np.flatnonzero(np.r_[True, heads[1:] != heads[:-1]])
    targets = heads[starts]
    potential = np.zeros(hub + 1, dtype=np.int64)
    if start is not None:
        potential[:n], potential[n:hub] = start
    for _ in range(max_rounds):
        best = np.minimum.reduceat(potential[tails] + costs, starts)
        improved = best < potential[targets]
        if not improved.any():
            return potential[:n], potential[n:hub]
        potential[targets[improved]] = best[improved]
    return None
