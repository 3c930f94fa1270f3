"""Answers to "why (not) this pair" for any pair, and the diff of a dry run against current pairings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .constraints import violations
from .context import MatchContext
from .model import Participant
from .scoring import combine, component_scores


def _index(index: Mapping[str, int], who: Participant | str, role: str) -> int:
    key = who.participant_id if isinstance(who, Participant) else str(who)
    if key not in index:
        raise KeyError(f"{key} is not a {role} of this match run")
    return index[key]


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
    components = component_scores(context, np.array([i]), np.array([j]))
    return base | {
        "feasible": True,
        "score": float(combine(context, components)[0]),
        "components": {name: round(float(v[0]), 6) for name, v in components.items()},
        "weights": context.rules.weights.as_dict(),
    }


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
