"""Two-way goals: the leader learns in the program's focus areas, the junior grows toward a growth goal."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from shared.contracts.feedback import GOAL_STATUSES
from shared.errors import Conflict, InvalidInput
from shared.vocabulary import GROWTH_GOALS

FINISHED = ("achieved", "dropped")


def check_area(side: str, area: str, focus_areas: list[str]) -> None:
    """A leader's goal names one of the program's focus areas; a junior's one of the growth goals."""
    allowed = focus_areas if side == "leader" else list(GROWTH_GOALS)
    if area not in allowed:
        kind = "the program's focus areas" if side == "leader" else "the growth goals"
        raise InvalidInput({"area": [f"{area!r} is not one of {kind}: {', '.join(allowed) or 'none'}"]})


def new_goal(
    goal_id: str, pairing: dict[str, Any], side: str, owner_id: str, body: dict[str, Any], at: datetime
) -> dict[str, Any]:
    target = body.get("target_date")
    return {
        "goal_id": goal_id,
        "pairing_id": pairing["pairing_id"],
        "program_id": pairing["program_id"],
        "owner_id": owner_id,
        "side": side,
        "area": body["area"],
        "title": body["title"],
        "success_criteria": body.get("success_criteria"),
        "target_date": target.isoformat() if isinstance(target, date) else target,
        "status": "open",
        "progress": 0,
        "updates": [],
        "created_at": at,
        "updated_at": at,
    }


def progress(
    goal: dict[str, Any], percent: int | None, note: str | None, status: str | None, by: str, at: datetime
) -> dict[str, Any]:
    """The goal after a progress update (kept in its history); a finished goal takes no more updates."""
    if goal["status"] in FINISHED:
        raise Conflict(
            f"goal {goal['goal_id']} is {goal['status']}: it takes no more updates", field="status"
        )
    if status is not None and status not in GOAL_STATUSES:
        raise InvalidInput({"status": [f"must be one of {', '.join(GOAL_STATUSES)}"]})
    new_percent = goal["progress"] if percent is None else percent
    new_status = status or ("in_progress" if new_percent > 0 else goal["status"])
    if new_status == "achieved":
        new_percent = 100
    entry = {"at": at, "by": by, "percent": new_percent, "note": note, "status": new_status}
    return {
        "progress": new_percent,
        "status": new_status,
        "updates": [*goal["updates"], entry],
        "updated_at": at,
    }
