"""The match run aggregate: the proposals of one solver run, reviewed by an admin, then published.

A run is computed once (``MatchRun.propose``), may be changed by hand (``override``, see ``review``) while
it is ``completed``, and is published once (``publish``), which turns every proposal into a ``Pairing``.
Erasure rewrites a run through ``without_participant``, replacing ids by exact match only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any

from shared.contracts.types import MatchRunCompleted, PairingProposed
from shared.errors import Conflict
from shared.messages import PublishedEvent

from .context import MatchContext
from .explain import explain_in_run
from .ids import derived_id
from .pairing import Pairing
from .review import Override, override
from .solver import MatchResult

ERASED = "erased"


@dataclass(frozen=True)
class RunRequest:
    """Who asked for which run: the parts of a run decided before the solver starts."""

    match_run_id: str
    program_id: str
    kind: str  # "run" (an admin's) or "rematch" (waitlisted leaders, automatic)
    dry_run: bool
    seed: int
    weight_overrides: Mapping[str, float]
    started_by: str
    started_at: datetime


@dataclass(frozen=True)
class Publication:
    """What publishing a run produces: the run as published, its new pairings with their events, and
    the unmatched leaders who now wait for a junior."""

    run: MatchRun
    pairings: list[tuple[Pairing, list[PublishedEvent]]]
    waiting: list[dict[str, Any]]


@dataclass(frozen=True)
class MatchRun:
    match_run_id: str
    program_id: str
    kind: str
    dry_run: bool
    seed: int
    weights: dict[str, float]
    weight_overrides: dict[str, float]
    inputs_hash: str
    inputs: dict[str, Any]
    started_at: datetime
    started_by: str
    status: str = "completed"
    timings_s: dict[str, float] = field(default_factory=dict)
    solver: dict[str, Any] = field(default_factory=dict)
    total_score: float = 0.0
    matched_count: int = 0
    proposals: list[dict[str, Any]] = field(default_factory=list)
    unmatched: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    overrides: list[dict[str, Any]] = field(default_factory=list)
    participant_ids: list[str] = field(default_factory=list)
    diff: dict[str, list[dict[str, str]]] | None = None
    duration_s: float | None = None
    finished_at: datetime | None = None
    published_at: datetime | None = None
    published_by: str | None = None

    # -- creation -----------------------------------------------------------------------------------
    @classmethod
    def propose(
        cls,
        request: RunRequest,
        result: MatchResult,
        *,
        weights: Mapping[str, float],
        inputs_hash: str,
        inputs: Mapping[str, Any],
        warnings: list[str],
    ) -> MatchRun:
        """The solver's result as a run awaiting review; proposals carry the ids their pairings get."""
        proposals = [
            {
                "pairing_id": derived_id(request.match_run_id, p.leader_id, p.junior_id),
                "leader_id": p.leader_id,
                "junior_id": p.junior_id,
                "score": p.score,
                "components": p.components,
                "constraints_checked": list(p.constraints_checked),
                "source": "solver",
                "proposed_at": request.started_at,
            }
            for p in result.proposals
        ]
        unmatched = [
            {"leader_id": u.leader_id, "reason": u.reason, "detail": u.detail} for u in result.unmatched
        ]
        return cls(
            match_run_id=request.match_run_id,
            program_id=request.program_id,
            kind=request.kind,
            dry_run=request.dry_run,
            seed=request.seed,
            weights=dict(weights),
            weight_overrides=dict(request.weight_overrides),
            inputs_hash=inputs_hash,
            inputs=dict(inputs),
            started_at=request.started_at,
            started_by=request.started_by,
            timings_s={k: round(v, 4) for k, v in result.stats.get("timings_s", {}).items()},
            solver={k: v for k, v in result.stats.items() if k != "timings_s"},
            total_score=result.total_score,
            matched_count=result.matched_count,
            proposals=proposals,
            unmatched=unmatched,
            warnings=[*warnings, *(f"org chart: {i.detail}" for i in result.org_issues[:20])],
            participant_ids=_participants(proposals, unmatched),
        )

    def finished(self, duration_s: float, at: datetime) -> tuple[MatchRun, list[PublishedEvent]]:
        """The run as stored: ``MatchRunCompleted``, and for a real run one ``PairingProposed`` each."""
        run = replace(self, duration_s=duration_s, finished_at=at)
        events: list[PublishedEvent] = [run.completed_event()]
        if not run.dry_run:
            events += [run.proposed_event(p) for p in run.proposals]
        return run, events

    def with_diff(self, diff: dict[str, list[dict[str, str]]]) -> MatchRun:
        """A dry run shows what it would change against the current pairings."""
        return replace(self, diff=diff)

    # -- review and publication ---------------------------------------------------------------------
    def override(
        self, change: Override, *, context: MatchContext, live_load: Mapping[str, int], by: str, now: datetime
    ) -> tuple[MatchRun, list[PublishedEvent]]:
        """An admin's assign, swap or unassign (see ``review.override``)."""
        return override(self, change, context=context, live_load=live_load, by=by, now=now)

    def require_reviewable(self) -> None:
        """Only a real run that is not yet published may be changed or published."""
        if self.dry_run:
            raise Conflict("a dry run cannot be changed or published; start a real run", code="dry_run")
        if self.status != "completed":
            raise Conflict(
                f"match run {self.match_run_id} is already {self.status}", code="already_published"
            )

    def publish(
        self,
        *,
        employees: Mapping[str, str],
        busy_leaders: set[str],
        already_published: set[str],
        by: str,
        now: datetime,
    ) -> Publication:
        """Each proposal becomes a published pairing; unmatched leaders still enrolled go on the
        waitlist. ``employees`` maps the enrolled participants to their employee ids; pairings in
        ``already_published`` were written by an interrupted earlier attempt and are skipped."""
        self.require_reviewable()
        if not self.proposals:
            raise Conflict("the run has no proposals to publish", code="nothing_to_publish")
        stale = sorted({p["leader_id"] for p in self.proposals if p["leader_id"] in busy_leaders})
        gone = sorted(
            {w for p in self.proposals for w in (p["leader_id"], p["junior_id"]) if w not in employees}
        )
        if stale or gone:
            raise Conflict(
                "the run is stale: "
                + (f"leaders already in a live pairing: {stale}; " if stale else "")
                + (f"no longer enrolled: {gone}; " if gone else "")
                + "start a new run",
                code="stale_run",
            )
        pairings = [
            Pairing.publish(
                proposal,
                program_id=self.program_id,
                match_run_id=self.match_run_id,
                leader_employee_id=employees[proposal["leader_id"]],
                junior_employee_id=employees[proposal["junior_id"]],
                by=by,
                now=now,
            )
            for proposal in self.proposals
            if proposal["pairing_id"] not in already_published
        ]
        waiting = [u for u in self.unmatched if u["leader_id"] in employees]
        published = replace(self, status="published", published_at=now, published_by=by)
        return Publication(published, pairings, waiting)

    # -- why (not) --------------------------------------------------------------------------------------
    def explain(
        self, leader_id: str, junior_id: str | None, context: MatchContext, inputs_hash: str
    ) -> dict[str, Any]:
        """Why (not) this pair, or with no junior why (not) this leader, on today's ``context``;
        ``inputs_changed`` says whether today's inputs differ from the run's."""
        answer = explain_in_run(leader_id, junior_id, context, self.proposals, self.unmatched)
        return answer | {"inputs_changed": inputs_hash != self.inputs_hash}

    # -- erasure ------------------------------------------------------------------------------------
    def without_participant(self, participant_id: str, employee_id: str | None) -> MatchRun:
        """The run with the participant's id replaced by ``erased`` wherever it is a whole value, and
        the employee id replaced wherever it is a whole word of a warning (``E1`` never touches ``E10``)."""

        def scrub(value: Any) -> Any:
            if isinstance(value, str):
                return ERASED if value == participant_id else value
            if isinstance(value, list):
                return [scrub(v) for v in value]
            if isinstance(value, dict):
                return {k: scrub(v) for k, v in value.items()}
            return value

        warnings = self.warnings
        if employee_id:
            word = re.compile(rf"(?<![\w-]){re.escape(employee_id)}(?![\w-])")
            warnings = [word.sub(ERASED, w) for w in warnings]
        return replace(
            self,
            proposals=scrub(self.proposals),
            unmatched=scrub(self.unmatched),
            overrides=scrub(self.overrides),
            diff=scrub(self.diff),
            warnings=warnings,
            participant_ids=[p for p in self.participant_ids if p != participant_id],
        )

    # -- events and records -------------------------------------------------------------------------
    def completed_event(self) -> MatchRunCompleted:
        return MatchRunCompleted(
            self.match_run_id,
            {
                "match_run_id": self.match_run_id,
                "program_id": self.program_id,
                "dry_run": self.dry_run,
                "proposals": len(self.proposals),
                "unmatched": len(self.unmatched),
                "total_score": self.total_score,
                "duration_s": self.duration_s,
                "kind": self.kind,
                "seed": self.seed,
                "inputs_hash": self.inputs_hash,
            },
        )

    def proposed_event(self, proposal: Mapping[str, Any]) -> PairingProposed:
        return PairingProposed(
            proposal["pairing_id"],
            {
                "pairing_id": proposal["pairing_id"],
                "program_id": self.program_id,
                "leader_id": proposal["leader_id"],
                "junior_id": proposal["junior_id"],
                "state": "proposed",
                "match_run_id": self.match_run_id,
                "score": proposal.get("score"),
                "components": proposal.get("components"),
                "reason": proposal.get("override_reason"),
            },
        )

    def to_record(self) -> dict[str, Any]:
        """The stored document (without storage fields); optional parts only once they exist."""
        record = {f.name: getattr(self, f.name) for f in fields(self)}
        for optional in ("diff", "published_at", "published_by", "duration_s", "finished_at"):
            if record[optional] is None:
                del record[optional]
        return record

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> MatchRun:
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in record.items() if k in names}
        values.setdefault("weight_overrides", {})
        return cls(**values)


def _participants(proposals: list[dict[str, Any]], unmatched: list[dict[str, Any]]) -> list[str]:
    return sorted(
        {p["leader_id"] for p in proposals}
        | {p["junior_id"] for p in proposals}
        | {u["leader_id"] for u in unmatched}
    )
