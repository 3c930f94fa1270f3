"""Hard constraints: the feasibility of (leader, junior) pairs, dense by blocks or for any single pair.

A pair is feasible when both people are enrolled, consenting and in the right role, the junior has
capacity, neither is in the other's reporting chain, the leader is at least ``min_seniority_gap`` levels
above the junior, they share a (program) language, their weekly availability overlaps for at least
``min_timezone_overlap_hours`` in real time, and no exclusion (earlier pair, declined pair, conflict)
names them. When the program sets ``min_common_slot_minutes``, they also need one common contiguous slot
of that length each week (``common_slot``; see ``slots``); when it does not, that check costs nothing.
"""

from __future__ import annotations

import numpy as np

from .availability import reference_monday
from .context import MatchContext
from .model import COMMON_SLOT
from .orgchart import related
from .scoring import overlap_minutes
from .slots import pair_longest_slot


def _forbidden_in(ctx: MatchContext, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(local row, junior) positions of forbidden pairs (reporting chain, exclusions) among ``rows``."""
    if len(rows) and rows[-1] - rows[0] + 1 == len(rows):
        lo, hi = np.searchsorted(ctx.forbidden_rows, [rows[0], rows[-1] + 1])
        return ctx.forbidden_rows[lo:hi] - rows[0], ctx.forbidden_cols[lo:hi]
    hit = np.isin(ctx.forbidden_rows, rows)
    return np.searchsorted(rows, ctx.forbidden_rows[hit]), ctx.forbidden_cols[hit]


def feasible_block(ctx: MatchContext, rows: np.ndarray, overlap: np.ndarray) -> np.ndarray:
    """Feasibility (bool) of leaders ``rows`` (sorted) against every junior, given their overlap minutes."""
    feasible = overlap >= np.float32(ctx.min_overlap_minutes)
    feasible &= ctx.level_j[None, :] <= (ctx.level_l[rows] - ctx.rules.min_seniority_gap)[:, None]
    feasible &= (ctx.lang_l[rows] @ ctx.lang_j.T) > 0
    feasible[~ctx.eligible_l[rows]] = False
    if not ctx.eligible_j.all():
        feasible[:, ~ctx.eligible_j] = False
    feasible[_forbidden_in(ctx, rows)] = False
    if ctx.slot_l is not None:
        feasible &= (ctx.slot_l[rows] @ ctx.slot_j.T) > np.float32(0.5)
    return feasible


def feasibility_matrix(ctx: MatchContext) -> np.ndarray:
    """The dense leader x junior feasibility matrix; for small cohorts, tests and benchmarks."""
    overlap = ctx.avail_l @ ctx.avail_j.T
    return feasible_block(ctx, np.arange(len(ctx.leaders)), overlap)


def blocking_counts(ctx: MatchContext, rows: np.ndarray) -> dict[str, np.ndarray]:
    """Per leader in ``rows``: how many juniors each pair constraint rules out (for "why unmatched")."""
    rows = np.asarray(rows, dtype=np.int64)
    overlap = ctx.avail_l[rows] @ ctx.avail_j.T
    forbidden = np.zeros((len(rows), len(ctx.juniors)), dtype=bool)
    forbidden[_forbidden_in(ctx, rows)] = True
    chain = related(ctx.tin_l[rows, None], ctx.tout_l[rows, None], ctx.tin_j[None, :], ctx.tout_j[None, :])
    counts = {
        "junior_not_eligible": np.broadcast_to(~ctx.eligible_j, forbidden.shape).sum(axis=1),
        "reporting_chain": chain.sum(axis=1),
        "seniority_gap": (
            ctx.level_j[None, :] > (ctx.level_l[rows] - ctx.rules.min_seniority_gap)[:, None]
        ).sum(axis=1),
        "shared_language": ((ctx.lang_l[rows] @ ctx.lang_j.T) <= 0).sum(axis=1),
        "availability_overlap": (overlap < np.float32(ctx.min_overlap_minutes)).sum(axis=1),
        "exclusion": (forbidden & ~chain).sum(axis=1),
    }
    if ctx.slot_l is not None:
        counts[COMMON_SLOT] = ((ctx.slot_l[rows] @ ctx.slot_j.T) <= np.float32(0.5)).sum(axis=1)
    return counts


def check_pairs(ctx: MatchContext, li: np.ndarray, ji: np.ndarray) -> dict[str, np.ndarray]:
    """For each pair ``(li[k], ji[k])`` and each constraint: True when the constraint is satisfied."""
    li = np.asarray(li, dtype=np.int64)
    ji = np.asarray(ji, dtype=np.int64)
    excluded = np.array([(int(i), int(j)) in ctx.exclusions for i, j in zip(li, ji, strict=True)], dtype=bool)

    def person_ok(name: str) -> np.ndarray:
        bad_l = np.array([any(c == name for c, _ in ctx.person_issues_l[i]) for i in li], dtype=bool)
        bad_j = np.array([any(c == name for c, _ in ctx.person_issues_j[j]) for j in ji], dtype=bool)
        return ~(bad_l.reshape(li.shape) | bad_j.reshape(ji.shape))

    checks = {
        "role": person_ok("role"),
        "consent": person_ok("consent"),
        "status": person_ok("status"),
        "capacity": person_ok("capacity"),
        "reporting_chain": ~related(ctx.tin_l[li], ctx.tout_l[li], ctx.tin_j[ji], ctx.tout_j[ji]),
        "seniority_gap": (ctx.level_l[li] - ctx.level_j[ji]) >= ctx.rules.min_seniority_gap,
        "shared_language": np.einsum("kf,kf->k", ctx.lang_l[li], ctx.lang_j[ji]) > 0,
        "availability_overlap": overlap_minutes(ctx, li, ji) >= np.float32(ctx.min_overlap_minutes),
        "exclusion": ~excluded,
    }
    if ctx.slot_l is not None:
        checks[COMMON_SLOT] = np.einsum("ks,ks->k", ctx.slot_l[li], ctx.slot_j[ji]) > np.float32(0.5)
    return checks


def violations(ctx: MatchContext, i: int, j: int) -> list[dict[str, str]]:
    """Every hard constraint the pair (leader ``i``, junior ``j``) violates, each with a readable detail."""
    checks = check_pairs(ctx, np.array([i]), np.array([j]))
    leader, junior = ctx.leaders[i], ctx.juniors[j]
    out: list[dict[str, str]] = []
    for name, details in (("leader", ctx.person_issues_l[i]), ("junior", ctx.person_issues_j[j])):
        out.extend({"constraint": c, "detail": d, "participant": name} for c, d in details)
    if not checks["reporting_chain"][0]:
        detail = ctx.org.chain_between(leader.employee_id, junior.employee_id) or "same reporting chain"
        out.append({"constraint": "reporting_chain", "detail": detail})
    if not checks["seniority_gap"][0]:
        out.append(
            {
                "constraint": "seniority_gap",
                "detail": f"level gap {leader.level - junior.level} < program minimum "
                f"{ctx.rules.min_seniority_gap}",
            }
        )
    if not checks["shared_language"][0]:
        allowed = f" among program languages {list(ctx.rules.languages)}" if ctx.rules.languages else ""
        out.append(
            {
                "constraint": "shared_language",
                "detail": f"{list(leader.languages)} and {list(junior.languages)} share no language{allowed}",
            }
        )
    if not checks["availability_overlap"][0]:
        hours = float(overlap_minutes(ctx, np.array([i]), np.array([j]))[0]) / 60.0
        out.append(
            {
                "constraint": "availability_overlap",
                "detail": (
                    f"{hours:.2f} h/week in common < program minimum "
                    f"{ctx.rules.min_timezone_overlap_hours:g} h"
                ),
            }
        )
    if not checks["exclusion"][0]:
        exclusion = ctx.exclusions[(i, j)]
        out.append(
            {"constraint": "exclusion", "detail": f"{exclusion.reason}: {exclusion.detail}".rstrip(": ")}
        )
    if COMMON_SLOT in checks and not checks[COMMON_SLOT][0]:
        longest = pair_longest_slot(leader, junior, reference_monday(ctx.rules.reference_date))
        out.append(
            {
                "constraint": COMMON_SLOT,
                "detail": (
                    f"longest slot both are free {longest} min/week < program session "
                    f"{ctx.rules.min_common_slot_minutes} min"
                ),
            }
        )
    return out
