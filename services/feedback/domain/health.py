"""Pairing health: a 0-100 score from keeping the check-in cadence, goal progress and the fit check, with
its components shown. Below ``AT_RISK_BELOW`` a pairing is at risk; it recovers only at ``RECOVERED_AT``
(a gap between the two, so a score hovering at the line does not flap between events).

A fit check answered by both sides at ``POOR_FIT_AT_MOST`` or below (their mean) is a pairing at risk by
itself: the people in it say it does not work, and sessions held on time do not outweigh that (the
weighted score alone cannot fall below 60 while the cadence is kept). One side's answer alone never flags
it, so the other side cannot tell from a flag what a junior answered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

WEIGHTS = {"cadence": 0.5, "goals": 0.2, "fit": 0.3}
AT_RISK_BELOW = 50.0
RECOVERED_AT = 60.0
NO_GOALS = 50.0
POOR_FIT_AT_MOST = 25.0  # a mean of 2 of 5 or less
REASONS = {"cadence": "missed_check_ins", "goals": "stalled_goals", "fit": "poor_fit"}


@dataclass(frozen=True)
class Health:
    score: float
    components: dict[str, float | None]
    at_risk: bool
    reason: str | None

    def view(self) -> dict:
        return {
            "score": self.score,
            "components": self.components,
            "at_risk": self.at_risk,
            "reason": self.reason,
            "weights": WEIGHTS,
        }


def cadence_component(last: date, today: date, cadence_weeks: int) -> float:
    """100 within the cadence, falling to 0 when twice the cadence passed without a check-in."""
    days, period = (today - last).days, 7 * cadence_weeks
    if days <= period:
        return 100.0
    return round(max(0.0, 100.0 * (1 - (days - period) / period)), 1)


def goals_component(goals: list[dict]) -> float:
    """50 before any goal is set; then 50 + half the mean progress of the goals not dropped."""
    kept = [g for g in goals if g["status"] != "dropped"]
    if not kept:
        return NO_GOALS
    return round(NO_GOALS + sum(g["progress"] for g in kept) / len(kept) / 2, 1)


def fit_component(mean_likert: float | None) -> float | None:
    return None if mean_likert is None else round((mean_likert - 1) / 4 * 100, 1)


def assess(
    components: dict[str, float | None], was_at_risk: bool, fit_answered_by_both: bool = False
) -> Health:
    """The weighted mean of the components known (an unanswered fit check does not count)."""
    known = {name: value for name, value in components.items() if value is not None}
    weight = sum(WEIGHTS[name] for name in known)
    score = round(sum(WEIGHTS[name] * value for name, value in known.items()) / weight, 1)
    poor_fit = fit_answered_by_both and known.get("fit", 100.0) <= POOR_FIT_AT_MOST
    at_risk = poor_fit or (score < RECOVERED_AT if was_at_risk else score < AT_RISK_BELOW)
    weakest = "fit" if poor_fit else min(known, key=lambda name: known[name])
    return Health(score, components, at_risk, REASONS[weakest] if at_risk else None)
