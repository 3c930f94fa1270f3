"""Match runs: an admin's run (dry or real) and the automatic rematch of waitlisted leaders.

Both go through ``_execute``: take the program's run lock, read the inputs, solve, store the run with
its events; the lock is released whatever happens.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from services.matching.domain import (
    MatchRun,
    MatchRunRecorded,
    RunRequest,
    build_context,
    derived_id,
    diff_against_current,
    solve,
)
from services.matching.service import access
from services.matching.service.commands import RequestRematch, StartMatchRun
from services.matching.service.inputs import Inputs, read_inputs
from services.matching.store.ports import MatchingUnitOfWork
from shared.errors import Conflict, DomainError, Unprocessable
from shared.messages import DomainEvent
from shared.metrics import MATCH_RUN_DURATION, MATCH_RUNS, MATCH_SCORE

log = logging.getLogger(__name__)
# Real runs (and rematches) need the cohort to be complete: not while intake still enrols. Dry runs
# are allowed in any status (docs/contracts.md, "Match runs").
RUNNABLE_STATUSES = ("matching", "running")


@dataclass(frozen=True)
class _Plan:
    """One run to execute: the request, weights asked for, expected counts and leaders to match."""

    request: RunRequest
    weights: Mapping[str, float] | None = None
    expected: tuple[int | None, int | None] = (None, None)
    only_leaders: set[str] | None = None


def start_match_run(command: StartMatchRun, uow: MatchingUnitOfWork) -> list[DomainEvent]:
    """An admin's run: proposals for review (real) or a preview with its diff (dry)."""
    program = access.admin_program(uow, command.program_id, command.principal)
    if not command.dry_run and program.get("status") not in RUNNABLE_STATUSES:
        MATCH_RUNS.labels("refused").inc()
        raise Conflict(
            f"program {command.program_id} is {program.get('status')}: runs need one of "
            f"{RUNNABLE_STATUSES} (dry runs are allowed in any status)",
            code="program_status",
        )
    request = RunRequest(
        match_run_id=str(uuid.uuid4()),
        program_id=command.program_id,
        kind="run",
        dry_run=command.dry_run,
        seed=command.seed,
        weight_overrides=dict(command.weights or {}),
        started_by=command.principal.subject,
        started_at=uow.clock(),
    )
    expected = (command.expected_leaders, command.expected_juniors)
    return _execute(uow, program, _Plan(request, command.weights, expected))


def request_rematch(command: RequestRematch, uow: MatchingUnitOfWork) -> list[DomainEvent]:
    """Propose juniors to waitlisted leaders when places may have appeared; best effort: when the
    program is not running or nothing fits, the leaders simply stay on the waitlist."""
    program = uow.projection.program(command.program_id)
    if program is None or program.get("status") not in RUNNABLE_STATUSES:
        return []
    waiting = {w["leader_id"] for w in uow.waitlist.waiting(command.program_id)}
    if not waiting:
        return []
    run_id = derived_id("rematch", command.trigger)
    request = RunRequest(
        match_run_id=run_id,
        program_id=command.program_id,
        kind="rematch",
        dry_run=False,
        seed=0,
        weight_overrides={},
        started_by="waitlist",
        started_at=uow.clock(),
    )
    events = _execute(uow, program, _Plan(request, only_leaders=waiting))
    for event in events:
        if isinstance(event, MatchRunRecorded):
            leaders = [p["leader_id"] for p in event.run.proposals]
            uow.waitlist.proposed_again(command.program_id, leaders, run_id)
    return events


def _execute(uow: MatchingUnitOfWork, program: dict, plan: _Plan) -> list[DomainEvent]:
    request = plan.request
    if not uow.run_lock.acquire(request.program_id, request.match_run_id, request.started_at):
        MATCH_RUNS.labels("refused").inc()
        raise Conflict(
            f"another match run on program {request.program_id} is in progress; retry when it has finished",
            code="run_in_progress",
        )
    started = time.perf_counter()
    try:
        run = _compute(uow, program, plan)
        if run is None:
            return []
        run, events = run.finished(round(time.perf_counter() - started, 4), uow.clock())
        if not uow.runs.insert({"_id": run.match_run_id, **run.to_record()}, events):
            return []  # the same trigger ran before: nothing new
    except DomainError as error:
        MATCH_RUNS.labels(error.extra.get("code") or "refused").inc()
        raise
    except Exception:
        MATCH_RUNS.labels("failed").inc()
        raise
    finally:
        uow.run_lock.release(request.program_id, request.match_run_id)
    MATCH_RUNS.labels("succeeded").inc()
    MATCH_RUN_DURATION.observe(run.duration_s)
    for proposal in run.proposals:
        MATCH_SCORE.observe(proposal["score"])
    return [*events, MatchRunRecorded(run)]


def _compute(uow: MatchingUnitOfWork, program: dict, plan: _Plan) -> MatchRun | None:
    """The solved run, or None for a rematch with nothing to do (an admin's run refuses instead)."""
    request = plan.request
    inputs = read_inputs(uow, program, plan.weights)
    _require_projected(inputs, plan.expected)
    rematch = request.kind == "rematch"
    leaders, juniors, warnings = inputs.open_cohort(plan.only_leaders)
    if not leaders or not juniors:
        if rematch:
            return None
        missing = "leaders without a live pairing" if not leaders else "juniors with a free place"
        raise Conflict(
            f"empty cohort: program {request.program_id} has {len(leaders)} enrolled leaders to match "
            f"and {len(juniors)} juniors with free places; no {missing}",
            code="empty_cohort",
        )
    result = solve(
        build_context(leaders, juniors, inputs.rules, inputs.chart, inputs.exclusions), seed=request.seed
    )
    if not result.proposals:
        if rematch:
            return None
        raise Unprocessable(
            f"no feasible pair among {len(leaders)} leaders and {len(juniors)} juniors: every pair "
            "breaks a hard constraint (see unmatched for each leader's reasons)",
            code="all_pairs_infeasible",
            unmatched=[
                {"leader_id": u.leader_id, "reason": u.reason, "detail": u.detail} for u in result.unmatched
            ],
        )
    run = MatchRun.propose(
        request,
        result,
        weights=inputs.rules.weights.as_dict(),
        inputs_hash=inputs.hash,
        inputs={
            "leaders": len(leaders),
            "juniors": len(juniors),
            "enrolled_leaders": len(inputs.leaders),
            "enrolled_juniors": len(inputs.juniors),
            "exclusions": len(inputs.exclusions),
            "fixed_pairings": len(inputs.live),
            "projection_as_of": inputs.as_of,
        },
        warnings=warnings,
    )
    if request.dry_run:
        run = run.with_diff(_diff(uow, run, inputs))
    return run


def _require_projected(inputs: Inputs, expected: tuple[int | None, int | None]) -> None:
    """409 when matching has seen fewer enrolled people than the admin knows intake has."""
    counts = Counter(p.role for p in inputs.leaders + inputs.juniors)
    for role, wanted in zip(("leader", "junior"), expected, strict=True):
        if wanted is not None and counts[role] < wanted:
            raise Conflict(
                f"matching has seen {counts[role]} of the {wanted} enrolled {role}s expected: its "
                "projection is behind intake's events; retry shortly",
                code="stale_projection",
                projection_as_of=inputs.as_of.isoformat() if inputs.as_of else None,
            )


def _diff(uow: MatchingUnitOfWork, run: MatchRun, inputs: Inputs) -> dict[str, list[dict]]:
    """Against current pairings: live ones plus the proposals of the latest run awaiting review."""
    pending = uow.runs.latest(run.program_id, dry_run=False, status="completed")
    current = [*inputs.live, *((pending or {}).get("proposals") or [])]
    return diff_against_current([*run.proposals, *inputs.live], current)
