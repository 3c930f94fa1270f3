"""The outcome report of a program, from each pairing's maintained counters (never from the raw records),
and its CSV form."""

from __future__ import annotations

import csv
import io
from statistics import median
from typing import Any

# Published anchor: early closure of algorithmically matched pairs (the figure programs compare against).
EARLY_CLOSURE_ANCHOR = 0.1087
EARLY_KINDS = ("early", "rematch")
# what one pairing contributes to its program's report (``row_of``): all the report reads
ROW_FIELDS = (
    "activated_on",
    "state",
    "end_kind",
    "goals_total",
    "goals_achieved",
    "check_ins",
    "insights_raised",
    "insights_acknowledged",
    "insights_acted_upon",
    "days_to_act",
    "at_risk",
)


def row_of(pairing: dict[str, Any]) -> dict[str, Any]:
    return {name: pairing.get(name) for name in ROW_FIELDS}


def report(program_id: str, pairings: list[dict[str, Any]], pulse: list[dict[str, Any]]) -> dict[str, Any]:
    """The program's figures from its pairings' rows (``row_of``) and its released pulse aggregates."""
    formed = [p for p in pairings if p.get("activated_on")]
    ended = [p for p in formed if p.get("state") == "ended"]
    early = [p for p in ended if p.get("end_kind") in EARLY_KINDS]
    goals = sum(p.get("goals_total") or 0 for p in formed)
    achieved = sum(p.get("goals_achieved") or 0 for p in formed)
    check_ins = sum(p.get("check_ins") or 0 for p in formed)
    days_to_act = [d for p in formed for d in p.get("days_to_act") or []]
    return {
        "program_id": program_id,
        "pairs": {
            "formed": len(formed),
            "active": sum(p.get("state") == "active" for p in formed),
            "ended": len(ended),
            "ended_early": len(early),
        },
        "early_closure_rate": _ratio(len(early), len(formed)),
        "early_closure_anchor": EARLY_CLOSURE_ANCHOR,
        "goals": {"set": goals, "achieved": achieved, "attainment_rate": _ratio(achieved, goals)},
        "check_ins": {
            "total": check_ins,
            "per_pairing": round(check_ins / len(formed), 2) if formed else None,
        },
        "insights": {
            "raised": sum(p.get("insights_raised") or 0 for p in formed),
            "acknowledged": sum(p.get("insights_acknowledged") or 0 for p in formed),
            "acted_upon": sum(p.get("insights_acted_upon") or 0 for p in formed),
            "median_days_to_act": round(median(days_to_act), 2) if days_to_act else None,
        },
        "at_risk": sum(bool(p.get("at_risk")) for p in formed if p.get("state") == "active"),
        "pulse": pulse,
    }


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def rows(figures: dict[str, Any]) -> list[tuple[str, Any]]:
    """The report as (metric, value) rows: nested figures flattened with dots, pulse figures per pulse."""
    flat: list[tuple[str, Any]] = []
    for name, value in figures.items():
        if name == "pulse":
            for pulse in value:
                for question in pulse.get("questions") or []:
                    flat.append(
                        (f"pulse.{pulse['pulse_id']}.{question['question_id']}.mean", question["mean"])
                    )
                flat.append((f"pulse.{pulse['pulse_id']}.responses", pulse.get("responses")))
        elif isinstance(value, dict):
            flat.extend((f"{name}.{key}", inner) for key, inner in value.items())
        else:
            flat.append((name, value))
    return flat


def to_csv(figures: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("metric", "value"))
    for name, value in rows(figures):
        writer.writerow((name, "" if value is None else value))
    return out.getvalue()
