"""The published payload schemas and the topics and vocabularies they use (event types: ``types.py``)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from shared.vocabulary import DEFAULT_WEIGHTS, GROWTH_GOALS

PROGRAMS = "mentoring.programs.v1"
PARTICIPANTS = "mentoring.participants.v1"
ORGCHART = "mentoring.orgchart.v1"
PAIRINGS = "mentoring.pairings.v1"
MATCH_RUNS = "mentoring.match-runs.v1"
FEEDBACK = "mentoring.feedback.v1"
NOTIFICATIONS = "mentoring.notifications.v1"
TOPICS = (PROGRAMS, PARTICIPANTS, ORGCHART, PAIRINGS, MATCH_RUNS, FEEDBACK, NOTIFICATIONS)

# Which consumer group reads which topics; drives topic + dead-letter topic creation.
CONSUMER_GROUPS: dict[str, tuple[str, ...]] = {
    "intake": (PARTICIPANTS, PAIRINGS),  # its own participants: registration lines feed the org chart
    "matching": (PROGRAMS, PARTICIPANTS, ORGCHART, FEEDBACK),
    "notifications": (PAIRINGS, FEEDBACK, PARTICIPANTS),
    "feedback": (PAIRINGS, PARTICIPANTS),
}

PROGRAM_STATUSES = ("draft", "enrolling", "matching", "running", "closed")
PARTICIPANT_STATUSES = ("enrolled", "withdrawn", "erased")
PAIRING_STATES = ("proposed", "published", "accepted", "declined", "active", "ended")
DECLINE_REASONS = (
    "schedule_conflict",
    "topic_mismatch",
    "language_barrier",
    "personal_conflict",
    "workload",
    "prefer_someone_else",
    "other",
)
END_KINDS = ("planned", "early", "erased", "rematch")
ACCEPTANCE = ("pending", "accepted", "declined")


def dlq_topic(topic: str, group: str) -> str:
    return f"{topic}.{group}.dlq"


class Strict(Schema):
    """Payload schemas reject unknown fields: a typo in a producer fails loudly, not silently."""

    class Meta:
        unknown = RAISE


class AvailabilityWindow(Strict):
    day = fields.Integer(required=True, validate=validate.Range(0, 6), metadata={"description": "0 = Monday"})
    start = fields.String(required=True, validate=validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$"))
    end = fields.String(required=True, validate=validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$"))


class Consent(Strict):
    matching = fields.Boolean(required=True)
    data_processing = fields.Boolean(required=True)


class Weights(Strict):
    topic_fit = fields.Float(load_default=DEFAULT_WEIGHTS["topic_fit"], validate=validate.Range(0, 1))
    reverse_fit = fields.Float(load_default=DEFAULT_WEIGHTS["reverse_fit"], validate=validate.Range(0, 1))
    availability = fields.Float(load_default=DEFAULT_WEIGHTS["availability"], validate=validate.Range(0, 1))
    language = fields.Float(load_default=DEFAULT_WEIGHTS["language"], validate=validate.Range(0, 1))
    focus = fields.Float(load_default=DEFAULT_WEIGHTS["focus"], validate=validate.Range(0, 1))
    diversity = fields.Float(load_default=DEFAULT_WEIGHTS["diversity"], validate=validate.Range(0, 1))


class ProgramRules(Strict):
    min_seniority_gap = fields.Integer(load_default=3, validate=validate.Range(0, 11))
    min_timezone_overlap_hours = fields.Float(load_default=2.0, validate=validate.Range(0, 40))
    languages = fields.List(fields.String(), load_default=list)
    junior_capacity_default = fields.Integer(load_default=1, validate=validate.Range(1, 5))
    weights = fields.Nested(Weights, load_default=lambda: Weights().load({}))


class ProgramPayload(Strict):
    program_id = fields.String(required=True)
    name = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(PROGRAM_STATUSES))
    focus_areas = fields.List(fields.String(), required=True)
    custom_focus_areas = fields.List(fields.String(), load_default=list)
    starts_on = fields.Date(allow_none=True, load_default=None)
    ends_on = fields.Date(allow_none=True, load_default=None)
    admins = fields.List(fields.String(), load_default=list)
    rules = fields.Nested(ProgramRules, required=True)


class ParticipantPayload(Strict):
    participant_id = fields.String(required=True)
    program_id = fields.String(required=True)
    employee_id = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(("leader", "junior")))
    level = fields.Integer(required=True, validate=validate.Range(1, 12))
    department = fields.String(load_default=None, allow_none=True)
    location = fields.String(load_default=None, allow_none=True)
    timezone = fields.String(required=True)
    languages = fields.List(fields.String(), required=True)
    topics_to_learn = fields.List(fields.String(), load_default=list)
    topics_to_teach = fields.List(fields.String(), load_default=list)
    growth_goals = fields.List(fields.String(validate=validate.OneOf(tuple(GROWTH_GOALS))), load_default=list)
    strengths = fields.List(fields.String(validate=validate.OneOf(tuple(GROWTH_GOALS))), load_default=list)
    availability = fields.List(fields.Nested(AvailabilityWindow), load_default=list)
    capacity = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 5))
    manager_id = fields.String(load_default=None, allow_none=True)
    consent = fields.Nested(Consent, required=True)
    status = fields.String(required=True, validate=validate.OneOf(PARTICIPANT_STATUSES))


class ParticipantRef(Strict):
    """Only identifiers: used where personal data must not travel (withdrawal, erasure).

    Intake sends ``participant_id`` + ``program_id`` on erasure, and adds ``employee_id`` and a reason *code*
    (``consent-withdrawn`` or null, never free text) on withdrawal.
    """

    participant_id = fields.String(required=True)
    program_id = fields.String(required=True)
    employee_id = fields.String(
        load_default=None, allow_none=True, metadata={"description": "withdrawal only; never sent on erasure"}
    )
    reason = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "a reason code such as consent-withdrawn, or null; never free text"},
    )


class OrgChartEntry(Strict):
    employee_id = fields.String(required=True)
    manager_id = fields.String(load_default=None, allow_none=True)


class ComponentScores(Strict):
    topic_fit = fields.Float()
    reverse_fit = fields.Float()
    availability = fields.Float()
    language = fields.Float()
    focus = fields.Float()
    diversity = fields.Float()


class Acceptance(Strict):
    leader = fields.String(required=True, validate=validate.OneOf(ACCEPTANCE))
    junior = fields.String(required=True, validate=validate.OneOf(ACCEPTANCE))


class PairingPayload(Strict):
    """Every ``mentoring.pairing.*.v1`` event carries the pairing as it is after the change.

    Only pseudonymous participant ids travel; free text is limited to the reason an actor gave.
    v1 evolves additively (new optional fields); a breaking change becomes ``.v2`` on the same topic.
    """

    pairing_id = fields.String(required=True)
    program_id = fields.String(required=True)
    leader_id = fields.String(
        required=True, metadata={"description": "participant id of the leader (mentee)"}
    )
    junior_id = fields.String(
        required=True, metadata={"description": "participant id of the junior (mentor)"}
    )
    state = fields.String(required=True, validate=validate.OneOf(PAIRING_STATES))
    match_run_id = fields.String(load_default=None, allow_none=True)
    score = fields.Float(load_default=None, allow_none=True)
    components = fields.Nested(ComponentScores, load_default=None, allow_none=True)
    reason = fields.String(load_default=None, allow_none=True)
    by = fields.String(load_default=None, allow_none=True, metadata={"description": "participant id acting"})
    acceptance = fields.Nested(
        Acceptance, load_default=None, allow_none=True, metadata={"description": "each side's answer"}
    )
    decline_reason = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(DECLINE_REASONS),
        metadata={"description": "declined: the reason picked from the list; `reason` holds free text"},
    )  # fmt: skip
    end_kind = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(END_KINDS),
        metadata={"description": "ended: planned, early, erased (a participant was erased) or rematch"},
    )  # fmt: skip


class MatchRunCompleted(Strict):
    match_run_id = fields.String(required=True)
    program_id = fields.String(required=True)
    dry_run = fields.Boolean(required=True)
    proposals = fields.Integer(required=True)
    unmatched = fields.Integer(required=True)
    total_score = fields.Float(required=True)
    duration_s = fields.Float(required=True)
    kind = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(("run", "rematch")),
        metadata={"description": "run: started by an admin; rematch: started for waitlisted leaders"},
    )  # fmt: skip
    seed = fields.Integer(load_default=None, allow_none=True)
    inputs_hash = fields.String(
        load_default=None, allow_none=True, metadata={"description": "sha256 of the canonical inputs"}
    )


class PairingAtRisk(Strict):
    pairing_id = fields.String(required=True)
    program_id = fields.String(required=True)
    reason = fields.String(required=True)


class NotificationOutcome(Strict):
    notification_id = fields.String(required=True)
    recipient_id = fields.String(required=True, metadata={"description": "participant id"})
    channel = fields.String(required=True, validate=validate.OneOf(("email", "chat", "in_app", "webhook")))
    template = fields.String(required=True)
    cause_event_id = fields.String(required=True)
    error = fields.String(load_default=None, allow_none=True)
