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
from .explain import diff_against_current, explain_pair
from .inputs import canonical_json, exclusions_from_history, inputs_hash
from .model import COMPONENTS, CONSTRAINTS, Exclusion, Participant, ProgramRules, Weights, Window
from .orgchart import OrgIndex, OrgIssue, build_org_index
from .pairing import LIVE_STATES, Pairing, PairingEvent, TransitionRefused
from .scoring import SCORE_SCALE, component_scores, score_matrix
from .solver import MatchResult, Proposal, Unmatched, solve

__all__ = [
    "COMPONENTS",
    "CONSTRAINTS",
    "LIVE_STATES",
    "SCORE_SCALE",
    "Exclusion",
    "MatchContext",
    "MatchResult",
    "OrgIndex",
    "OrgIssue",
    "Pairing",
    "PairingEvent",
    "Participant",
    "ProgramRules",
    "Proposal",
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
    "diff_against_current",
    "exclusions_from_history",
    "explain_pair",
    "feasibility_matrix",
    "inputs_hash",
    "optimal_assignment",
    "score_matrix",
    "solve",
    "violations",
]
