"""Answers to "why (not) this pair" for any pair, and the diff of a dry run against current pairings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from .constraints import blocking_counts, check_pairs, violations
from .context import MatchContext
from .model import Participant
from .scoring import combine, component_scores


def _index(index: Mapping[str, int], who: Participant | str, role: str) -> int:
    key = who.participant_id if isinstance(who, Participant) else str(who)
    if key not in index:
        raise KeyError(f"{key} is not a {role} of this match run")
    return index[key]


def score_pair(
    leader: Participant | str, junior: Participant | str, context: MatchContext
) -> tuple[float, dict[str, float]]:
    """The pair's score and its components, whether or not the pair is feasible (admin overrides
    score infeasible pairs too); the one place a single pair is scored."""
    i = _index(context.leader_index, leader, "leader")
    j = _index(context.junior_index, junior, "junior")
    components = component_scores(context, np.array([i]), np.array([j]))
    rounded = {name: round(float(v[0]), 6) for name, v in components.items()}
    return float(combine(context, components)[0]), rounded


def explain_pair(
    leader: Participant | str, junior: Participant | str, context: MatchContext
) -> dict[str, Any]:
    """Score components of a feasible pair, or every hard constraint that forbids it."""
    i = _index(context.leader_index, leader, "leader")
    j = _index(context.junior_index, junior, "junior")
    base = {"leader_id": context.leaders[i].participant_id, "junior_id": context.juniors[j].participant_id}
    violated = violations(context, i, j)
    if violated:
        return base | {"feasible": False, "violated": violated}
    score, components = score_pair(leader, junior, context)
    return base | {
        "feasible": True,
        "score": score,
        "components": components,
        "weights": context.rules.weights.as_dict(),
    }


def explain_leader(leader: Participant | str, context: MatchContext, best: int = 5) -> dict[str, Any]:
    """Why was this leader (not) matched, without naming a junior: the leader's own issues, how many
    juniors each hard constraint rules out, and the best feasible juniors with their scores."""
    i = _index(context.leader_index, leader, "leader")
    everyone = np.arange(len(context.juniors), dtype=np.int64)
    rows = np.full(len(everyone), i, dtype=np.int64)
    checks = check_pairs(context, rows, everyone)
    feasible = np.logical_and.reduce(list(checks.values())) if checks else np.ones(0, dtype=bool)
    candidates = everyone[feasible]
    scores = combine(context, component_scores(context, rows[feasible], candidates))
    order = np.lexsort((candidates, -scores))[:best]
    counts = blocking_counts(context, np.array([i]))
    return {
        "leader_id": context.leaders[i].participant_id,
        "leader_issues": [{"constraint": c, "detail": d} for c, d in context.person_issues_l[i]],
        "juniors_considered": len(context.juniors),
        "feasible_juniors": int(feasible.sum()),
        "ruled_out_by": {name: int(v[0]) for name, v in counts.items() if int(v[0])},
        "best_candidates": [
            {"junior_id": context.juniors[int(candidates[k])].participant_id, "score": float(scores[k])}
            for k in order
        ],
        "weights": context.rules.weights.as_dict(),
    }


def explain_in_run(
    leader_id: str,
    junior_id: str | None,
    context: MatchContext,
    proposals: Sequence[Mapping[str, Any]],
    unmatched: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """``explain_pair`` (or ``explain_leader`` without a junior) set against what a run proposed: whether
    it proposed the pair and, when a feasible pair was not proposed, what the optimum did instead."""
    mine = next((p for p in proposals if p["leader_id"] == leader_id), None)
    if junior_id is None:
        answer = explain_leader(leader_id, context) | {"junior_id": None, "proposed": mine is not None}
        if mine is not None:
            answer["proposal"] = {"junior_id": mine["junior_id"], "score": mine["score"]}
        else:
            answer["why_not"] = _left_out(leader_id, unmatched)
        return answer
    answer = explain_pair(leader_id, junior_id, context)
    answer["proposed"] = mine is not None and mine["junior_id"] == junior_id
    if answer["proposed"] or not answer["feasible"]:
        return answer
    reasons = [
        f"the global optimum pairs this leader with {mine['junior_id']} "
        f"(score {mine['score']:.4f} vs {answer['score']:.4f} for this pair)"
        if mine is not None
        else _left_out(leader_id, unmatched)
    ]
    taken = [p["leader_id"] for p in proposals if p["junior_id"] == junior_id]
    if taken:
        places = int(context.capacity_j[context.junior_index[junior_id]])
        reasons.append(
            f"the junior's {places} place(s) went to {', '.join(taken)}, which scores more overall"
        )
    return answer | {"why_not": "; ".join(reasons)}


def _left_out(leader_id: str, unmatched: Sequence[Mapping[str, Any]]) -> str:
    left = next((u for u in unmatched if u["leader_id"] == leader_id), None)
    if left is None:
        return "the leader was not part of this run (already in a live pairing or enrolled later)"
    return f"the leader was left unmatched in this run: {left['reason']} ({left['detail']})"


def _pair(item: Any) -> tuple[str, str]:
    if isinstance(item, Mapping):
        return str(item["leader_id"]), str(item["junior_id"])
    if hasattr(item, "leader_id"):
        return str(item.leader_id), str(item.junior_id)
    leader_id, junior_id = item
    return str(leader_id), str(junior_id)


def diff_against_current(proposals: Iterable[Any], current_pairings: Iterable[Any]) -> dict[str, list[dict]]:
    """A dry run's changes: pairs it would add, current pairs it would remove, pairs it keeps.

    Both sides accept proposals, mappings with ``leader_id``/``junior_id``, or (leader, junior) tuples.
    """
    proposed = {_pair(p) for p in proposals}
    current = {_pair(p) for p in current_pairings}

    def listed(pairs: set[tuple[str, str]]) -> list[dict]:
        return [{"leader_id": a, "junior_id": b} for a, b in sorted(pairs)]

    return {
        "added": listed(proposed - current),
        "removed": listed(current - proposed),
        "unchanged": listed(proposed & current),
    }
