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


def generate(ctx: MatchContext, per_leader: int | None) -> Candidates:
    """Score and check every pair block by block; keep all feasible pairs or the best per side.

    Pruning picks each leader's ``per_leader`` best juniors and each junior's best leader per block
    with a linear-time partial selection on the dense block (no sort), marking them in a block mask so
    the candidate list comes out sorted and duplicate-free.
    """
    n, m = len(ctx.leaders), len(ctx.juniors)
    pruning = per_leader is not None and per_leader < m
    li, ji, micro, all_cols, all_values, members = [], [], [], [], [], []
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
            members.append(np.ones(len(r), dtype=bool))
            continue
        # distinct integer keys (score, then lower junior index first; infeasible below every feasible)
        # keep the selection linear: ties would push introselect towards its slow path
        column = np.arange(m, dtype=np.int64)
        keys = to_micro(scores) * m + (m - 1 - column)
        np.copyto(keys, -1 - column, where=~feasible)
        chosen = np.zeros_like(feasible)
        top = np.argpartition(keys, m - per_leader, axis=1)[:, m - per_leader :]
        chosen[np.arange(len(rows))[:, None], top] = True
        chosen[keys.argmax(axis=0), column] = True
        chosen &= feasible
        member = chosen[r, c]
        members.append(member)
        li.append(rows[r[member]])
        ji.append(c[member])
        micro.append(values[member])

    def cat(parts, dtype=np.int64):
        return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

    indptr = np.concatenate([[0], np.cumsum(count)])
    return Candidates(
        cat(li), cat(ji), cat(micro), pruning, count, indptr, cat(all_cols, np.int32), cat(all_values),
        cat(members, bool),
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
