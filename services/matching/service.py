"""Matching's use cases: match runs (dry, real, rematch), admin review, publish, answers, end, erasure.

Each use case takes the caller (or the triggering event), reads what it needs from the stores, calls the
pure domain and writes state together with its events (outbox). HTTP and Kafka entrypoints stay thin.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import numpy as np
from pymongo.database import Database

from services.matching.domain import (
    CONSTRAINTS,
    LIVE_STATES,
    Exclusion,
    MatchContext,
    Pairing,
    PairingEvent,
    Participant,
    ProgramRules,
    TransitionRefused,
    build_context,
    component_scores,
    diff_against_current,
    exclusions_from_history,
    explain_pair,
    inputs_hash,
    solve,
)
from services.matching.domain.scoring import combine
from services.matching.store import MatchRunStore, PairingStore, ProjectionStore, StaleWrite
from shared.auth import Principal
from shared.errors import Conflict, DomainError, Forbidden, NotFound, Unprocessable
from shared.events.envelope import Event, make_event
from shared.metrics import MATCH_RUN_DURATION, MATCH_RUNS, MATCH_SCORE, PAIRINGS
from shared.mongo import now as stored_now

log = logging.getLogger(__name__)
SOURCE = "/services/matching"
RUNNABLE_STATUSES = ("enrolling", "matching", "running")
PAIRING_IDS = uuid.UUID("6f1c0b8e-53a5-4c3e-9a55-0b1f7e0c2a11")  # namespace of derived ids
ERASED = "erased"
Clock = Callable[[], datetime]


def _derived_id(*parts: str) -> str:
    """Deterministic ids: a replayed trigger or a repeated publish writes the same documents."""
    return str(uuid.uuid5(PAIRING_IDS, ":".join(parts)))


@dataclass(frozen=True)
class Inputs:
    """What a run reads: the program's rules, its enrolled people, reporting lines, exclusions, live pairs."""

    program: dict[str, Any]
    rules: ProgramRules
    payloads: list[dict[str, Any]]
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


def _pairing_events(pairing_id: str, events: Iterable[PairingEvent]) -> list[Event]:
    return [make_event(e.type, SOURCE, pairing_id, e.data) for e in events]


def _proposed_event(proposal: dict[str, Any], program_id: str, run_id: str) -> Event:
    data = {
        "pairing_id": proposal["pairing_id"],
        "program_id": program_id,
        "leader_id": proposal["leader_id"],
        "junior_id": proposal["junior_id"],
        "state": "proposed",
        "match_run_id": run_id,
        "score": proposal.get("score"),
        "components": proposal.get("components"),
        "reason": proposal.get("override_reason"),
    }
    return make_event("mentoring.pairing.proposed.v1", SOURCE, proposal["pairing_id"], data)


def _replace_id(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return new if value == old else value
    if isinstance(value, list):
        return [_replace_id(v, old, new) for v in value]
    if isinstance(value, dict):
        return {k: _replace_id(v, old, new) for k, v in value.items()}
    return value


class MatchingService:
    def __init__(self, db: Database, clock: Clock = stored_now) -> None:
        self.projection = ProjectionStore(db)
        self.runs = MatchRunStore(db)
        self.pairings = PairingStore(db)
        self.clock = clock

    # -- access -------------------------------------------------------------------------------------
    def program(self, program_id: str) -> dict[str, Any]:
        program = self.projection.program(program_id)
        if program is not None:
            return program
        if self.projection.has_participants(program_id):
            raise Conflict(
                f"matching knows participants of program {program_id} but not the program itself: its "
                "projection is behind intake's events; retry shortly",
                code="stale_projection",
            )
        raise NotFound(f"program {program_id} is not known to matching", field="program_id")

    @staticmethod
    def is_admin(program: dict[str, Any], principal: Principal) -> bool:
        return principal.has_any(("admin",)) and principal.subject in (program.get("admins") or [])

    def _admin_program(self, program_id: str, principal: Principal) -> dict[str, Any]:
        program = self.program(program_id)
        if not self.is_admin(program, principal):
            raise Forbidden(f"only the admins of program {program_id} may do this")
        return program

    def _run_for_admin(self, run_id: str, principal: Principal) -> tuple[dict[str, Any], dict[str, Any]]:
        run = self.runs.get(run_id)
        if run is None:
            raise NotFound(f"match run {run_id} does not exist", field="match_run_id")
        return run, self._admin_program(run["program_id"], principal)

    # -- inputs -------------------------------------------------------------------------------------
    def _inputs(self, program: dict[str, Any], weights: dict[str, float] | None = None) -> Inputs:
        try:
            rules = ProgramRules.from_program(program, weight_overrides=weights)
        except ValueError as error:
            raise Unprocessable(f"invalid weights: {error}", field="weights") from error
        payloads = self.projection.enrolled(program["program_id"])
        times = [p.pop("_event_time") for p in payloads if p.get("_event_time") is not None]
        people = [Participant.from_payload(p) for p in payloads]
        leaders = [p for p in people if p.role == "leader"]
        juniors = [p for p in people if p.role == "junior"]
        employees = {p.employee_id for p in people} | {p.manager_id for p in people if p.manager_id}
        chart = self.projection.reporting_lines(employees)
        leader_employees = [p.employee_id for p in leaders]
        exclusions = exclusions_from_history(
            self.pairings.history_of(leader_employees), self.pairings.conflicts_of(leader_employees)
        )
        live = self.pairings.of_program(program["program_id"], LIVE_STATES)
        fingerprint = inputs_hash(
            payloads,
            {
                "rules": program.get("rules"),
                "focus_areas": program.get("focus_areas"),
                "custom_focus_areas": program.get("custom_focus_areas"),
                "starts_on": program.get("starts_on"),
                "weights": rules.weights.as_dict(),
                "fixed_pairs": sorted((p["leader_id"], p["junior_id"]) for p in live),
            },
            chart,
            exclusions,
        )
        as_of = max(times, default=None)
        return Inputs(program, rules, payloads, leaders, juniors, chart, exclusions, live, fingerprint, as_of)

    @staticmethod
    def _open_cohort(inputs: Inputs, only_leaders: set[str] | None) -> tuple[list, list, list[str]]:
        """Leaders not in a live pairing; juniors with places left after their live pairings."""
        busy = {p["leader_id"] for p in inputs.live}
        load = Counter(p["junior_id"] for p in inputs.live)
        leaders = [
            p
            for p in inputs.leaders
            if p.participant_id not in busy and (only_leaders is None or p.participant_id in only_leaders)
        ]
        juniors = []
        for junior in inputs.juniors:
            capacity = inputs.rules.junior_capacity_default if junior.capacity is None else junior.capacity
            left = capacity - load[junior.participant_id]
            if left > 0:
                juniors.append(replace(junior, capacity=left))
        warnings = []
        places = sum(j.capacity for j in juniors if j.consented)
        eligible = sum(1 for p in leaders if p.consented)
        if places < eligible:
            warnings.append(
                f"capacity: {eligible} leaders to match but only {places} junior places; "
                f"at least {eligible - places} leaders go on the waitlist"
            )
        return leaders, juniors, warnings

    # -- match runs ---------------------------------------------------------------------------------
    def start_match_run(
        self,
        program_id: str,
        principal: Principal,
        *,
        dry_run: bool = False,
        seed: int = 0,
        weights: dict[str, float] | None = None,
        expected_leaders: int | None = None,
        expected_juniors: int | None = None,
    ) -> dict[str, Any]:
        program = self._admin_program(program_id, principal)
        if not dry_run and program.get("status") not in RUNNABLE_STATUSES:
            MATCH_RUNS.labels("refused").inc()
            raise Conflict(
                f"program {program_id} is {program.get('status')}: runs need one of {RUNNABLE_STATUSES} "
                "(dry runs are allowed in any status)",
                code="program_status",
            )
        run = self._run(
            program,
            kind="run",
            dry_run=dry_run,
            seed=seed,
            weights=weights,
            by=principal.subject,
            expected=(expected_leaders, expected_juniors),
        )
        assert run is not None
        return run

    def _run(
        self,
        program: dict[str, Any],
        *,
        kind: str,
        dry_run: bool,
        seed: int,
        weights: dict[str, float] | None,
        by: str,
        expected: tuple[int | None, int | None] = (None, None),
        run_id: str | None = None,
        only_leaders: set[str] | None = None,
    ) -> dict[str, Any] | None:
        program_id = program["program_id"]
        run_id = run_id or str(uuid.uuid4())
        started_at = self.clock()
        if not self.runs.acquire(program_id, run_id, started_at):
            MATCH_RUNS.labels("refused").inc()
            raise Conflict(
                f"another match run on program {program_id} is in progress; retry when it has finished",
                code="run_in_progress",
            )
        started = time.perf_counter()
        try:
            document = self._compute(
                program, run_id, kind, dry_run, seed, weights, by, expected, only_leaders, started_at
            )
            if document is None:
                return None
            document["duration_s"] = round(time.perf_counter() - started, 4)
            document["finished_at"] = self.clock()
            events = [self._completed_event(document)]
            if not dry_run:
                events += [_proposed_event(p, program_id, run_id) for p in document["proposals"]]
            if not self.runs.insert(document, events):
                return None  # the same trigger ran before: nothing new
        except DomainError as error:
            MATCH_RUNS.labels(error.extra.get("code") or "refused").inc()
            raise
        except Exception:
            MATCH_RUNS.labels("failed").inc()
            raise
        finally:
            self.runs.release(program_id, run_id)
        MATCH_RUNS.labels("succeeded").inc()
        MATCH_RUN_DURATION.observe(document["duration_s"])
        for proposal in document["proposals"]:
            MATCH_SCORE.observe(proposal["score"])
        return self.run_view(document)

    def _compute(self, program, run_id, kind, dry_run, seed, weights, by, expected, only_leaders, started_at):
        program_id = program["program_id"]
        inputs = self._inputs(program, weights)
        counts = Counter(p.role for p in inputs.leaders + inputs.juniors)
        for role, wanted in zip(("leader", "junior"), expected, strict=True):
            if wanted is not None and counts[role] < wanted:
                raise Conflict(
                    f"matching has seen {counts[role]} of the {wanted} enrolled {role}s expected: its "
                    "projection is behind intake's events; retry shortly",
                    code="stale_projection",
                    projection_as_of=inputs.as_of.isoformat() if inputs.as_of else None,
                )
        leaders, juniors, warnings = self._open_cohort(inputs, only_leaders)
        if not leaders or not juniors:
            if kind == "rematch":
                return None
            missing = "leaders without a live pairing" if not leaders else "juniors with a free place"
            raise Conflict(
                f"empty cohort: program {program_id} has {len(leaders)} enrolled leaders to match and "
                f"{len(juniors)} juniors with free places; no {missing}",
                code="empty_cohort",
            )
        ctx = build_context(leaders, juniors, inputs.rules, inputs.chart, inputs.exclusions)
        result = solve(ctx, seed=seed)
        unmatched = [
            {"leader_id": u.leader_id, "reason": u.reason, "detail": u.detail} for u in result.unmatched
        ]
        if not result.proposals:
            if kind == "rematch":
                return None
            raise Unprocessable(
                f"no feasible pair among {len(leaders)} leaders and {len(juniors)} juniors: every pair "
                "breaks a hard constraint (see unmatched for each leader's reasons)",
                code="all_pairs_infeasible",
                unmatched=unmatched,
            )
        proposals = [
            {
                "pairing_id": _derived_id(run_id, p.leader_id, p.junior_id),
                "leader_id": p.leader_id,
                "junior_id": p.junior_id,
                "score": p.score,
                "components": p.components,
                "constraints_checked": list(p.constraints_checked),
                "source": "solver",
                "proposed_at": started_at,
            }
            for p in result.proposals
        ]
        document: dict[str, Any] = {
            "_id": run_id,
            "match_run_id": run_id,
            "program_id": program_id,
            "kind": kind,
            "dry_run": dry_run,
            "status": "completed",
            "seed": seed,
            "weights": inputs.rules.weights.as_dict(),
            "weight_overrides": dict(weights or {}),
            "inputs_hash": inputs.hash,
            "inputs": {
                "leaders": len(leaders),
                "juniors": len(juniors),
                "enrolled_leaders": len(inputs.leaders),
                "enrolled_juniors": len(inputs.juniors),
                "exclusions": len(inputs.exclusions),
                "fixed_pairings": len(inputs.live),
                "projection_as_of": inputs.as_of,
            },
            "started_at": started_at,
            "started_by": by,
            "timings_s": {k: round(v, 4) for k, v in result.stats.get("timings_s", {}).items()},
            "solver": {k: v for k, v in result.stats.items() if k != "timings_s"},
            "total_score": result.total_score,
            "matched_count": result.matched_count,
            "proposals": proposals,
            "unmatched": unmatched,
            "warnings": warnings + [f"org chart: {i.detail}" for i in result.org_issues[:20]],
            "overrides": [],
            "participant_ids": sorted(
                {p["leader_id"] for p in proposals}
                | {p["junior_id"] for p in proposals}
                | {u["leader_id"] for u in unmatched}
            ),
        }
        if dry_run:
            document["diff"] = self._diff(program_id, proposals, inputs.live)
        return document

    def _diff(self, program_id: str, proposals: list[dict], live: list[dict]) -> dict[str, list[dict]]:
        """Against current pairings: live ones plus the proposals of the latest run awaiting review."""
        pending = self.runs.latest(program_id, dry_run=False, status="completed")
        current = [*live, *((pending or {}).get("proposals") or [])]
        return diff_against_current([*proposals, *live], current)

    def _completed_event(self, document: dict[str, Any]) -> Event:
        data = {
            "match_run_id": document["match_run_id"],
            "program_id": document["program_id"],
            "dry_run": document["dry_run"],
            "proposals": len(document["proposals"]),
            "unmatched": len(document["unmatched"]),
            "total_score": document["total_score"],
            "duration_s": document["duration_s"],
            "kind": document["kind"],
            "seed": document["seed"],
            "inputs_hash": document["inputs_hash"],
        }
        return make_event("mentoring.match_run.completed.v1", SOURCE, document["match_run_id"], data)

    @staticmethod
    def run_view(document: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in document.items() if k not in ("_id", "_version", "participant_ids")}

    def get_run(self, run_id: str, principal: Principal) -> dict[str, Any]:
        run, _ = self._run_for_admin(run_id, principal)
        return self.run_view(run)

    def list_runs(self, program_id: str, principal: Principal, skip: int, limit: int):
        self._admin_program(program_id, principal)
        return self.runs.summaries(program_id, skip, limit)

    # -- why (not) this pair ------------------------------------------------------------------------
    def explain(self, run_id: str, leader_id: str, junior_id: str, principal: Principal) -> dict[str, Any]:
        run, program = self._run_for_admin(run_id, principal)
        inputs = self._inputs(program, run["weights"])
        ctx = inputs.context()
        for who, index, field in (
            (leader_id, ctx.leader_index, "leader"),
            (junior_id, ctx.junior_index, "junior"),
        ):
            if who not in index:
                raise NotFound(
                    f"{who} is not an enrolled {field} of program {program['program_id']}", field=field
                )
        answer = explain_pair(leader_id, junior_id, ctx)
        proposals = run["proposals"]
        proposed = any(p["leader_id"] == leader_id and p["junior_id"] == junior_id for p in proposals)
        answer |= {"proposed": proposed, "inputs_changed": inputs.hash != run["inputs_hash"]}
        if not proposed and answer["feasible"]:
            answer["why_not"] = self._why_not(run, leader_id, junior_id, answer["score"], ctx)
        return answer

    @staticmethod
    def _why_not(run: dict, leader_id: str, junior_id: str, score: float, ctx: MatchContext) -> str:
        reasons = []
        mine = next((p for p in run["proposals"] if p["leader_id"] == leader_id), None)
        if mine is not None:
            reasons.append(
                f"the global optimum pairs this leader with {mine['junior_id']} "
                f"(score {mine['score']:.4f} vs {score:.4f} for this pair)"
            )
        else:
            left = next((u for u in run["unmatched"] if u["leader_id"] == leader_id), None)
            if left is not None:
                reasons.append(
                    f"the leader was left unmatched in this run: {left['reason']} ({left['detail']})"
                )
            else:
                reasons.append(
                    "the leader was not part of this run (already in a live pairing or enrolled later)"
                )
        taken = [p for p in run["proposals"] if p["junior_id"] == junior_id]
        capacity = ctx.capacity_j[ctx.junior_index[junior_id]]
        if taken:
            others = ", ".join(p["leader_id"] for p in taken)
            reasons.append(
                f"the junior's {int(capacity)} place(s) went to {others}, which scores more overall"
            )
        return "; ".join(reasons)

    # -- admin review -------------------------------------------------------------------------------
    def override(
        self,
        run_id: str,
        principal: Principal,
        *,
        action: str,
        leader_id: str,
        junior_id: str | None = None,
        other_leader_id: str | None = None,
        reason: str | None = None,
    ) -> dict[str, Any]:
        """Assign, swap or unassign by hand; a pair breaking a hard constraint needs a reason, and every
        override is audited in the run document."""
        run, program = self._run_for_admin(run_id, principal)
        self._require_reviewable(run)
        inputs = self._inputs(program, run["weights"])
        ctx = inputs.context()
        proposals = {p["leader_id"]: p for p in run["proposals"]}
        unmatched = {u["leader_id"]: u for u in run["unmatched"]}
        self._known(ctx.leader_index, leader_id, "leader_id")
        if action == "assign":
            if not junior_id:
                raise Unprocessable("assign needs junior_id", field="junior_id")
            self._known(ctx.junior_index, junior_id, "junior_id")
            new_pairs = [(leader_id, junior_id)]
            removed = [proposals[leader_id]] if leader_id in proposals else []
        elif action == "swap":
            if not other_leader_id:
                raise Unprocessable("swap needs other_leader_id", field="other_leader_id")
            self._known(ctx.leader_index, other_leader_id, "other_leader_id")
            for who, name in ((leader_id, "leader_id"), (other_leader_id, "other_leader_id")):
                if who not in proposals:
                    raise Conflict(f"{who} has no proposal in this run to swap", field=name)
            a, b = proposals[leader_id], proposals[other_leader_id]
            new_pairs = [(leader_id, b["junior_id"]), (other_leader_id, a["junior_id"])]
            removed = [a, b]
        elif action == "unassign":
            if leader_id not in proposals:
                raise Conflict(f"{leader_id} has no proposal in this run", field="leader_id")
            new_pairs, removed = [], [proposals[leader_id]]
        else:
            raise Unprocessable(f"unknown action {action!r}", field="action")

        kept = [p for p in run["proposals"] if p not in removed]
        load = Counter(p["junior_id"] for p in kept) + Counter(p["junior_id"] for p in inputs.live)
        now = self.clock()
        added, violations = [], []
        for leader, junior in new_pairs:
            explained = explain_pair(leader, junior, ctx)
            broken = list(explained.get("violated") or [])
            j = ctx.junior_index[junior]
            if load[junior] + 1 > int(ctx.capacity_j[j]):
                broken.append(
                    {
                        "constraint": "capacity",
                        "detail": f"junior {junior} has {int(ctx.capacity_j[j])} place(s)",
                    }
                )
            load[junior] += 1
            components = component_scores(ctx, np.array([ctx.leader_index[leader]]), np.array([j]))
            score = float(combine(ctx, components)[0])
            violations += [{**v, "leader_id": leader, "junior_id": junior} for v in broken]
            added.append(
                {
                    "pairing_id": _derived_id(run_id, leader, junior, str(len(run["overrides"]))),
                    "leader_id": leader,
                    "junior_id": junior,
                    "score": score,
                    "components": {k: round(float(v[0]), 6) for k, v in components.items()},
                    "constraints_checked": list(CONSTRAINTS),
                    "source": "override",
                    "override_reason": reason,
                    "violations": broken,
                    "proposed_at": now,
                }
            )
        if violations and not (reason and reason.strip()):
            raise Unprocessable(
                "the override breaks hard constraints: "
                + "; ".join(f"{v['constraint']} ({v['detail']})" for v in violations)
                + ". Give a reason to override them; it is audited in the run.",
                field="reason",
                violations=violations,
            )
        for proposal in added:
            unmatched.pop(proposal["leader_id"], None)
        for proposal in removed:
            if proposal["leader_id"] not in {p["leader_id"] for p in added}:
                unmatched[proposal["leader_id"]] = {
                    "leader_id": proposal["leader_id"],
                    "reason": "removed_by_admin",
                    "detail": reason or "unassigned in review",
                }
        new_proposals = sorted([*kept, *added], key=lambda p: p["leader_id"])
        audit = {
            "action": action,
            "leader_id": leader_id,
            "junior_id": junior_id,
            "other_leader_id": other_leader_id,
            "reason": reason,
            "violations": violations,
            "removed": [{"leader_id": p["leader_id"], "junior_id": p["junior_id"]} for p in removed],
            "added": [{"leader_id": p["leader_id"], "junior_id": p["junior_id"]} for p in added],
            "by": principal.subject,
            "at": now,
        }
        changes = {
            "proposals": new_proposals,
            "unmatched": sorted(unmatched.values(), key=lambda u: u["leader_id"]),
            "overrides": [*run["overrides"], audit],
            "matched_count": len(new_proposals),
            "total_score": round(sum(p["score"] for p in new_proposals), 6),
            "participant_ids": sorted(set(run["participant_ids"]) | {p["junior_id"] for p in added}),
        }
        events = [_proposed_event(p, run["program_id"], run_id) for p in added]
        try:
            self.runs.save(run_id, run["_version"], changes, events)
        except StaleWrite as error:
            raise Conflict("the match run changed while this override was applied; retry") from error
        return self.run_view({**run, **changes, "_version": run["_version"] + 1})

    @staticmethod
    def _known(index, who: str, field: str) -> None:
        if who not in index:
            raise NotFound(f"{who} is not an enrolled participant in that role", field=field)

    @staticmethod
    def _require_reviewable(run: dict[str, Any]) -> None:
        if run["dry_run"]:
            raise Conflict("a dry run cannot be changed or published; start a real run", code="dry_run")
        if run["status"] != "completed":
            raise Conflict(
                f"match run {run['match_run_id']} is already {run['status']}", code="already_published"
            )

    def publish(self, run_id: str, principal: Principal) -> dict[str, Any]:
        """Each proposal becomes a published pairing (one atomic write with its event); unmatched
        leaders go on the waitlist. Safe to retry: pairing ids derive from the run."""
        run, _ = self._run_for_admin(run_id, principal)
        self._require_reviewable(run)
        if not run["proposals"]:
            raise Conflict("the run has no proposals to publish", code="nothing_to_publish")
        program_id = run["program_id"]
        live = self.pairings.of_program(program_id, LIVE_STATES)
        people = {p["participant_id"]: p for p in self.projection.enrolled(program_id)}
        busy = {p["leader_id"] for p in live}
        stale = [p["leader_id"] for p in run["proposals"] if p["leader_id"] in busy]
        gone = [
            who for p in run["proposals"] for who in (p["leader_id"], p["junior_id"]) if who not in people
        ]
        if stale or gone:
            raise Conflict(
                "the run is stale: "
                + (f"leaders already in a live pairing: {sorted(set(stale))}; " if stale else "")
                + (f"no longer enrolled: {sorted(set(gone))}; " if gone else "")
                + "start a new run",
                code="stale_run",
            )
        now = self.clock()
        documents = []
        for proposal in run["proposals"]:
            if self.pairings.get(proposal["pairing_id"]) is not None:
                continue  # published by an interrupted earlier attempt
            pairing, events = Pairing.publish(
                proposal,
                program_id=program_id,
                match_run_id=run_id,
                leader_employee_id=people[proposal["leader_id"]]["employee_id"],
                junior_employee_id=people[proposal["junior_id"]]["employee_id"],
                by=principal.subject,
                now=now,
            )
            documents.append((pairing.to_record(), _pairing_events(pairing.pairing_id, events)))
        self.pairings.insert_many(documents)
        PAIRINGS.labels("published").inc(len(documents))
        self.pairings.leave_waitlist(program_id, [p["leader_id"] for p in run["proposals"]])
        for left in run["unmatched"]:
            if left["leader_id"] in people:
                self.pairings.wait(program_id, left["leader_id"], left["reason"], left["detail"], now)
        changes = {"status": "published", "published_at": now, "published_by": principal.subject}
        try:
            self.runs.save(run_id, run["_version"], changes)
        except StaleWrite as error:
            raise Conflict("the match run changed while it was published; reload it") from error
        return self.run_view({**run, **changes})

    # -- pairings -----------------------------------------------------------------------------------
    def _pairing(self, pairing_id: str) -> tuple[Pairing, int]:
        record = self.pairings.get(pairing_id)
        if record is None:
            raise NotFound(f"pairing {pairing_id} does not exist", field="pairing_id")
        return Pairing.from_record(record), record["_version"]

    def _own_side(self, pairing: Pairing, principal: Principal) -> str:
        """The caller's side of the pairing; anyone else gets 404 (no hint that the pairing exists)."""
        if principal.has_any(("participant",)):
            if principal.subject == pairing.leader_employee_id:
                return "leader"
            if principal.subject == pairing.junior_employee_id:
                return "junior"
        raise NotFound(f"pairing {pairing.pairing_id} does not exist", field="pairing_id")

    def _save(self, pairing: Pairing, version: int, events: list[PairingEvent]) -> None:
        try:
            self.pairings.save(pairing.to_record(), version, _pairing_events(pairing.pairing_id, events))
        except StaleWrite as error:
            raise Conflict("the pairing changed while this request was processed; retry") from error
        for event in events:
            PAIRINGS.labels(event.type.split(".")[2]).inc()

    def _transition(self, change: Callable[[], tuple[Pairing, list[PairingEvent]]]):
        try:
            return change()
        except TransitionRefused as error:
            raise Conflict(str(error), code="invalid_transition") from error

    def pairing_view(self, pairing: Pairing | dict[str, Any]) -> dict[str, Any]:
        record = pairing.to_record() if isinstance(pairing, Pairing) else pairing
        return {k: v for k, v in record.items() if k != "_version"}

    def get_pairing(self, pairing_id: str, principal: Principal) -> dict[str, Any]:
        pairing, _ = self._pairing(pairing_id)
        program = self.projection.program(pairing.program_id) or {}
        if not self.is_admin(program, principal):
            self._own_side(pairing, principal)
        return self.pairing_view(pairing)

    def accept(self, pairing_id: str, principal: Principal) -> dict[str, Any]:
        pairing, version = self._pairing(pairing_id)
        side = self._own_side(pairing, principal)
        changed, events = self._transition(lambda: pairing.accept(side, self.clock()))
        self._save(changed, version, events)
        return self.pairing_view(changed)

    def decline(self, pairing_id: str, principal: Principal, reason: str, text: str | None) -> dict[str, Any]:
        """The pair is excluded from then on, the leader waits for a new junior, and the freed place
        may be taken by someone on the waitlist at once."""
        pairing, version = self._pairing(pairing_id)
        side = self._own_side(pairing, principal)
        changed, events = self._transition(lambda: pairing.decline(side, reason, text or "", self.clock()))
        self._save(changed, version, events)
        self.pairings.wait(
            changed.program_id, changed.leader_id, "declined", f"the {side} declined: {reason}", self.clock()
        )
        self.rematch(changed.program_id)
        return self.pairing_view(changed)

    def end(self, pairing_id: str, principal: Principal, kind: str, reason: str) -> dict[str, Any]:
        pairing, version = self._pairing(pairing_id)
        program = self.projection.program(pairing.program_id) or {}
        by = "admin" if self.is_admin(program, principal) else None
        if by is None:
            side = self._own_side(pairing, principal)
            by = pairing.leader_id if side == "leader" else pairing.junior_id
        changed, events = self._transition(lambda: pairing.end(kind, reason, by, self.clock()))
        self._save(changed, version, events)
        if kind == "early":
            self.pairings.wait(changed.program_id, changed.leader_id, "ended_early", reason, self.clock())
        self.rematch(changed.program_id)  # a junior place is free again
        return self.pairing_view(changed)

    def list_pairings(self, program_id: str, principal: Principal, state: str | None, skip: int, limit: int):
        program = self.program(program_id)
        query: dict[str, Any] = {"program_id": program_id}
        if not self.is_admin(program, principal):
            if not principal.has_any(("participant",)):
                raise Forbidden(f"only admins of program {program_id} and its participants may list pairings")
            query["$or"] = [
                {"leader_employee_id": principal.subject},
                {"junior_employee_id": principal.subject},
            ]
        if state:
            query["state"] = state
        items, total = self.pairings.page(query, skip, limit)
        return [self.pairing_view(i) for i in items], total

    def waitlist(self, program_id: str, principal: Principal) -> list[dict[str, Any]]:
        self._admin_program(program_id, principal)
        return self.pairings.waiting(program_id)

    def add_conflict(self, program_id: str, principal: Principal, values: dict[str, Any]) -> dict[str, Any]:
        """An admin declares that two people must not be paired (in any program from now on)."""
        self._admin_program(program_id, principal)
        record = {**values, "program_id": program_id, "declared_by": principal.subject, "at": self.clock()}
        self.pairings.add_conflict(record)
        return record

    # -- waitlist and rematch -----------------------------------------------------------------------
    def rematch(self, program_id: str, trigger: str | None = None) -> dict[str, Any] | None:
        """Propose juniors to waitlisted leaders when capacity may have appeared; best effort: when the
        program is busy or nothing fits, the leaders simply stay on the waitlist for the next trigger."""
        program = self.projection.program(program_id)
        if program is None or program.get("status") not in RUNNABLE_STATUSES:
            return None
        waiting = {w["leader_id"] for w in self.pairings.waiting(program_id)}
        if not waiting:
            return None
        run_id = _derived_id("rematch", trigger) if trigger else str(uuid.uuid4())
        try:
            run = self._run(
                program, kind="rematch", dry_run=False, seed=0, weights=None, by="waitlist",
                run_id=run_id, only_leaders=waiting,
            )  # fmt: skip
        except Conflict as error:
            log.info("rematch of program %s skipped: %s", program_id, error.detail)
            return None
        if run is not None:
            self.pairings.proposed_again(program_id, [p["leader_id"] for p in run["proposals"]], run_id)
        return run

    def pairing_at_risk(self, pairing_id: str, reason: str, event_id: str) -> None:
        """Feedback says a pairing is in trouble: end it, exclude the pair, re-propose the leader."""
        record = self.pairings.get(pairing_id)
        if record is None:
            return
        pairing = Pairing.from_record(record)
        if pairing.live:
            changed, events = pairing.request_rematch(reason, self.clock())
            self._save(changed, record["_version"], events)
            self.pairings.wait(pairing.program_id, pairing.leader_id, "at_risk", reason, self.clock())
        self.rematch(pairing.program_id, trigger=event_id)

    def junior_registered(self, program_id: str, event_id: str) -> None:
        self.rematch(program_id, trigger=event_id)

    # -- withdrawal and erasure ----------------------------------------------------------------------
    def withdraw_participant(self, participant_id: str, program_id: str, event: Event) -> None:
        """A participant left the program: their live pairings end early and they leave the waitlist; a
        leader whose junior left goes back on it. Decided from the projected status, not from whether this
        delivery changed it, so a redelivery after a crash finishes what the first one started (and a
        withdrawal older than a re-enrolment ends nothing)."""
        self.projection.set_participant_status(participant_id, "withdrawn", event)
        if (self.projection.participant(participant_id) or {}).get("status") != "withdrawn":
            return
        if self._end_pairings_of(
            participant_id, program_id, ("early", "participant withdrew"), "partner_withdrew"
        ):
            self.rematch(program_id, trigger=event.id)

    def _end_pairings_of(
        self,
        participant_id: str,
        program_id: str,
        ending: tuple[str, str],
        waitlist_reason: str,
        scrub: Callable[[Pairing], Pairing] = lambda pairing: pairing,
    ) -> bool:
        """End the participant's live pairings with ``ending`` (kind, reason), put a leader whose junior left
        back on the waitlist, save every pairing as ``scrub`` leaves it, take the participant off the
        waitlist. True when a pairing ended (capacity was freed)."""
        freed = False
        for record in self.pairings.involving(participant_id):
            original = Pairing.from_record(record)
            pairing, events = original, []
            if pairing.live:
                pairing, events = pairing.end(*ending, "system", self.clock())
                freed = True
                if participant_id == pairing.junior_id:
                    self.pairings.wait(program_id, pairing.leader_id, waitlist_reason, "", self.clock())
            pairing = scrub(pairing)
            if pairing != original or events:
                self._save(pairing, record["_version"], events)
        self.pairings.forget_waiting(participant_id)
        return freed

    def erase_participant(self, participant_id: str, program_id: str, event: Event) -> None:
        """Forget a person: projection tombstone, live pairings ended ("erased"), personal data scrubbed
        from pairings, runs, waitlist and conflicts. Idempotent: a replay finds nothing left to do."""
        before = self.projection.participant(participant_id) or {}
        employee_id = event.data.get("employee_id") or before.get("employee_id")
        self.projection.forget_participant(participant_id, program_id, event)
        freed = self._end_pairings_of(
            participant_id,
            program_id,
            ("erased", ERASED),
            "partner_erased",
            scrub=lambda pairing: pairing.without_personal_data(participant_id),
        )
        if employee_id:
            self.pairings.forget_conflicts(employee_id)
        for run in self.runs.mentioning(participant_id):
            changes = {
                name: _replace_id(run.get(name), participant_id, ERASED)
                for name in ("proposals", "unmatched", "overrides", "diff")
                if run.get(name) is not None
            }
            changes["participant_ids"] = [p for p in run["participant_ids"] if p != participant_id]
            if employee_id:  # org-chart notes name employees
                changes["warnings"] = [w.replace(employee_id, ERASED) for w in run.get("warnings") or []]
            self.runs.save(run["_id"], run["_version"], changes)
        if freed:
            self.rematch(program_id, trigger=event.id)
