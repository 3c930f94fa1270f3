"""Feedback's business gauges: each program's outcome figures, labelled by program (the dashboard's
outcome panel reads them). Set whenever a report is built and by the worker's refresh loop."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from prometheus_client import Gauge

log = logging.getLogger(__name__)

PAIRS = Gauge(
    "feedback_pairs", "Pairs of a program by outcome state", ["program", "state"], multiprocess_mode="max"
)
EARLY_CLOSURE = Gauge(
    "feedback_early_closure_ratio", "Pairs ended early / pairs formed", ["program"], multiprocess_mode="max"
)
GOAL_ATTAINMENT = Gauge(
    "feedback_goal_attainment_ratio", "Goals achieved / goals set", ["program"], multiprocess_mode="max"
)
CHECK_INS_PER_PAIRING = Gauge(
    "feedback_check_ins_per_pairing", "Check-ins logged per pair formed", ["program"], multiprocess_mode="max"
)
INSIGHTS = Gauge(
    "feedback_insights", "Insights of a program by status", ["program", "status"], multiprocess_mode="max"
)
DAYS_TO_ACT = Gauge(
    "feedback_insight_median_days_to_act",
    "Median days from raising an insight to acting upon it",
    ["program"],
    multiprocess_mode="max",
)
AT_RISK = Gauge(
    "feedback_pairs_at_risk",
    "Active pairs whose health is below the threshold",
    ["program"],
    multiprocess_mode="max",
)


def show_outcomes(report: dict[str, Any]) -> None:
    program = report["program_id"]
    for state, count in report["pairs"].items():
        PAIRS.labels(program, state).set(count)
    for status in ("raised", "acknowledged", "acted_upon"):
        INSIGHTS.labels(program, status).set(report["insights"][status])
    optional = {
        EARLY_CLOSURE: report["early_closure_rate"],
        GOAL_ATTAINMENT: report["goals"]["attainment_rate"],
        CHECK_INS_PER_PAIRING: report["check_ins"]["per_pairing"],
        DAYS_TO_ACT: report["insights"]["median_days_to_act"],
    }
    for gauge, value in optional.items():
        gauge.labels(program).set(0 if value is None else value)
    AT_RISK.labels(program).set(report["at_risk"])


def refresh_loop(
    programs: Callable[[], list[str]], build: Callable[[str], dict[str, Any]], interval_s: float = 60.0
):
    """The worker's loop that keeps every program's gauges current (the dashboard needs no API call)."""

    def loop(stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                for program_id in programs():
                    show_outcomes(build(program_id))
            except Exception:
                log.exception("refreshing the outcome gauges failed; trying again")
            stop.wait(interval_s)

    return loop
