"""The published payload schemas and the topics and vocabularies they use (event types: ``types.py``)."""

from __future__ import annotations

import re

from marshmallow import RAISE, Schema, fields, validate

from shared.vocabulary import CUSTOM_AREA_PREFIX, DEFAULT_WEIGHTS, GROWTH_GOALS

PROGRAMS = "mentoring.programs.v1"
PARTICIPANTS = "mentoring.participants.v1"
ORGCHART = "mentoring.orgchart.v1"
PAIRINGS = "mentoring.pairings.v1"
MATCH_RUNS = "mentoring.match-runs.v1"
FEEDBACK = "mentoring.feedback.v1"
NOTIFICATIONS = "mentoring.notifications.v1"
CONTACTS = "mentoring.contacts.v1"
TOPICS = (PROGRAMS, PARTICIPANTS, ORGCHART, PAIRINGS, MATCH_RUNS, FEEDBACK, NOTIFICATIONS, CONTACTS)

# Topic-level settings beyond partitions and replicas. Contacts (names, e-mail addresses) are compacted:
# after an erasure only the ids-only ``contact.erased`` record of the key survives compaction, within
# max.compaction.lag.ms + segment.ms of the erasure (docs/guide: personal data in Kafka).
TOPIC_CONFIGS: dict[str, dict[str, str]] = {
    CONTACTS: {
        "cleanup.policy": "compact",
        "segment.ms": "3600000",
        "max.compaction.lag.ms": "86400000",
        "min.cleanable.dirty.ratio": "0.01",
        "delete.retention.ms": "86400000",
    }
}

# Which consumer group reads which topics; drives topic + dead-letter topic creation.
CONSUMER_GROUPS: dict[str, tuple[str, ...]] = {
    "intake": (PARTICIPANTS,),  # its own participants: registration lines feed the org chart
    "matching": (PROGRAMS, PARTICIPANTS, ORGCHART, FEEDBACK),
    # everything that should reach a person or a subscriber, and who they are and how to reach them
    "notifications": (PROGRAMS, PARTICIPANTS, CONTACTS, PAIRINGS, MATCH_RUNS, FEEDBACK),
    # admins and reporting chains route pulse escalations; participants map employees to their pairings
    "feedback": (PROGRAMS, PARTICIPANTS, ORGCHART, PAIRINGS),
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
WITHDRAWAL_REASONS = ("consent-withdrawn",)
END_KINDS = ("planned", "early", "erased", "rematch")
ACCEPTANCE = ("pending", "accepted", "declined")


# The shapes of the values intake publishes (and validates on the way in, with the same patterns).
EMPLOYEE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
SLUG_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)*"
CUSTOM_AREA_PATTERN = rf"^{re.escape(CUSTOM_AREA_PREFIX)}{SLUG_PATTERN}$"
TERM_PATTERN = rf"^(?:{re.escape(CUSTOM_AREA_PREFIX)})?{SLUG_PATTERN}$"
HHMM_PATTERN = r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$"
LANGUAGE_TAG_PATTERN = r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$"
ID_LENGTH = validate.Length(min=1, max=64)


def _employee_id(**kwargs: object) -> fields.String:
    return fields.String(validate=validate.Regexp(EMPLOYEE_ID_PATTERN), **kwargs)  # type: ignore[arg-type]


def _terms(pattern: str = TERM_PATTERN, **kwargs: object) -> fields.List:
    return fields.List(fields.String(validate=validate.Regexp(pattern)), **kwargs)  # type: ignore[arg-type]


def dlq_topic(topic: str, group: str) -> str:
    return f"{topic}.{group}.dlq"


class Strict(Schema):
    """Payload schemas reject unknown fields: a typo in a producer fails loudly, not silently."""

    class Meta:
        unknown = RAISE


class AvailabilityWindow(Strict):
    day = fields.Integer(
        strict=True, required=True, validate=validate.Range(0, 6), metadata={"description": "0 = Monday"}
    )
    start = fields.String(required=True, validate=validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$"))
    end = fields.String(required=True, validate=validate.Regexp(HHMM_PATTERN))


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
    min_common_slot_minutes = fields.Integer(
        strict=True,
        load_default=None,
        allow_none=True,
        validate=validate.Range(15, 480),
        metadata={
            "description": "when set, a pair needs one common contiguous slot of this many minutes each "
            "week (in real time); null: no such rule"
        },
    )


class ProgramPayload(Strict):
    """Payload of ``mentoring.program.created|updated|status_changed.v1`` (key: program_id); intake sends
    every field."""

    program_id = fields.String(required=True, validate=ID_LENGTH)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    status = fields.String(required=True, validate=validate.OneOf(PROGRAM_STATUSES))
    focus_areas = _terms(required=True)
    custom_focus_areas = _terms(CUSTOM_AREA_PATTERN, load_default=list)
    starts_on = fields.Date(allow_none=True, load_default=None)
    ends_on = fields.Date(allow_none=True, load_default=None)
    admins = fields.List(_employee_id(), load_default=list)
    rules = fields.Nested(ProgramRules, required=True)


class ParticipantPayload(Strict):
    """Payload of ``mentoring.participant.registered|updated.v1`` (key: participant_id); intake sends every
    field (null where the profile has no value)."""

    participant_id = fields.String(required=True, validate=ID_LENGTH)
    program_id = fields.String(required=True, validate=ID_LENGTH)
    employee_id = _employee_id(required=True)
    role = fields.String(required=True, validate=validate.OneOf(("leader", "junior")))
    level = fields.Integer(strict=True, required=True, validate=validate.Range(1, 12))
    department = fields.String(load_default=None, allow_none=True)
    location = fields.String(load_default=None, allow_none=True)
    timezone = fields.String(
        required=True, validate=validate.Length(min=1, max=64), metadata={"description": "IANA time zone"}
    )
    languages = fields.List(
        fields.String(validate=validate.Regexp(LANGUAGE_TAG_PATTERN)),
        required=True,
        validate=validate.Length(min=1),
        metadata={"description": "BCP 47 language tags"},
    )
    topics_to_learn = _terms(load_default=list)
    topics_to_teach = _terms(load_default=list)
    growth_goals = fields.List(fields.String(validate=validate.OneOf(tuple(GROWTH_GOALS))), load_default=list)
    strengths = fields.List(fields.String(validate=validate.OneOf(tuple(GROWTH_GOALS))), load_default=list)
    availability = fields.List(fields.Nested(AvailabilityWindow), load_default=list)
    capacity = fields.Integer(strict=True, load_default=None, allow_none=True, validate=validate.Range(1, 5))
    manager_id = _employee_id(load_default=None, allow_none=True)
    consent = fields.Nested(Consent, required=True)
    status = fields.String(
        required=True,
        validate=validate.OneOf(PARTICIPANT_STATUSES[:2]),
        metadata={"description": "enrolled or withdrawn; an erasure is its own event, with ids only"},
    )


class ParticipantRef(Strict):
    """Payload of ``mentoring.participant.withdrawn.v1``: identifiers and a reason *code*
    (``consent-withdrawn`` or null, never free text); erasure has its own, narrower payload."""

    participant_id = fields.String(required=True, validate=ID_LENGTH)
    program_id = fields.String(required=True, validate=ID_LENGTH)
    employee_id = _employee_id(
        load_default=None, allow_none=True, metadata={"description": "the employee who withdrew"}
    )
    reason = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(WITHDRAWAL_REASONS),
        metadata={"description": "a reason code (consent-withdrawn) or null; never free text"},
    )


class ParticipantErasure(Strict):
    """Payload of ``mentoring.participant.erased.v1``: the two ids consumers key their data by, nothing else
    (no employee id, no reason): an erasure event must not itself carry what identifies the person."""

    participant_id = fields.String(required=True, validate=ID_LENGTH)
    program_id = fields.String(required=True, validate=ID_LENGTH)


class OrgChartEntry(Strict):
    """Payload of ``mentoring.orgchart.employee_upserted.v1`` (key: employee_id)."""

    employee_id = _employee_id(required=True)
    manager_id = _employee_id(load_default=None, allow_none=True)


# A pair's score per component, by the same names as the weights (one name per component end to end).
ComponentScores = Strict.from_dict({name: fields.Float() for name in DEFAULT_WEIGHTS}, name="ComponentScores")


class Acceptance(Strict):
    leader = fields.String(required=True, validate=validate.OneOf(ACCEPTANCE))
    junior = fields.String(required=True, validate=validate.OneOf(ACCEPTANCE))


class PairingPayload(Strict):
    """Every ``mentoring.pairing.*.v1`` event carries the pairing as it is after the change.

    Only pseudonymous participant ids travel, and no free text a person typed: a decline publishes only
    ``decline_reason`` (a code) and ``reason`` is published only when the system set it (a withdrawal, an
    erasure, feedback's risk code); what a person typed stays in matching's database, where an erasure
    removes it. v1 evolves additively (new optional fields);
    a breaking change becomes ``.v2`` on the same topic.
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
    reason = fields.String(
        load_default=None, allow_none=True,
        metadata={
            "description": "ended by the system (withdrawal, erasure, feedback's risk code): its reason; "
            "null when a person ended the pairing (their text stays in matching, end_kind is the code)"
        },
    )  # fmt: skip
    by = fields.String(load_default=None, allow_none=True, metadata={"description": "participant id acting"})
    acceptance = fields.Nested(
        Acceptance, load_default=None, allow_none=True, metadata={"description": "each side's answer"}
    )
    decline_reason = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(DECLINE_REASONS),
        metadata={"description": "declined: the reason picked from the list (the only reason published)"},
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
    """Payload of ``mentoring.feedback.pairing_at_risk.v1`` (key: pairing_id); score and the two ids were
    added in v1's additive evolution (optional)."""

    pairing_id = fields.String(required=True)
    program_id = fields.String(required=True)
    reason = fields.String(required=True, metadata={"description": "a code, e.g. low_health"})
    score = fields.Float(load_default=None, allow_none=True, metadata={"description": "health 0-100"})
    leader_id = fields.String(load_default=None, allow_none=True)
    junior_id = fields.String(load_default=None, allow_none=True)


class NotificationOutcome(Strict):
    notification_id = fields.String(required=True)
    recipient_id = fields.String(
        required=True,
        metadata={
            "description": "participant id (never a participant's employee id), an admin's employee id, "
            "role:hr, a webhook endpoint id, or the employee id a daily digest goes to"
        },
    )
    channel = fields.String(required=True, validate=validate.OneOf(("email", "chat", "in_app", "webhook")))
    template = fields.String(required=True)
    cause_event_id = fields.String(required=True)
    error = fields.String(load_default=None, allow_none=True)
    attempts = fields.Integer(strict=True, load_default=None, allow_none=True)
