"""An admin's review of a real run: overrides by hand, then publication as pairings."""

from __future__ import annotations

from services.matching.domain import LIVE_STATES, MatchRunRecorded, Override
from services.matching.service import access
from services.matching.service.commands import OverrideProposal, PublishRun
from services.matching.service.inputs import read_inputs
from services.matching.store.ports import MatchingUnitOfWork
from shared.messages import DomainEvent
from shared.metrics import PAIRINGS


def override_proposal(command: OverrideProposal, uow: MatchingUnitOfWork) -> list[DomainEvent]:
    """Assign, swap or unassign by hand; checked and scored on today's cohort, audited in the run."""
    run, version, program = access.run_for_admin(uow, command.match_run_id, command.principal)
    run.require_reviewable()
    inputs = read_inputs(uow, program, run.weight_overrides)
    change = Override(
        command.action, command.leader_id, command.junior_id, command.other_leader_id, command.reason
    )
    changed, events = run.override(
        change,
        context=inputs.context(),
        live_load=inputs.live_load(),
        by=command.principal.subject,
        now=uow.clock(),
    )
    uow.runs.save(run.match_run_id, version, changed.to_record(), events)
    return [*events, MatchRunRecorded(changed)]


def publish_run(command: PublishRun, uow: MatchingUnitOfWork) -> list[DomainEvent]:
    """Each proposal becomes a published pairing (one atomic write with its event); unmatched leaders
    go on the waitlist. Safe to retry: pairing ids derive from the run."""
    run, version, _ = access.run_for_admin(uow, command.match_run_id, command.principal)
    run.require_reviewable()
    employees = {p["participant_id"]: p["employee_id"] for p in uow.projection.cohort(run.program_id)}
    live = uow.pairings.of_program(run.program_id, LIVE_STATES)
    already = {p["pairing_id"] for p in run.proposals if uow.pairings.get(p["pairing_id"]) is not None}
    now = uow.clock()
    publication = run.publish(
        employees=employees,
        busy_leaders={p["leader_id"] for p in live},
        already_published=already,
        by=command.principal.subject,
        now=now,
    )
    uow.pairings.insert_many([(pairing.to_record(), events) for pairing, events in publication.pairings])
    PAIRINGS.labels("published").inc(len(publication.pairings))
    uow.waitlist.leave(run.program_id, [p["leader_id"] for p in run.proposals])
    for left in publication.waiting:
        uow.waitlist.wait(run.program_id, left["leader_id"], left["reason"], left["detail"], now)
    published = publication.run
    uow.runs.save(
        run.match_run_id,
        version,
        {"status": published.status, "published_at": now, "published_by": published.published_by},
    )
    events = [event for _, pairing_events in publication.pairings for event in pairing_events]
    return [*events, MatchRunRecorded(published)]
