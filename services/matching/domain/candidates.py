"""Candidate pairs for large cohorts: each leader's best juniors plus each junior's best leaders.

The junior side matters: a junior nobody ranks highly can still be the only way to pair one more
leader, and a popular junior (capacity k) ends up with leaders who rank it far down their lists, so
each junior keeps its ``per_junior`` best leaders of the whole cohort. Every feasible pair is also kept
in compressed rows (``indptr``/``cols``/``values``) so the solver can check, exactly and cheaply, that
no left-out pair could improve the optimum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .constraints import feasible_block
from .context import MatchContext
from .scoring import block_scores, to_micro

BLOCK_ROWS = 512


@dataclass
class Candidates:
    li: np.ndarray
    ji: np.ndarray
    micro: np.ndarray
    pruned: bool
    feasible_count: np.ndarray
    indptr: np.ndarray  # every feasible pair, by leader: cols[indptr[i]:indptr[i+1]], values likewise
    cols: np.ndarray
    values: np.ndarray
    member: np.ndarray  # aligned with cols/values: the pair is in the candidate graph

    @property
    def rows(self) -> np.ndarray:
        """Leader of each feasible pair (aligned with cols/values)."""
        return np.repeat(np.arange(len(self.feasible_count)), self.feasible_count)

    def add(self, li: np.ndarray, ji: np.ndarray, micro: np.ndarray, positions: np.ndarray) -> None:
        self.li = np.concatenate([self.li, li])
        self.ji = np.concatenate([self.ji, ji])
        self.micro = np.concatenate([self.micro, micro])
        self.member[positions] = True


def _filler(rows: int, m: int) -> np.ndarray:
    """Distinct values in [-2, -1) to stand in for infeasible pairs: below every score, and distinct so
    that no run of equal values sends the partial selections down their slow path."""
    return (-1.0 - np.arange(rows * m, dtype=np.float64).reshape(rows, m) / (rows * m)).astype(np.float32)


def generate(ctx: MatchContext, per_leader: int | None, per_junior: int | None = None) -> Candidates:
    """Score and check every pair block by block; keep all feasible pairs or the best per side.

    Pruning keeps each leader's ``per_leader`` best juniors and each junior's ``per_junior`` best
    leaders (default ``per_leader``): linear-time partial selections (``np.partition``, values only) on
    the dense score blocks give each leader's and each junior's threshold score, and a pair is a
    candidate when it reaches either threshold (ties may add a few pairs; more candidates never cost
    optimality, the certificate covers every pair).
    """
    n, m = len(ctx.leaders), len(ctx.juniors)
    pruning = per_leader is not None and per_leader < m
    per_junior = per_leader if per_junior is None else per_junior
    flats, all_values, thresholds_l, tops_j = [], [], [], []
    count = np.zeros(n, dtype=np.int64)
    filler = _filler(min(BLOCK_ROWS, n), m) if pruning else None
    for start in range(0, n, BLOCK_ROWS):
        rows = np.arange(start, min(start + BLOCK_ROWS, n))
        scores, overlap = block_scores(ctx, rows)
        feasible = feasible_block(ctx, rows, overlap)
        del overlap
        count[rows] = feasible.sum(axis=1)
        flat = np.flatnonzero(feasible)
        all_values.append(to_micro(scores.ravel()[flat]))
        flats.append(flat + start * m)
        if not pruning:
            continue
        np.copyto(scores, filler[: len(rows)], where=~feasible)
        thresholds_l.append(np.partition(scores, m - per_leader, axis=1)[:, m - per_leader])
        if per_junior and len(rows) > per_junior:
            tops_j.append(np.partition(scores, len(rows) - per_junior, axis=0)[len(rows) - per_junior :])
        elif per_junior:
            tops_j.append(scores)

    def cat(parts, dtype=np.int64):
        return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

    indptr = np.concatenate([[0], np.cumsum(count)])
    flat, values = cat(flats), cat(all_values)
    cols = (flat % m).astype(np.int32) if m else np.zeros(0, dtype=np.int32)
    leader_of = np.repeat(np.arange(n), count)
    if not pruning:
        member = np.ones(len(cols), dtype=bool)
    else:
        member = values >= to_micro(cat(thresholds_l, np.float32))[leader_of]
        if tops_j:
            tops = np.vstack(tops_j)
            if len(tops) > per_junior:
                tops = np.partition(tops, len(tops) - per_junior, axis=0)[len(tops) - per_junior :]
            member |= values >= to_micro(tops.min(axis=0))[cols]
    return Candidates(
        leader_of[member], cols[member].astype(np.int64), values[member], pruning, count, indptr, cols,
        values, member,
    )  # fmt: skip


def improving_pairs(cand: Candidates, bonus: int, pot_l: np.ndarray, pot_j: np.ndarray, margin: int = 0):
    """Left-out feasible pairs with negative reduced cost under the potentials: they could improve the
    optimum. None at all proves the candidate optimum optimal for the full cohort.

    (Chosen pairs may show a positive "gain" too: their forward arc is not in the residual network.)
    When some pair improves, pairs within ``margin`` of improving are returned with it, since the
    re-solved optimum tends to need them (fewer repair rounds). Returns (leaders, juniors, scores,
    positions in the feasible list).
    """
    rows = cand.rows
    gain = cand.values + bonus + pot_j[cand.cols] - pot_l[rows]
    outside = ~cand.member
    bad = np.flatnonzero((gain > 0) & outside)
    if len(bad) and margin > 0:
        bad = np.flatnonzero((gain > -margin) & outside)
    return rows[bad], cand.cols[bad].astype(np.int64), cand.values[bad], bad
