"""The matching engine's pure domain: scores, hard constraints, a certified global optimum, explanations.

Typical use::

    rules = ProgramRules.from_program(program_payload)
    ctx = build_context(leaders, juniors, rules, manager_of=org_chart, exclusions=exclusions)
    result = solve(ctx, seed=42)
    explain_pair(leader_id, junior_id, ctx)
    diff_against_current(result.proposals, current_pairings)

Imports no flask, pymongo or kafka.
"""

from .assignment import certify, optimal_assignment
from .constraints import check_pairs, feasibility_matrix, violations
from .context import MatchContext, build_context
from .events import ConflictDeclared, JuniorJoined, MatchRunRecorded, PairingRecorded
from .explain import diff_against_current, explain_in_run, explain_leader, explain_pair, score_pair
from .ids import derived_id
from .inputs import canonical_json, exclusions_from_history, inputs_hash
from .model import COMPONENTS, CONSTRAINTS, Exclusion, Participant, ProgramRules, Weights, Window
from .orgchart import OrgIndex, OrgIssue, build_org_index
from .pairing import LIVE_STATES, Pairing, TransitionRefused
from .review import Override
from .run import ERASED, MatchRun, Publication, RunRequest
from .scoring import SCORE_SCALE, component_scores, score_matrix
from .solver import MatchResult, Proposal, Unmatched, solve

__all__ = [
    "COMPONENTS",
    "CONSTRAINTS",
    "ERASED",
    "LIVE_STATES",
    "SCORE_SCALE",
    "ConflictDeclared",
    "Exclusion",
    "JuniorJoined",
    "MatchContext",
    "MatchResult",
    "MatchRun",
    "MatchRunRecorded",
    "OrgIndex",
    "OrgIssue",
    "Override",
    "Pairing",
    "PairingRecorded",
    "Participant",
    "ProgramRules",
    "Proposal",
    "Publication",
    "RunRequest",
    "TransitionRefused",
    "Unmatched",
    "Weights",
    "Window",
    "build_context",
    "build_org_index",
    "canonical_json",
    "certify",
    "check_pairs",
    "component_scores",
    "derived_id",
    "diff_against_current",
    "exclusions_from_history",
    "explain_in_run",
    "explain_leader",
    "explain_pair",
    "feasibility_matrix",
    "inputs_hash",
    "optimal_assignment",
    "score_matrix",
    "score_pair",
    "solve",
    "violations",
]
