"""Which event reaches whom, with which template, in which category and how urgently: pure rules.

A route names its audience by what the event carries (a participant id, an admin's employee id, or the
hr role) and never by contact details; the service layer turns participants into people. Escalations go
only to the ids the event names (program admins) or to the hr role: never to a leader, a junior or
anyone else the pairing touches. Events about a pairing that only admins review (``pairing.proposed``)
or that nobody needs to hear about (goals, logged check-ins) are *known* and route to no one; event types
this table does not know are ignored by the caller, counted and logged once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.contracts import types as t
from shared.messages import PublishedEvent

HR_INBOX = "role:hr"


@dataclass(frozen=True)
class Category:
    """How a kind of message may be delivered: ``mandatory`` ones cannot be switched off, ``urgent`` ones
    skip the digest, ``quiet`` ones wait for the end of quiet hours (escalations do not)."""

    name: str
    mandatory: bool
    urgent: bool
    quiet: bool = True


CATEGORIES: dict[str, Category] = {
    c.name: c
    for c in (
        Category("enrolment", mandatory=True, urgent=True),
        Category("pairing", mandatory=True, urgent=True),
        Category("pairing_updates", mandatory=False, urgent=False),
        Category("reminders", mandatory=False, urgent=False),
        Category("insights", mandatory=False, urgent=False),
        Category("program_health", mandatory=False, urgent=False),
        Category("escalations", mandatory=True, urgent=True, quiet=False),
    )
}


@dataclass(frozen=True)
class Audience:
    """One recipient as the event names them: a participant (``participant_id``) or an employee by id
    (an admin), or the hr role's shared inbox (``employee_id == HR_INBOX``)."""

    role: str  # leader | junior | admin | hr | channel (a program's chat)
    participant_id: str | None = None
    employee_id: str | None = None
    partner_id: str | None = None  # the other side of a pairing, for "who" in the text


@dataclass(frozen=True)
class Route:
    """One intended message before preferences, locale and rendering."""

    template: str
    audience: Audience
    category: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def urgent(self) -> bool:
        return CATEGORIES[self.category].urgent


# The pairing's component scores in the order a tie is broken (the first names what matters most).
COMPONENTS = ("topic_fit", "reverse_fit", "focus", "availability", "language", "diversity")
REASONS_SHOWN = 3


def match_reasons(components: Mapping[str, float] | None, shown: int = REASONS_SHOWN) -> list[str]:
    """Why a pair was matched: the strongest non-zero component codes, best first (templates put them in
    words per locale)."""
    scores = {name: float(value) for name, value in (components or {}).items() if value and value > 0}
    ranked = sorted(scores, key=lambda name: (-scores[name], _order(name)))
    return ranked[:shown]


def _order(name: str) -> int:
    return COMPONENTS.index(name) if name in COMPONENTS else len(COMPONENTS)


def _leader(data: Mapping[str, Any]) -> Audience:
    return Audience("leader", participant_id=data["leader_id"], partner_id=data["junior_id"])


def _junior(data: Mapping[str, Any]) -> Audience:
    return Audience("junior", participant_id=data["junior_id"], partner_id=data["leader_id"])


def _both(data: Mapping[str, Any]) -> list[Audience]:
    return [_leader(data), _junior(data)]


def _other_side(data: Mapping[str, Any]) -> list[Audience]:
    """The side that did not act (``by``); both when the actor is not one of them."""
    by = data.get("by")
    return [a for a in _both(data) if a.participant_id != by] or _both(data)


def _admins(program: Mapping[str, Any] | None) -> list[Audience]:
    return [Audience("admin", employee_id=admin) for admin in (program or {}).get("admins") or []]


def _pairing_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    return {"pairing_id": data["pairing_id"], "program_id": data["program_id"]}


Router = Callable[[Mapping[str, Any], Mapping[str, Any] | None], list[Route]]


def _each(template: str, category: str, audiences: list[Audience], data: dict[str, Any]) -> list[Route]:
    return [Route(template, audience, category, data) for audience in audiences]


def _registered(d: Mapping[str, Any], _p: Mapping[str, Any] | None) -> list[Route]:
    if d.get("status") != "enrolled":
        return []
    audience = Audience(d["role"], participant_id=d["participant_id"])
    return [Route("enrolment_confirmed", audience, "enrolment", {"program_id": d["program_id"]})]


def _published(d: Mapping[str, Any], _p: Mapping[str, Any] | None) -> list[Route]:
    data = {**_pairing_fields(d), "reasons": match_reasons(d.get("components"))}
    return _each("pairing_published", "pairing", _both(d), data)


def _accepted(d: Mapping[str, Any], _p: Mapping[str, Any] | None) -> list[Route]:
    if d.get("state") == "active":
        return []  # both accepted: pairing.activated tells them both
    return _each("pairing_accepted", "pairing_updates", _other_side(d), _pairing_fields(d))


def _declined(d: Mapping[str, Any], _p: Mapping[str, Any] | None) -> list[Route]:
    """Both sides hear the outcome; the leader learns they wait for a new junior (matching waitlists them)."""
    routes = []
    for audience in _both(d):
        data = {
            **_pairing_fields(d),
            "declined_by_me": audience.participant_id == d.get("by"),
            "decline_reason": d.get("decline_reason"),
            "waitlisted": audience.role == "leader",
        }
        routes.append(Route("pairing_declined", audience, "pairing_updates", data))
    return routes


def _activated(d: Mapping[str, Any], _p: Mapping[str, Any] | None) -> list[Route]:
    return _each("pairing_activated", "pairing", _both(d), _pairing_fields(d))


def _ended(d: Mapping[str, Any], _p: Mapping[str, Any] | None) -> list[Route]:
    data = {**_pairing_fields(d), "end_kind": d.get("end_kind") or "planned"}
    return _each("pairing_ended", "pairing", _both(d), data)


def _rematch_requested(d: Mapping[str, Any], _p: Mapping[str, Any] | None) -> list[Route]:
    """The leader goes back on the waitlist for a new junior (the junior heard the pairing ended)."""
    return [Route("rematch_requested", _leader(d), "pairing_updates", _pairing_fields(d))]


def _run_completed(d: Mapping[str, Any], p: Mapping[str, Any] | None) -> list[Route]:
    """Admins review proposals before anyone else hears of them; a dry run tells no one. Matching
    publishes counts only: no event names a leader left unmatched, so nobody is told they are waiting
    until a pairing of theirs is published (or declined: then the leader hears they wait)."""
    if d.get("dry_run"):
        return []
    data = {
        "program_id": d["program_id"],
        "match_run_id": d["match_run_id"],
        "rematch": d.get("kind") == "rematch",
        "proposals": d["proposals"],
        "unmatched": d["unmatched"],
    }
    if data["rematch"] and not data["proposals"]:
        return []
    return _each("match_run_completed", "program_health", _admins(p), data)


def _checkin_due(d: Mapping[str, Any], _p: Mapping[str, Any] | None) -> list[Route]:
    data = {**_pairing_fields(d), "due_on": d["due_on"], "weeks_without": d["weeks_without"]}
    return _each("checkin_due", "reminders", _both(d), data)


def _survey_due(d: Mapping[str, Any], _p: Mapping[str, Any] | None) -> list[Route]:
    data = {**_pairing_fields(d), "survey_kind": d["kind"], "due_on": d["due_on"]}
    return _each("survey_due", "reminders", _both(d), data)


def _insight_acted_upon(d: Mapping[str, Any], _p: Mapping[str, Any] | None) -> list[Route]:
    """Juniors see their ideas acted upon: only the junior who raised it is told."""
    data = {**_pairing_fields(d), "area": d["area"]}
    return [Route("insight_acted_upon", _junior(d), "insights", data)]


def _at_risk(d: Mapping[str, Any], p: Mapping[str, Any] | None) -> list[Route]:
    data = {**_pairing_fields(d), "reason": d["reason"], "score": d.get("score")}
    return _each("pairing_at_risk", "program_health", _admins(p), data)


def _pulse_escalated(d: Mapping[str, Any], _p: Mapping[str, Any] | None) -> list[Route]:
    """Only whom the event names: the admins it lists, or the hr inbox; never anyone else."""
    data = {"program_id": d["program_id"], "escalation_id": d["escalation_id"]}
    if d["route"] == "hr":
        return [Route("pulse_escalated", Audience("hr", employee_id=HR_INBOX), "escalations", data)]
    audiences = [Audience("admin", employee_id=e) for e in dict.fromkeys(d.get("recipient_ids") or [])]
    return _each("pulse_escalated", "escalations", audiences, data)


def _pulse_closed(d: Mapping[str, Any], p: Mapping[str, Any] | None) -> list[Route]:
    data = {
        "program_id": d["program_id"],
        "pulse_id": d["pulse_id"],
        "released": d["released"],
        "responses": d.get("responses") if d["released"] else None,
    }
    return _each("pulse_closed", "program_health", _admins(p), data)


def _nobody(_d: Mapping[str, Any], _p: Mapping[str, Any] | None) -> list[Route]:
    return []


ROUTES: dict[type[PublishedEvent], Router] = {
    t.ParticipantRegistered: _registered,
    t.PairingProposed: _nobody,  # admins review the run first (match_run.completed tells them)
    t.PairingPublished: _published,
    t.PairingAccepted: _accepted,
    t.PairingDeclined: _declined,
    t.PairingActivated: _activated,
    t.PairingEnded: _ended,
    t.PairingRematchRequested: _rematch_requested,
    t.MatchRunCompleted: _run_completed,
    t.CheckInDue: _checkin_due,
    t.SurveyDue: _survey_due,
    t.InsightActedUpon: _insight_acted_upon,
    t.PairingAtRisk: _at_risk,
    t.PulseEscalated: _pulse_escalated,
    t.PulseClosed: _pulse_closed,
    t.GoalSet: _nobody,
    t.GoalCompleted: _nobody,
    t.CheckInLogged: _nobody,
    t.InsightRaised: _nobody,  # the leader reads insights in feedback; a message adds nothing safe
    t.PairingRecovered: _nobody,
    t.ProgramStatusChanged: _nobody,  # the program's chat channel hears it (CHAT_ROUTES)
}

# Every template a route may name (the catalog tests render each for each locale).
TEMPLATE_NAMES = (
    "enrolment_confirmed",
    "pairing_published",
    "pairing_accepted",
    "pairing_declined",
    "pairing_activated",
    "pairing_ended",
    "rematch_requested",
    "match_run_completed",
    "checkin_due",
    "survey_due",
    "insight_acted_upon",
    "pairing_at_risk",
    "pulse_escalated",
    "pulse_closed",
    "digest",
    "chat_match_run_completed",
    "chat_program_status",
)


# Chat is a program's shared channel (a Slack-compatible incoming webhook an admin set): it hears
# program-level notices with counts and program facts, one message per (event, program), and never
# anything about one person or pairing (no names, no pairing at risk, no pulse content, no escalation).
CHAT_AUDIENCE = Audience("channel")


def _chat_run_completed(d: Mapping[str, Any], p: Mapping[str, Any] | None) -> list[Route]:
    """The same run the admins are e-mailed about (not a dry run, not an empty rematch), as counts."""
    routes = _run_completed(d, {"admins": ["channel"]})
    return [Route("chat_match_run_completed", CHAT_AUDIENCE, r.category, r.data) for r in routes]


def _chat_program_status(d: Mapping[str, Any], _p: Mapping[str, Any] | None) -> list[Route]:
    data = {"program_id": d["program_id"], "status": d["status"]}
    return [Route("chat_program_status", CHAT_AUDIENCE, "program_health", data)]


CHAT_ROUTES: dict[type[PublishedEvent], Router] = {
    t.MatchRunCompleted: _chat_run_completed,
    t.ProgramStatusChanged: _chat_program_status,
}


def chat_routes_for(
    kind: type[PublishedEvent], data: Mapping[str, Any], program: Mapping[str, Any] | None
) -> list[Route]:
    """What a program's chat channel hears about ``kind`` ([] for everything else)."""
    router = CHAT_ROUTES.get(kind)
    return router(data, program) if router else []


def routes_for(
    kind: type[PublishedEvent], data: Mapping[str, Any], program: Mapping[str, Any] | None
) -> list[Route]:
    """The messages ``kind`` asks for, given the program it belongs to (its admins); [] for a known event
    that tells nobody. ``KeyError`` for a type this table does not know (the caller counts it)."""
    return ROUTES[kind](data, program)


def knows(kind: type[PublishedEvent]) -> bool:
    return kind in ROUTES
