"""Vectorised scores of (leader, junior) pairs: a weighted sum of named, explainable components in [0, 1].

Components (weights from the program, normalised to sum 1):
- topic_fit: share of what the leader wants to learn that the junior teaches (program focus areas count 2x);
- reverse_fit: share of the junior's growth goals that are the leader's strengths;
- availability: weekly hours both are free in real time (DST-aware), saturating at the program target;
- language: 1 when the junior speaks the leader's first-listed language, 0.5 when they share only another;
- focus: share of the leader's wanted program focus areas that the junior teaches;
- diversity: half for a different department, half for a different location.
Scores are quantised to micro-points (``SCORE_SCALE``) so the solver optimises exact integers.
"""

from __future__ import annotations

import numpy as np

from .context import MatchContext
from .model import COMPONENTS

SCORE_SCALE = 1_000_000


def block_scores(ctx: MatchContext, rows: np.ndarray | slice) -> tuple[np.ndarray, np.ndarray]:
    """Scores (float32, [0, 1]) and weekly overlap minutes of leaders ``rows`` against every junior.

    The language component is counted as if the pair shares a language; pairs that do not are
    infeasible, so that value is never used.
    """
    scores = ctx.score_l[rows] @ ctx.score_j.T
    overlap = ctx.avail_l[rows] @ ctx.avail_j.T
    w = ctx.rules.weights.availability
    if w > 0:
        saturated = overlap * np.float32(w / (ctx.rules.availability_target_hours * 60.0))
        np.minimum(saturated, np.float32(w), out=saturated)
        scores += saturated
    return scores, overlap


def score_matrix(ctx: MatchContext) -> np.ndarray:
    """The dense leader x junior score matrix (float32); for small cohorts, tests and benchmarks."""
    return block_scores(ctx, slice(None))[0]


def overlap_minutes(ctx: MatchContext, li: np.ndarray, ji: np.ndarray) -> np.ndarray:
    """Exact weekly overlap in minutes for each pair ``(li[k], ji[k])``."""
    return np.einsum("ks,ks->k", ctx.avail_l[li].astype(np.float64), ctx.avail_j[ji].astype(np.float64))


def _dot(ctx: MatchContext, name: str, li: np.ndarray, ji: np.ndarray) -> np.ndarray:
    left, right = ctx.features[name]
    return np.einsum("kf,kf->k", left[li].astype(np.float64), right[ji].astype(np.float64))


def component_scores(
    ctx: MatchContext, li: np.ndarray, ji: np.ndarray, shares_language: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Each component (float64, [0, 1]) for each pair ``(li[k], ji[k])``."""
    li = np.asarray(li, dtype=np.int64)
    ji = np.asarray(ji, dtype=np.int64)
    if shares_language is None:
        shares_language = np.einsum("kf,kf->k", ctx.lang_l[li], ctx.lang_j[ji]) > 0
    target = ctx.rules.availability_target_hours * 60.0
    same_department = _dot(ctx, "department", li, ji)
    same_location = _dot(ctx, "location", li, ji)
    return {
        "topic_fit": _dot(ctx, "topic_fit", li, ji),
        "reverse_fit": _dot(ctx, "reverse_fit", li, ji),
        "availability": np.minimum(overlap_minutes(ctx, li, ji) / target, 1.0),
        "language": np.where(shares_language, 0.5 + 0.5 * _dot(ctx, "primary_language", li, ji), 0.0),
        "focus": _dot(ctx, "focus", li, ji),
        "diversity": 1.0 - 0.5 * same_department - 0.5 * same_location,
    }


def combine(ctx: MatchContext, components: dict[str, np.ndarray]) -> np.ndarray:
    """The weighted sum of components, quantised to micro-points and returned as a float in [0, 1]."""
    weights = ctx.rules.weights.as_dict()
    total = sum(weights[name] * components[name] for name in COMPONENTS)
    return np.rint(np.clip(total, 0.0, 1.0) * SCORE_SCALE) / SCORE_SCALE


def to_micro(scores: np.ndarray) -> np.ndarray:
    """Scores in [0, 1] to integer micro-points, the unit the solver optimises exactly."""
    return np.rint(np.clip(scores, 0.0, 1.0) * SCORE_SCALE).astype(np.int64)
