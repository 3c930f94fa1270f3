"""Candidate pairs for large cohorts: each leader's best juniors and each junior's best leaders.

Keeping both directions matters: a junior nobody ranks highly can still be the only way to pair one
more leader. ``row_bound``/``col_bound`` are the best scores left out, which ``solver`` uses to prove
that nothing left out could improve the optimum.
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
    row_bound: np.ndarray  # best left-out feasible score per leader (micro), -1 when none was left out
    col_bound: np.ndarray  # best left-out feasible score per junior (micro), -1 when none was left out
    feasible_count: np.ndarray
    matrix: np.ndarray | None = None  # micro scores of every pair (int32, -1 = infeasible) when pruned

    def add(self, li: np.ndarray, ji: np.ndarray, micro: np.ndarray) -> None:
        self.li = np.concatenate([self.li, li])
        self.ji = np.concatenate([self.ji, ji])
        self.micro = np.concatenate([self.micro, micro])


def _ranked(major: np.ndarray, minor: np.ndarray, values: np.ndarray, width: int):
    """Order entries best-first within each ``major`` group; returns the order and each entry's rank."""
    key = ((major.astype(np.int64) << 21) | (SCORE_SCALE - values)) * width + minor
    order = np.argsort(key, kind="stable")
    grouped = major[order]
    return order, np.arange(len(order)) - np.searchsorted(grouped, grouped, side="left")


def generate(ctx: MatchContext, per_leader: int | None, per_junior: int = 8) -> Candidates:
    """Score and check every pair block by block; keep all feasible pairs or the best per side."""
    n, m = len(ctx.leaders), len(ctx.juniors)
    li, ji, micro, col_pool = [], [], [], []
    row_bound = np.full(n, -1, dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    pruning = per_leader is not None and per_leader < m
    matrix = np.empty((n, m), dtype=np.int32) if pruning else None
    for start in range(0, n, BLOCK_ROWS):
        rows = np.arange(start, min(start + BLOCK_ROWS, n))
        scores, overlap = block_scores(ctx, rows)
        feasible = feasible_block(ctx, rows, overlap)
        count[rows] = feasible.sum(axis=1)
        r, c = np.nonzero(feasible)
        values = to_micro(scores[r, c])
        if matrix is not None:
            block = matrix[rows[0] : rows[-1] + 1]
            block.fill(-1)
            block[r, c] = values
        if not pruning:
            li.append(rows[r])
            ji.append(c)
            micro.append(values)
            continue
        order, rank = _ranked(r, c, values, m)
        keep = order[rank < per_leader]
        li.append(rows[r[keep]])
        ji.append(c[keep])
        micro.append(values[keep])
        at_bound = order[rank == per_leader]
        row_bound[rows[r[at_bound]]] = values[at_bound]
        order, rank = _ranked(c, r, values, len(rows))
        keep = order[rank <= per_junior]
        col_pool.append((rows[r[keep]], c[keep], values[keep]))

    def cat(parts):
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    col_bound = np.full(m, -1, dtype=np.int64)
    if col_pool:
        pl, pj, pv = (cat([p[k] for p in col_pool]) for k in range(3))
        order, rank = _ranked(pj, pl, pv, n)
        keep = order[rank < per_junior]
        li.append(pl[keep])
        ji.append(pj[keep])
        micro.append(pv[keep])
        at_bound = order[rank == per_junior]
        col_bound[pj[at_bound]] = pv[at_bound]
    li_all, ji_all, micro_all = cat(li), cat(ji), cat(micro)
    _, unique = np.unique(li_all * max(m, 1) + ji_all, return_index=True)
    return Candidates(li_all[unique], ji_all[unique], micro_all[unique], row_bound, col_bound, count, matrix)


def improving_pairs(cand: Candidates, rows: np.ndarray, bonus: int, pot_l: np.ndarray, pot_j: np.ndarray):
    """Feasible pairs of leaders ``rows`` with negative reduced cost: they could improve the optimum.

    Candidate pairs never qualify (the potentials certify them), so these are all left-out pairs.
    """
    block = cand.matrix[rows]
    gain = block.astype(np.int64) + (pot_j + bonus)[None, :] - pot_l[rows][:, None]
    r, c = np.nonzero((block >= 0) & (gain > 0))
    return rows[r], c, block[r, c].astype(np.int64)


def suspects(cand: Candidates, bonus: int, pot_l: np.ndarray, pot_j: np.ndarray) -> np.ndarray:
    """Leaders for which some left-out pair might have negative reduced cost (must be re-checked).

    A left-out pair (i, j) scores at most ``min(row_bound[i], col_bound[j])``; it is harmless when
    ``bonus + score + pot_j[j] <= pot_l[i]``. The max over j is found with sorted prefix/suffix maxima.
    """
    pruned_cols = cand.col_bound >= 0
    cb = cand.col_bound[pruned_cols]
    pj = pot_j[pruned_cols]
    order = np.argsort(cb, kind="stable")
    cb, pj = cb[order], pj[order]
    # juniors whose own list is complete (col_bound -1) have no left-out pairs at all
    prefix = np.maximum.accumulate(cb + pj) if len(cb) else np.zeros(0, dtype=np.int64)
    suffix = np.maximum.accumulate(pj[::-1])[::-1] if len(cb) else np.zeros(0, dtype=np.int64)
    rb = cand.row_bound
    split = np.searchsorted(cb, rb, side="left")  # cb[split:] >= rb
    worst = np.full(len(rb), np.iinfo(np.int64).min // 4, dtype=np.int64)
    has_low = split > 0
    worst[has_low] = prefix[split[has_low] - 1]
    has_high = split < len(cb)
    worst[has_high] = np.maximum(worst[has_high], rb[has_high] + suffix[split[has_high]])
    return np.flatnonzero((rb >= 0) & (bonus + worst > pot_l))
