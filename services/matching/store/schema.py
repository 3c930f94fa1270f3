"""Matching's collections, the indexes the app and worker create, and the storage constants they share."""

from __future__ import annotations

from datetime import timedelta

from pymongo import ASCENDING, DESCENDING

from shared.events.outbox import PENDING_FLAG
from shared.mongo import IndexSpec

PARTICIPANTS = "participants"
PROGRAMS = "programs"
ORGCHART = "orgchart"
CHART_SNAPSHOTS = "orgchart_snapshots"
COHORTS = "participant_cohorts"
MATCH_RUNS = "match_runs"
RUN_INDEX = "match_run_index"
RUN_LOCKS = "match_run_locks"
PAIRINGS = "pairings"
PAIRING_INDEX = "pairing_index"
PAIRING_HISTORY = "pairing_history"
WAITLIST = "waitlist"
CONFLICTS = "conflicts"
OUTBOX_COLLECTIONS = (MATCH_RUNS, PAIRINGS)
SOURCE = "/services/matching"
LOCK_TTL = timedelta(minutes=5)
BATCH = 10_000  # one round trip for a whole cohort (FerretDB answers small default batches slowly)
# ids per `_id: {$in: [...]}` look-up: FerretDB pushes at most 1,000 down to the _id index (more scan the
# whole collection) and re-checks every returned document against the list (quadratic in its length)
ID_CHUNK = 200
# look-ups of one read (cohort buckets, a level of the org chart) sent at once: the server's work and the
# decoding of what it answered overlap
READERS = 4
# A program's enrolled cohort is kept in this many documents (see mongo_projection): few enough to read in
# one `_id: {$in}` query, many enough that each stays far below 16 MiB (~150 KiB each at 10,000 people).
COHORT_BUCKETS = 64

INDEXES = [
    IndexSpec(PARTICIPANTS, (("program_id", ASCENDING), ("role", ASCENDING))),
    IndexSpec(PARTICIPANTS, (("employee_id", ASCENDING),)),
    IndexSpec(MATCH_RUNS, (("program_id", ASCENDING), ("started_at", DESCENDING))),
    IndexSpec(MATCH_RUNS, (("participant_ids", ASCENDING),)),
    IndexSpec(MATCH_RUNS, ((PENDING_FLAG, ASCENDING),)),
    IndexSpec(PAIRINGS, (("program_id", ASCENDING), ("state", ASCENDING))),
    IndexSpec(PAIRINGS, (("leader_employee_id", ASCENDING),)),
    IndexSpec(PAIRINGS, (("junior_employee_id", ASCENDING),)),
    IndexSpec(PAIRINGS, (("leader_id", ASCENDING),)),
    IndexSpec(PAIRINGS, (("junior_id", ASCENDING),)),
    IndexSpec(PAIRINGS, ((PENDING_FLAG, ASCENDING),)),
    IndexSpec(WAITLIST, (("program_id", ASCENDING), ("since", ASCENDING))),
    IndexSpec(CONFLICTS, (("leader_employee_id", ASCENDING),)),
]
