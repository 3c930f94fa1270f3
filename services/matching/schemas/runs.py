"""HTTP schemas of match runs: the request, the run with its proposals and diff, explanations, overrides.

Problem details are the chassis' (``shared.http.ProblemSchema``). Matching's ``code``: run_in_progress,
stale_projection, empty_cohort, all_pairs_infeasible, program_status, invalid_transition, stale_run,
dry_run, already_published, nothing_to_publish.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.matching.schemas.dump import compile_dump
from shared.http import PageSchema, PartialWeights, StrictSchema

ID = fields.String


class MatchRunRequest(StrictSchema):
    dry_run = fields.Boolean(
        load_default=False, metadata={"description": "compute and diff, publish nothing"}
    )
    seed = fields.Integer(
        load_default=0, validate=validate.Range(0, 2**31 - 1), metadata={"description": "tie-breaking"}
    )
    weights = fields.Nested(
        PartialWeights,
        metadata={"description": "per-run weight overrides; names left out keep the program's"},
    )
    expected_leaders = fields.Integer(
        validate=validate.Range(min=0),
        metadata={"description": "refuse (409 stale_projection) if matching has seen fewer enrolled leaders"},
    )
    expected_juniors = fields.Integer(validate=validate.Range(min=0))


class Violation(Schema):
    constraint = fields.String(required=True)
    detail = fields.String(required=True)
    participant = fields.String()
    leader_id = ID()
    junior_id = ID()


class ProposalSchema(Schema):
    pairing_id = ID(required=True, metadata={"description": "id the pairing gets when published"})
    leader_id = ID(required=True)
    junior_id = ID(required=True)
    score = fields.Float(required=True)
    components = fields.Dict(keys=fields.String(), values=fields.Float(), required=True)
    constraints_checked = fields.List(fields.String())
    source = fields.String(validate=validate.OneOf(("solver", "override")))
    override_reason = fields.String(allow_none=True)
    violations = fields.List(fields.Nested(Violation))
    proposed_at = fields.DateTime()


class UnmatchedSchema(Schema):
    leader_id = ID(required=True)
    reason = fields.String(
        required=True,
        metadata={
            "description": "not_eligible, no_feasible_junior, capacity_exhausted, "
            "lost_to_better_global_assignment, removed_by_admin"
        },
    )
    detail = fields.String()


class PairRef(Schema):
    leader_id = ID(required=True)
    junior_id = ID(required=True)


class DiffSchema(Schema):
    added = fields.List(fields.Nested(PairRef))
    removed = fields.List(fields.Nested(PairRef))
    unchanged = fields.List(fields.Nested(PairRef))


class OverrideAudit(Schema):
    action = fields.String()
    leader_id = ID()
    junior_id = ID(allow_none=True)
    other_leader_id = ID(allow_none=True)
    reason = fields.String(allow_none=True)
    violations = fields.List(fields.Nested(Violation))
    removed = fields.List(fields.Nested(PairRef))
    added = fields.List(fields.Nested(PairRef))
    by = fields.String()
    at = fields.DateTime()


class RunInputs(Schema):
    leaders = fields.Integer()
    juniors = fields.Integer()
    enrolled_leaders = fields.Integer()
    enrolled_juniors = fields.Integer()
    exclusions = fields.Integer()
    fixed_pairings = fields.Integer()
    projection_as_of = fields.DateTime(allow_none=True)


class MatchRunSchema(Schema):
    match_run_id = ID(required=True)
    program_id = ID(required=True)
    kind = fields.String(validate=validate.OneOf(("run", "rematch")))
    dry_run = fields.Boolean()
    status = fields.String(validate=validate.OneOf(("completed", "published")))
    seed = fields.Integer()
    weights = fields.Dict(keys=fields.String(), values=fields.Float())
    weight_overrides = fields.Dict(keys=fields.String(), values=fields.Float())
    inputs_hash = fields.String(metadata={"description": "sha256 of the canonical inputs"})
    inputs = fields.Nested(RunInputs)
    started_at = fields.DateTime()
    finished_at = fields.DateTime()
    started_by = fields.String()
    duration_s = fields.Float()
    timings_s = fields.Dict(keys=fields.String(), values=fields.Float())
    solver = fields.Dict()
    total_score = fields.Float()
    matched_count = fields.Integer()
    proposals = fields.List(fields.Nested(ProposalSchema))
    unmatched = fields.List(fields.Nested(UnmatchedSchema))
    warnings = fields.List(fields.String())
    overrides = fields.List(fields.Nested(OverrideAudit))
    diff = fields.Nested(DiffSchema, metadata={"description": "dry runs: against current pairings"})
    published_at = fields.DateTime()
    published_by = fields.String()


class MatchRunSummary(Schema):
    match_run_id = ID()
    program_id = ID()
    kind = fields.String()
    dry_run = fields.Boolean()
    status = fields.String()
    started_at = fields.DateTime()
    duration_s = fields.Float()
    matched_count = fields.Integer()
    total_score = fields.Float()
    seed = fields.Integer()
    inputs_hash = fields.String()


class MatchRunPage(PageSchema):
    items = fields.List(fields.Nested(MatchRunSummary))


class ExplainQuery(StrictSchema):
    leader = ID(required=True, metadata={"description": "participant id of the leader"})
    junior = ID(
        metadata={"description": "participant id of the junior; leave out to ask why (not) this leader"}
    )


class CandidateSchema(Schema):
    junior_id = ID(required=True)
    score = fields.Float(required=True)


class LeaderIssue(Schema):
    constraint = fields.String(required=True)
    detail = fields.String(required=True)


class ExplanationSchema(Schema):
    leader_id = ID(required=True)
    junior_id = ID(allow_none=True, metadata={"description": "null when the leader alone is explained"})
    feasible = fields.Boolean(metadata={"description": "pair explanations: no hard constraint broken"})
    score = fields.Float()
    components = fields.Dict(keys=fields.String(), values=fields.Float())
    weights = fields.Dict(keys=fields.String(), values=fields.Float())
    violated = fields.List(fields.Nested(Violation), metadata={"description": "every constraint it breaks"})
    proposed = fields.Boolean(required=True)
    why_not = fields.String(metadata={"description": "feasible but not proposed: what the optimum did"})
    inputs_changed = fields.Boolean(
        metadata={"description": "the projection changed since the run: the answer uses today's data"}
    )
    proposal = fields.Nested(CandidateSchema, metadata={"description": "leader alone: the junior proposed"})
    leader_issues = fields.List(
        fields.Nested(LeaderIssue),
        metadata={"description": "leader alone: why they cannot be matched at all"},
    )
    juniors_considered = fields.Integer(metadata={"description": "leader alone: enrolled juniors"})
    feasible_juniors = fields.Integer(metadata={"description": "leader alone: juniors no constraint forbids"})
    ruled_out_by = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "leader alone: how many juniors each hard constraint rules out"},
    )
    best_candidates = fields.List(
        fields.Nested(CandidateSchema), metadata={"description": "leader alone: best feasible juniors"}
    )


class OverrideRequest(StrictSchema):
    action = fields.String(required=True, validate=validate.OneOf(("assign", "swap", "unassign")))
    leader_id = ID(required=True)
    junior_id = ID(metadata={"description": "assign: the junior to give the leader"})
    other_leader_id = ID(metadata={"description": "swap: exchange juniors with this leader"})
    reason = fields.String(
        validate=validate.Length(max=2000),
        metadata={"description": "required when the result breaks a hard constraint; audited"},
    )


dump_match_run = compile_dump(MatchRunSchema())  # MatchRunSchema().dump in one pass (see schemas.dump)
