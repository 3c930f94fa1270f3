"""Matching's message bus: which handler runs each command, and which commands follow which events.

Every place a freed or new junior place lets waitlisted leaders be matched is a follow-up here, so no
use case runs the solver for another: declining, ending, an at-risk signal, a withdrawal, an erasure
and a junior joining each ask for a ``RequestRematch`` whose run id derives from its trigger.
"""

from __future__ import annotations

from services.matching.domain import JuniorJoined
from services.matching.service import commands as c
from services.matching.service import erasure, pairings, projections, review, runs
from services.matching.store.ports import MatchingUnitOfWork
from shared.bus import MessageBus
from shared.contracts.types import PairingDeclined, PairingEnded, PairingRematchRequested

SERVICE = "matching"

HANDLERS = {
    c.StartMatchRun: runs.start_match_run,
    c.RequestRematch: runs.request_rematch,
    c.OverrideProposal: review.override_proposal,
    c.PublishRun: review.publish_run,
    c.AcceptPairing: pairings.accept_pairing,
    c.DeclinePairing: pairings.decline_pairing,
    c.EndPairing: pairings.end_pairing,
    c.MarkPairingAtRisk: pairings.mark_pairing_at_risk,
    c.AddConflict: pairings.add_conflict,
    c.ProjectParticipant: projections.project_participant,
    c.ProjectProgram: projections.project_program,
    c.ProjectReportingLine: projections.project_reporting_line,
    c.WithdrawParticipant: projections.withdraw_participant,
    c.EraseParticipant: erasure.erase_participant,
}


def _rematch_after(verb: str):
    """A pairing event frees a junior place: rematch, once per pairing and verb."""

    def follow_up(event: PairingDeclined | PairingEnded | PairingRematchRequested) -> c.RequestRematch | None:
        if isinstance(event, PairingEnded) and event.data.get("end_kind") == "rematch":
            return None  # its PairingRematchRequested asks for the rematch
        return c.RequestRematch(event.data["program_id"], trigger=f"{verb}:{event.key}")

    return follow_up


FOLLOW_UPS = {
    PairingDeclined: [_rematch_after("declined")],
    PairingEnded: [_rematch_after("ended")],
    PairingRematchRequested: [_rematch_after("rematch_requested")],
    JuniorJoined: [lambda event: c.RequestRematch(event.program_id, trigger=event.trigger)],
}


def build_bus(uow: MatchingUnitOfWork) -> MessageBus[MatchingUnitOfWork]:
    """The bus of one app or worker over its unit of work."""
    return MessageBus(SERVICE, uow, HANDLERS, FOLLOW_UPS)
