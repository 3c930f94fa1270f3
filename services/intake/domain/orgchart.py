"""The org chart: who reports to whom, the reporting chain and sub-trees, and problems (cycles, unknowns)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from .events import OrgChartEmployeeUpserted

ProblemKind = Literal["cycle", "unknown_manager"]


@dataclass(frozen=True)
class OrgChartProblem:
    """Something wrong with the chart, reported instead of crashing: the data comes from HR systems."""

    kind: ProblemKind
    employee_id: str
    detail: str
    members: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "employee_id": self.employee_id,
            "detail": self.detail,
            "members": list(self.members),
        }


class OrgChart:
    """``{employee_id: manager_id or None}``; every walk is bounded, so cycles never loop forever."""

    def __init__(self, managers: Mapping[str, str | None]) -> None:
        self._managers: dict[str, str | None] = dict(managers)
        self._reports: dict[str, list[str]] = {}
        for employee, manager in self._managers.items():
            if manager is not None:
                self._reports.setdefault(manager, []).append(employee)
        for reports in self._reports.values():
            reports.sort()

    def __contains__(self, employee_id: object) -> bool:
        return employee_id in self._managers

    def __len__(self) -> int:
        return len(self._managers)

    def manager_of(self, employee_id: str) -> str | None:
        return self._managers.get(employee_id)

    def direct_reports(self, employee_id: str) -> list[str]:
        return list(self._reports.get(employee_id, ()))

    def reporting_chain(self, employee_id: str) -> list[str]:
        """Manager, manager's manager, … nearest first; stops at the top, at a cycle, or at an unknown manager
        (which is included: matching should still keep that person apart)."""
        chain: list[str] = []
        seen = {employee_id}
        current = self._managers.get(employee_id)
        while current is not None and current not in seen:
            chain.append(current)
            seen.add(current)
            current = self._managers.get(current)
        return chain

    def subtree(self, employee_id: str) -> set[str]:
        """Everyone reporting to ``employee_id`` directly or indirectly (not the employee themself)."""
        found: set[str] = set()
        stack = list(self._reports.get(employee_id, ()))
        while stack:
            employee = stack.pop()
            if employee in found or employee == employee_id:
                continue
            found.add(employee)
            stack.extend(self._reports.get(employee, ()))
        return found

    def in_same_line(self, a: str, b: str) -> bool:
        """True when one of the two sits in the other's reporting chain (the pair matching must refuse)."""
        return a != b and (a in self.reporting_chain(b) or b in self.reporting_chain(a))

    def problems(self) -> list[OrgChartProblem]:
        """Every cycle once (listed from its smallest id) and every employee with an unknown manager."""
        problems: list[OrgChartProblem] = []
        for employee in sorted(self._managers):
            manager = self._managers[employee]
            if manager is not None and manager not in self._managers:
                problems.append(
                    OrgChartProblem(
                        "unknown_manager",
                        employee,
                        f"{employee} reports to {manager}, who is not in the org chart",
                    )
                )
        # Each employee has at most one manager, so following managers from any start either ends or enters
        # exactly one cycle; colouring visited nodes keeps the whole scan linear.
        state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
        for start in sorted(self._managers):
            path: list[str] = []
            current: str | None = start
            while current is not None and current in self._managers and current not in state:
                state[current] = 1
                path.append(current)
                current = self._managers[current]
            if current is not None and state.get(current) == 1:
                cycle = path[path.index(current) :]
                pivot = cycle.index(min(cycle))
                members = tuple(cycle[pivot:] + cycle[:pivot])
                detail = (
                    f"{members[0]} is their own manager"
                    if len(members) == 1
                    else "reporting cycle: " + " → ".join((*members, members[0]))
                )
                problems.append(OrgChartProblem("cycle", members[0], detail, members))
            for employee in path:
                state[employee] = 2
        return problems


@dataclass(frozen=True)
class OrgChartDiff:
    """What changed between two charts: employees new or with a new manager, and employees gone."""

    upserted: dict[str, str | None] = field(default_factory=dict)
    removed: tuple[str, ...] = ()

    def events(self) -> list[OrgChartEmployeeUpserted]:
        """One ``employee_upserted`` event per new or changed employee, keyed by employee id."""
        return [
            OrgChartEmployeeUpserted(key=employee, data={"employee_id": employee, "manager_id": manager})
            for employee, manager in self.upserted.items()
        ]


def diff_org_charts(old: Mapping[str, str | None], new: Mapping[str, str | None]) -> OrgChartDiff:
    """Compare two ``{employee_id: manager_id}`` maps; output sorted by employee id so it is deterministic."""
    missing = object()
    upserted = {
        employee: new[employee] for employee in sorted(new) if old.get(employee, missing) != new[employee]
    }
    removed = tuple(sorted(employee for employee in old if employee not in new))
    return OrgChartDiff(upserted=upserted, removed=removed)
