"""Feedback's unit of work: every store port its use cases see, on Mongo or in memory."""

from __future__ import annotations

from pymongo import ASCENDING
from pymongo.database import Database

from services.feedback.pulse import store as pulse_store
from services.feedback.store.documents import Documents, MemoryDocuments, MongoDocuments
from services.feedback.store.outcomes import OutcomeRows
from services.feedback.store.pairings import Pairings
from services.feedback.store.people import OrgChart, People, Programs
from services.feedback.store.records import PairingRecords
from shared.mongo import IndexSpec
from shared.mongo import now as stored_now
from shared.schedule import MemoryScheduledWork, MongoScheduledWork, ScheduledWork
from shared.uow import Clock, UnitOfWork

PROGRAMS = "programs"
PARTICIPANTS = "participants"
PARTICIPANT_KEYS = "participant_keys"
ORGCHART = "orgchart"
PAIRINGS = "pairing_health"
PROGRAM_PAIRINGS = "program_pairings"
OUTCOME_ROWS = "outcome_rows"
GOALS = "goals"
CHECK_INS = "check_ins"
INSIGHTS = "insights"
SURVEY_ANSWERS = "survey_answers"
SCHEDULE = "scheduled_work"
# collections whose documents carry an outbox the worker relays
OUTBOX_COLLECTIONS = [PAIRINGS, GOALS, CHECK_INS, INSIGHTS, *pulse_store.OUTBOX_COLLECTIONS]
INDEXES = [
    IndexSpec(PAIRINGS, (("program_id", ASCENDING),)),
    IndexSpec(PAIRINGS, (("leader_id", ASCENDING),)),
    IndexSpec(PAIRINGS, (("junior_id", ASCENDING),)),
    *[IndexSpec(name, (("outbox_pending", ASCENDING),)) for name in OUTBOX_COLLECTIONS],
    *pulse_store.INDEXES,
]
COLLECTIONS = (
    PROGRAMS,
    PARTICIPANTS,
    PARTICIPANT_KEYS,
    ORGCHART,
    PAIRINGS,
    PROGRAM_PAIRINGS,
    OUTCOME_ROWS,
    GOALS,
    CHECK_INS,
    INSIGHTS,
    SURVEY_ANSWERS,
)


class FeedbackUnitOfWork(UnitOfWork):
    """What feedback's handlers see: projections, pairings with their health, the outcome report's rows,
    what people wrote about a pairing, scheduled work and the clock."""

    programs: Programs
    people: People
    orgchart: OrgChart
    pairings: Pairings
    outcomes: OutcomeRows
    goals: PairingRecords
    check_ins: PairingRecords
    insights: PairingRecords
    survey_answers: PairingRecords
    schedule: ScheduledWork
    pulses: pulse_store.PulseStore

    def _wire(self, collection: dict[str, Documents]) -> None:
        self.programs = Programs(collection[PROGRAMS])
        self.people = People(collection[PARTICIPANTS], collection[PARTICIPANT_KEYS])
        self.orgchart = OrgChart(collection[ORGCHART])
        self.pairings = Pairings(collection[PAIRINGS], collection[PROGRAM_PAIRINGS])
        self.outcomes = OutcomeRows(collection[OUTCOME_ROWS])
        self.goals = PairingRecords(collection[GOALS], "created_at")
        self.check_ins = PairingRecords(collection[CHECK_INS], "logged_at")
        self.insights = PairingRecords(collection[INSIGHTS], "raised_at")
        self.survey_answers = PairingRecords(collection[SURVEY_ANSWERS], "answered_at")


class MongoFeedbackUnitOfWork(FeedbackUnitOfWork):
    def __init__(self, db: Database, clock: Clock = stored_now) -> None:
        super().__init__(clock)
        self.db = db
        self._wire({name: MongoDocuments(db[name]) for name in COLLECTIONS})
        self.schedule = MongoScheduledWork(db[SCHEDULE])
        self.pulses = pulse_store.MongoPulseStore(db)


class MemoryFeedbackUnitOfWork(FeedbackUnitOfWork):
    """The in-memory twin for use-case tests: no server."""

    def __init__(self, clock: Clock = stored_now) -> None:
        super().__init__(clock)
        self.outbox: list = []
        self.collections = {name: MemoryDocuments(outbox=self.outbox) for name in COLLECTIONS}
        self._wire(self.collections)
        self.schedule = MemoryScheduledWork()
        self.pulses = pulse_store.MemoryPulseStore(outbox=self.outbox)

    def published(self) -> list:
        """Every event queued in any outbox, in write order (tests)."""
        return list(self.outbox)
