"""Candidate pairs for large cohorts: each leader's best juniors plus each junior's best leader per block.

The junior side matters: a junior nobody ranks highly can still be the only way to pair one more
leader. Every feasible pair is also kept in compressed rows (``indptr``/``cols``/``values``) so the
solver can check, exactly and cheaply, that no left-out pair could improve the optimum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .constraints import feasible_block
from .context import MatchContext
from .scoring import SCORE_SCALE, block_scores, to_micro

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

    def add(self, li: np.ndarray, ji: np.ndarray, micro: np.ndarray) -> None:
        self.li = np.concatenate([self.li, li])
        self.ji = np.concatenate([self.ji, ji])
        self.micro = np.concatenate([self.micro, micro])


def generate(ctx: MatchContext, per_leader: int | None) -> Candidates:
    """Score and check every pair block by block; keep all feasible pairs or the best per side."""
    n, m = len(ctx.leaders), len(ctx.juniors)
    pruning = per_leader is not None and per_leader < m
    li, ji, micro, all_cols, all_values = [], [], [], [], []
    count = np.zeros(n, dtype=np.int64)
    for start in range(0, n, BLOCK_ROWS):
        rows = np.arange(start, min(start + BLOCK_ROWS, n))
        scores, overlap = block_scores(ctx, rows)
        feasible = feasible_block(ctx, rows, overlap)
        count[rows] = feasible.sum(axis=1)
        r, c = np.nonzero(feasible)
        values = to_micro(scores[r, c])
        all_cols.append(c.astype(np.int32))
        all_values.append(values)
        if not pruning:
            li.append(rows[r])
            ji.append(c)
            micro.append(values)
            continue
        # best first within each leader: one integer key (row, descending score, junior); keys are unique
        order = np.argsort(((r.astype(np.int64) << 21) | (SCORE_SCALE - values)) * m + c)
        grouped = r[order]
        keep = order[np.arange(len(order)) - np.searchsorted(grouped, grouped) < per_leader]
        li.append(rows[r[keep]])
        ji.append(c[keep])
        micro.append(values[keep])
        np.copyto(scores, np.float32(-1.0), where=~feasible)
        best = scores.argmax(axis=0)
        has = scores[best, np.arange(m)] >= 0
        li.append(rows[best[has]])
        ji.append(np.flatnonzero(has))
        micro.append(to_micro(scores[best[has], np.flatnonzero(has)]))

    def cat(parts, dtype=np.int64):
        return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

    li_all, ji_all, micro_all = cat(li), cat(ji), cat(micro)
    _, unique = np.unique(li_all * max(m, 1) + ji_all, return_index=True)
    indptr = np.concatenate([[0], np.cumsum(count)])
    return Candidates(
        li_all[unique], ji_all[unique], micro_all[unique], pruning, count, indptr, cat(all_cols, np.int32),
        cat(all_values),
    )  # fmt: skip


def improving_pairs(cand: Candidates, bonus: int, pot_l: np.ndarray, pot_j: np.ndarray, margin: int = 0):
    """Left-out feasible pairs with negative reduced cost under the potentials: they could improve the
    optimum. None at all proves the candidate optimum optimal for the full cohort.

    (Chosen pairs may show a positive "gain" too: their forward arc is not in the residual network.)
    When some pair improves, pairs within ``margin`` of improving are returned with it, since the
    re-solved optimum tends to need them (fewer repair rounds).
    """
    m = len(pot_j)
    rows = np.repeat(np.arange(len(cand.feasible_count)), cand.feasible_count)
    gain = cand.values + bonus + pot_j[cand.cols] - pot_l[rows]
    candidate_keys = cand.li * m + cand.ji
    bad = np.flatnonzero(gain > 0)
    bad = bad[~np.isin(rows[bad] * m + cand.cols[bad], candidate_keys)]
    if len(bad) and margin > 0:
        bad = np.flatnonzero(gain > -margin)
        bad = bad[~np.isin(rows[bad] * m + cand.cols[bad], candidate_keys)]
    return rows[bad], cand.cols[bad].astype(np.int64), cand.values[bad]
