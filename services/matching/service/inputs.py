"""What a match run reads, gathered once: the program's rules, its enrolled cohort, reporting lines,
exclusions from history and conflicts, live pairings, and the fingerprint of all of it.

The fingerprint leaves out the pairings a run itself published, so explaining a run right after its
publication compares like with like (``inputs_changed`` stays false when nothing else changed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from services.matching.domain import (
    LIVE_STATES,
    Exclusion,
    MatchContext,
    Participant,
    ProgramRules,
    build_context,
    exclusions_from_history,
    inputs_hash,
)
from services.matching.store.ports import MatchingUnitOfWork
from shared.errors import Unprocessable

EVENT_TIME = "_event_time"


@dataclass(frozen=True)
class Inputs:
    program: dict[str, Any]
    rules: ProgramRules
    leaders: list[Participant]
    juniors: list[Participant]
    chart: dict[str, str | None]
    exclusions: list[Exclusion]
    live: list[dict[str, Any]]
    hash: str
    as_of: datetime | None

    def context(self) -> MatchContext:
        """The whole enrolled cohort (for explanations and admin overrides)."""
        return build_context(self.leaders, self.juniors, self.rules, self.chart, self.exclusions)

    def live_load(self) -> Counter[str]:
        """Each junior's live pairings: places already taken."""
        return Counter(p["junior_id"] for p in self.live)

    def open_cohort(self, only_leaders: set[str] | None = None) -> tuple[list, list, list[str]]:
        """Leaders not in a live pairing (of ``only_leaders``, if given); juniors with places left after
        their live pairings; a warning when places are fewer than leaders."""
        busy = {p["leader_id"] for p in self.live}
        leaders = [
            p
            for p in self.leaders
            if p.participant_id not in busy and (only_leaders is None or p.participant_id in only_leaders)
        ]
        load = self.live_load()
        juniors = []
        for junior in self.juniors:
            capacity = self.rules.junior_capacity_default if junior.capacity is None else junior.capacity
            left = capacity - load[junior.participant_id]
            if left > 0:
                juniors.append(replace(junior, capacity=left))
        places = sum(j.capacity for j in juniors if j.consented)
        eligible = sum(1 for p in leaders if p.consented)
        warnings = []
        if places < eligible:
            warnings.append(
                f"capacity: {eligible} leaders to match but only {places} junior places; "
                f"at least {eligible - places} leaders go on the waitlist"
            )
        return leaders, juniors, warnings


def read_inputs(
    uow: MatchingUnitOfWork,
    program: dict[str, Any],
    weights: Mapping[str, float] | None = None,
    *,
    as_seen_by_run: str | None = None,
) -> Inputs:
    """Everything a run of ``program`` computes from; ``as_seen_by_run`` leaves that run's own published
    pairings out of the fingerprint (they did not exist when it ran)."""
    try:
        rules = ProgramRules.from_program(program, weight_overrides=weights)
    except ValueError as error:
        raise Unprocessable(f"invalid weights: {error}", field="weights") from error
    program_id = program["program_id"]
    stored = uow.projection.cohort(program_id)
    payloads = [{k: v for k, v in p.items() if k != EVENT_TIME} for p in stored]
    times = [p[EVENT_TIME] for p in stored if p.get(EVENT_TIME) is not None]
    people = [Participant.from_payload(p) for p in payloads]
    leaders = [p for p in people if p.role == "leader"]
    juniors = [p for p in people if p.role == "junior"]
    employees = {p.employee_id for p in people} | {p.manager_id for p in people if p.manager_id}
    chart = uow.projection.reporting_lines(employees, program_id=program_id)
    leader_employees = [p.employee_id for p in leaders]
    exclusions = exclusions_from_history(
        uow.pairings.history_of(leader_employees), uow.conflicts.of_leaders(leader_employees)
    )
    live = uow.pairings.of_program(program_id, LIVE_STATES)
    fixed = [p for p in live if as_seen_by_run is None or p.get("match_run_id") != as_seen_by_run]
    fingerprint = inputs_hash(
        payloads,
        {
            "rules": program.get("rules"),
            "focus_areas": program.get("focus_areas"),
            "custom_focus_areas": program.get("custom_focus_areas"),
            "starts_on": program.get("starts_on"),
            "weights": rules.weights.as_dict(),
            "fixed_pairs": sorted((p["leader_id"], p["junior_id"]) for p in fixed),
        },
        chart,
        exclusions,
    )
    return Inputs(
        program, rules, leaders, juniors, chart, exclusions, live, fingerprint, max(times, default=None)
    )
