"""An admin's review of a match run before publishing: assign, swap or unassign by hand.

Pairs are scored and checked by ``explain`` (the same answer the explain endpoint gives); a pair that
breaks a hard constraint needs a reason, and every override is audited in the run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from shared.errors import Conflict, NotFound, Unprocessable
from shared.messages import PublishedEvent

from .context import MatchContext
from .explain import explain_pair, score_pair
from .ids import derived_id
from .model import constraints_checked

if TYPE_CHECKING:
    from .run import MatchRun

ACTIONS = ("assign", "swap", "unassign")


@dataclass(frozen=True)
class Override:
    """What the admin asked for; ``junior_id`` for assign, ``other_leader_id`` for swap."""

    action: str
    leader_id: str
    junior_id: str | None = None
    other_leader_id: str | None = None
    reason: str | None = None


def override(
    run: MatchRun,
    change: Override,
    *,
    context: MatchContext,
    live_load: Mapping[str, int],
    by: str,
    now: datetime,
) -> tuple[MatchRun, list[PublishedEvent]]:
    """The run after ``change``, and a ``PairingProposed`` for each pair the admin added.

    ``context`` is the program's whole enrolled cohort; ``live_load`` counts each junior's live pairings
    (their places are taken)."""
    run.require_reviewable()
    proposals = {p["leader_id"]: p for p in run.proposals}
    new_pairs, removed = _requested(change, proposals, context)
    kept = [p for p in run.proposals if p not in removed]
    load = Counter(p["junior_id"] for p in kept) + Counter(live_load)
    added, violations = [], []
    for leader, junior in new_pairs:
        explained = explain_pair(leader, junior, context)
        broken = list(explained.get("violated") or [])
        places = int(context.capacity_j[context.junior_index[junior]])
        if load[junior] + 1 > places:
            broken.append({"constraint": "capacity", "detail": f"junior {junior} has {places} place(s)"})
        load[junior] += 1
        if explained["feasible"]:
            score, components = explained["score"], explained["components"]
        else:
            score, components = score_pair(leader, junior, context)
        violations += [{**v, "leader_id": leader, "junior_id": junior} for v in broken]
        added.append(
            {
                "pairing_id": derived_id(run.match_run_id, leader, junior, str(len(run.overrides))),
                "leader_id": leader,
                "junior_id": junior,
                "score": score,
                "components": components,
                "constraints_checked": list(constraints_checked(context.rules)),
                "source": "override",
                "override_reason": change.reason,
                "violations": broken,
                "proposed_at": now,
            }
        )
    if violations and not (change.reason and change.reason.strip()):
        raise Unprocessable(
            "the override breaks hard constraints: "
            + "; ".join(f"{v['constraint']} ({v['detail']})" for v in violations)
            + ". Give a reason to override them; it is audited in the run.",
            field="reason",
            violations=violations,
        )
    unmatched = {u["leader_id"]: u for u in run.unmatched}
    for proposal in added:
        unmatched.pop(proposal["leader_id"], None)
    reassigned = {p["leader_id"] for p in added}
    for proposal in removed:
        if proposal["leader_id"] not in reassigned:
            unmatched[proposal["leader_id"]] = {
                "leader_id": proposal["leader_id"],
                "reason": "removed_by_admin",
                "detail": change.reason or "unassigned in review",
            }
    new_proposals = sorted([*kept, *added], key=lambda p: p["leader_id"])
    audit = {
        "action": change.action,
        "leader_id": change.leader_id,
        "junior_id": change.junior_id,
        "other_leader_id": change.other_leader_id,
        "reason": change.reason,
        "violations": violations,
        "removed": [_pair(p) for p in removed],
        "added": [_pair(p) for p in added],
        "by": by,
        "at": now,
    }
    changed = replace(
        run,
        proposals=new_proposals,
        unmatched=sorted(unmatched.values(), key=lambda u: u["leader_id"]),
        overrides=[*run.overrides, audit],
        matched_count=len(new_proposals),
        total_score=round(sum(p["score"] for p in new_proposals), 6),
        participant_ids=sorted(set(run.participant_ids) | {p["junior_id"] for p in added}),
    )
    return changed, [changed.proposed_event(p) for p in added]


def _requested(
    change: Override, proposals: Mapping[str, dict[str, Any]], context: MatchContext
) -> tuple[list[tuple[str, str]], list[dict[str, Any]]]:
    """The pairs the change adds and the proposals it removes, after checking it names known people."""
    _known(context.leader_index, change.leader_id, "leader_id")
    leader_id = change.leader_id
    if change.action == "assign":
        if not change.junior_id:
            raise Unprocessable("assign needs junior_id", field="junior_id")
        _known(context.junior_index, change.junior_id, "junior_id")
        removed = [proposals[leader_id]] if leader_id in proposals else []
        return [(leader_id, change.junior_id)], removed
    if change.action == "swap":
        other = change.other_leader_id
        if not other:
            raise Unprocessable("swap needs other_leader_id", field="other_leader_id")
        _known(context.leader_index, other, "other_leader_id")
        for who, name in ((leader_id, "leader_id"), (other, "other_leader_id")):
            if who not in proposals:
                raise Conflict(f"{who} has no proposal in this run to swap", field=name)
        a, b = proposals[leader_id], proposals[other]
        return [(leader_id, b["junior_id"]), (other, a["junior_id"])], [a, b]
    if change.action == "unassign":
        if leader_id not in proposals:
            raise Conflict(f"{leader_id} has no proposal in this run", field="leader_id")
        return [], [proposals[leader_id]]
    raise Unprocessable(f"unknown action {change.action!r}", field="action")


def _known(index: Mapping[str, int], who: str, field: str) -> None:
    if who not in index:
        raise NotFound(f"{who} is not an enrolled participant in that role", field=field)


def _pair(proposal: Mapping[str, Any]) -> dict[str, str]:
    return {"leader_id": proposal["leader_id"], "junior_id": proposal["junior_id"]}
