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
from .model import COMPONENTS, CONSTRAINTS, Exclusion, Participant, ProgramRules, Weights, Window
from .orgchart import OrgIndex, OrgIssue, build_org_index
from .scoring import SCORE_SCALE, component_scores, score_matrix
from .solver import MatchResult, Proposal, Unmatched, solve

__all__ = [
    "COMPONENTS",
    "CONSTRAINTS",
    "SCORE_SCALE",
    "Exclusion",
    "MatchContext",
    "MatchResult",
    "OrgIndex",
    "OrgIssue",
    "Participant",
    "ProgramRules",
    "Proposal",
    "Unmatched",
    "Weights",
    "Window",
    "build_context",
    "build_org_index",
    "certify",
    "check_pairs",
    "component_scores",
    "diff_against_current",
    "explain_pair",
    "feasibility_matrix",
    "optimal_assignment",
    "score_matrix",
    "solve",
    "violations",
]
