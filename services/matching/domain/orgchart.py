"""Reporting chains as Euler-tour intervals, robust to cycles and unknown managers in the org chart."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class OrgIssue:
    """Something wrong in the org chart that the engine worked around (reported, never fatal)."""

    employee_id: str
    issue: str  # unknown_manager | cycle | not_in_org_chart
    detail: str


@dataclass(frozen=True)
class OrgIndex:
    """Every employee's Euler-tour interval ``[tin, tout]`` in the reporting forest.

    Intervals of a forest are laminar, so two employees are in one reporting chain (either direction)
    exactly when their intervals intersect. Members of a management cycle share one interval: each is
    in the chain of every other, and of everyone below any of them.
    """

    tin: Mapping[str, int]
    tout: Mapping[str, int]
    manager_of: Mapping[str, str | None]
    issues: tuple[OrgIssue, ...]

    def intervals(self, employee_ids: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        ids = list(employee_ids)
        return (
            np.array([self.tin[e] for e in ids], dtype=np.int64),
            np.array([self.tout[e] for e in ids], dtype=np.int64),
        )

    def chain_between(self, leader: str, junior: str) -> str | None:
        """Human-readable relation when ``junior`` and ``leader`` share a reporting chain, else None."""
        if not (self.tin[leader] <= self.tout[junior] and self.tin[junior] <= self.tout[leader]):
            return None
        for lower, upper, role in ((junior, leader, "leader"), (leader, junior, "junior")):
            steps, current, seen = 0, lower, set()
            while current is not None and current not in seen:
                seen.add(current)
                current = self.manager_of.get(current)
                steps += 1
                if current == upper:
                    return f"{upper} ({role}) is {steps} level(s) above {lower} in the reporting chain"
        return f"{leader} and {junior} are in one management cycle or its sub-tree"


def build_org_index(manager_of: Mapping[str, str | None], employees: Iterable[str] = ()) -> OrgIndex:
    """Index the org chart ``employee_id -> manager_id`` (None for the top), plus extra employees.

    Unknown managers become roots and cycles are collapsed into one node; both are reported.
    """
    issues: list[OrgIssue] = []
    graph: dict[str, str | None] = {str(k): (None if v is None else str(v)) for k, v in manager_of.items()}
    for employee in employees:
        if employee not in graph:
            graph[employee] = None
            issues.append(OrgIssue(employee, "not_in_org_chart", f"{employee} has no org-chart entry"))
    for employee, manager in sorted(graph.items()):
        if manager is not None and manager not in graph:
            issues.append(
                OrgIssue(employee, "unknown_manager", f"manager {manager} of {employee} is unknown")
            )
    for manager in {m for m in graph.values() if m is not None and m not in graph}:
        graph[manager] = None

    representative = {e: e for e in graph}
    state: dict[str, int] = {}
    for start in sorted(graph):
        path: list[str] = []
        current: str | None = start
        while current is not None and current not in state:
            state[current] = 1
            path.append(current)
            current = graph[current]
        if current is not None and state.get(current) == 1:
            cycle = path[path.index(current) :]
            rep = min(cycle)
            for member in cycle:
                representative[member] = rep
            issues.append(OrgIssue(rep, "cycle", "management cycle: " + " -> ".join([*cycle, current])))
        for node in path:
            state[node] = 2

    children: dict[str, list[str]] = {}
    roots: list[str] = []
    for employee, manager in graph.items():
        if representative[employee] != employee:
            continue
        parent = None if manager is None else representative[manager]
        if parent is None or parent == employee:
            roots.append(employee)
        else:
            children.setdefault(parent, []).append(employee)
    for members in children.values():
        members.sort()

    tin: dict[str, int] = {}
    tout: dict[str, int] = {}
    counter = 0
    for root in sorted(roots):
        stack: list[tuple[str, bool]] = [(root, False)]
        while stack:
            node, done = stack.pop()
            if done:
                tout[node] = counter - 1
                continue
            tin[node] = counter
            counter += 1
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(children.get(node, ())))
    for employee, rep in representative.items():
        tin[employee], tout[employee] = tin[rep], tout[rep]
    return OrgIndex(tin=tin, tout=tout, manager_of=graph, issues=tuple(issues))


def _expand(owners: np.ndarray, lo: np.ndarray, hi: np.ndarray, order: np.ndarray):
    counts = np.maximum(hi - lo, 0)
    total = int(counts.sum())
    rows = np.repeat(owners, counts)
    starts = np.repeat(lo - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    return rows, order[np.arange(total) + starts]


def related_pairs(
    tin_l: np.ndarray, tout_l: np.ndarray, tin_j: np.ndarray, tout_j: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """All (leader, junior) index pairs in one reporting chain, sparse, via sorted interval searches."""
    below_l, below_j = _nested(tin_l, tout_l, tin_j, "left")  # juniors in a leader's subtree (or the leader)
    above_j, above_l = _nested(tin_j, tout_j, tin_l, "right")  # leaders strictly in a junior's subtree
    return np.concatenate([below_l, above_l]), np.concatenate([below_j, above_j])


def _nested(
    outer_in: np.ndarray, outer_out: np.ndarray, inner_in: np.ndarray, side: str
) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (outer, inner) whose inner entry time falls in the outer interval (``side`` says
    whether an equal entry time counts)."""
    order = np.argsort(inner_in, kind="stable")
    starts = inner_in[order]
    return _expand(
        np.arange(len(outer_in)),
        np.searchsorted(starts, outer_in, side),
        np.searchsorted(starts, outer_out, "right"),
        order,
    )


def related(tin_l, tout_l, tin_j, tout_j) -> np.ndarray:
    """Elementwise (broadcasting) reporting-chain test: the two intervals intersect."""
    return (tin_l <= tout_j) & (tin_j <= tout_l)
