"""In-memory twins of every matching port: the same semantics in plain Python, for use-case unit tests.

They pass the same contract tests as the Mongo adapters. Versioned aggregates (runs, pairings) live in
``shared.versioned.MemoryVersionedStore``; records are copied in and out, so a caller never shares state
with the store.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from services.matching.store.mongo_orgchart import walk
from services.matching.store.mongo_pairings import waitlist_key
from services.matching.store.ports import PairingQuery
from services.matching.store.schema import LOCK_TTL, SOURCE
from shared.events.envelope import Event
from shared.projection import TOMBSTONE_FIELD, VERSION_FIELD, event_time
from shared.versioned import Insert, MemoryVersionedStore, Publishable

STORAGE = ("_id", VERSION_FIELD, "_event_id", TOMBSTONE_FIELD)
SUMMARY = (
    "match_run_id", "program_id", "kind", "dry_run", "status", "started_at", "duration_s", "matched_count",
    "total_score", "seed", "inputs_hash",
)  # fmt: skip


def _visible(document: dict[str, Any], hidden: Iterable[str] = STORAGE) -> dict[str, Any]:
    return {k: copy.deepcopy(v) for k, v in document.items() if k not in hidden}


class MemoryProjection:
    def __init__(self) -> None:
        self.participants_: dict[str, dict[str, Any]] = {}
        self.programs: dict[str, dict[str, Any]] = {}
        self.orgchart: dict[str, dict[str, Any]] = {}

    @staticmethod
    def _upsert(table: dict[str, dict[str, Any]], key: str, fields: dict[str, Any], event: Event) -> bool:
        when = event_time(event)
        document = table.get(key)
        if document is not None and (document.get(TOMBSTONE_FIELD) or document[VERSION_FIELD] > when):
            return False
        table.setdefault(key, {"_id": key}).update(
            {**copy.deepcopy(fields), VERSION_FIELD: when, "_event_id": event.id}
        )
        return True

    def save_participant(self, data: dict[str, Any], event: Event) -> bool:
        return self._upsert(self.participants_, data["participant_id"], data, event)

    def set_participant_status(self, participant_id: str, status: str, event: Event) -> bool:
        return self._upsert(self.participants_, participant_id, {"status": status}, event)

    def forget_participant(self, participant_id: str, program_id: str, event: Event) -> None:
        self.participants_[participant_id] = {
            "_id": participant_id,
            "participant_id": participant_id,
            "program_id": program_id,
            "status": "erased",
            TOMBSTONE_FIELD: True,
            VERSION_FIELD: event_time(event),
            "_event_id": event.id,
        }

    def save_program(self, data: dict[str, Any], event: Event) -> bool:
        return self._upsert(self.programs, data["program_id"], data, event)

    def save_reporting_line(self, employee_id: str, manager_id: str | None, event: Event) -> bool:
        return self._upsert(self.orgchart, employee_id, {"manager_id": manager_id}, event)

    def participant(self, participant_id: str) -> dict[str, Any] | None:
        document = self.participants_.get(participant_id)
        return None if document is None else _visible(document)

    def participants(
        self, program_id: str | None, role: str | None, skip: int, limit: int
    ) -> tuple[list, int]:
        found = [
            _visible(d)
            for _, d in sorted(self.participants_.items())
            if d.get("status") != "erased"
            and (not program_id or d.get("program_id") == program_id)
            and (not role or d.get("role") == role)
        ]
        return found[skip : skip + limit], len(found)

    def cohort(self, program_id: str) -> list[dict[str, Any]]:
        return [
            _visible(d, ("_id", "_event_id", TOMBSTONE_FIELD))
            for _, d in sorted(self.participants_.items())
            if d.get("program_id") == program_id
            and d.get("status") == "enrolled"
            and not d.get(TOMBSTONE_FIELD)
        ]

    def has_participants(self, program_id: str) -> bool:
        return any(d.get("program_id") == program_id for d in self.participants_.values())

    def program(self, program_id: str) -> dict[str, Any] | None:
        document = self.programs.get(program_id)
        return None if document is None else _visible(document)

    def program_status_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for program in self.programs.values():
            counts[program.get("status", "unknown")] = counts.get(program.get("status", "unknown"), 0) + 1
        return counts

    def reporting_lines(
        self, employee_ids: Iterable[str], max_depth: int = 64, *, program_id: str | None = None
    ) -> dict[str, str | None]:
        def lookup(ids: list[str]) -> dict[str, str | None]:
            return {e: self.orgchart[e].get("manager_id") for e in ids if e in self.orgchart}

        return walk(employee_ids, lookup, max_depth)[0]


class MemoryMatchRuns:
    def __init__(self) -> None:
        self.store = MemoryVersionedStore(SOURCE)

    def _runs(self) -> list[dict[str, Any]]:
        return [self.get(key) for key in self.store.documents]  # type: ignore[misc]

    def insert(self, document: dict[str, Any], events: Sequence[Publishable]) -> bool:
        return self.store.insert(document["_id"], document, events)

    def get(self, run_id: str) -> dict[str, Any] | None:
        loaded = self.store.load(run_id)
        return None if loaded is None else {**loaded.record, "_id": run_id, "_version": loaded.version}

    def latest(
        self, program_id: str, *, dry_run: bool | None = None, status: str | None = None
    ) -> dict[str, Any] | None:
        runs = [
            r
            for r in self._runs()
            if r["program_id"] == program_id
            and (dry_run is None or r.get("dry_run") == dry_run)
            and (status is None or r.get("status") == status)
        ]
        return max(runs, key=lambda r: r["started_at"], default=None)

    def summaries(self, program_id: str, skip: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        runs = sorted(
            (r for r in self._runs() if r["program_id"] == program_id),
            key=lambda r: r["started_at"],
            reverse=True,
        )
        return [{k: r[k] for k in SUMMARY if k in r} for r in runs[skip : skip + limit]], len(runs)

    def save(
        self, run_id: str, version: int, changes: dict[str, Any], events: Sequence[Publishable] = ()
    ) -> None:
        self.store.save(run_id, changes, version, events)

    def mentioning(self, participant_id: str) -> list[dict[str, Any]]:
        return [r for r in self._runs() if participant_id in (r.get("participant_ids") or [])]


class MemoryRunLock:
    def __init__(self) -> None:
        self.locks: dict[str, tuple[str, datetime]] = {}

    def acquire(self, program_id: str, run_id: str, now: datetime) -> bool:
        held = self.locks.get(program_id)
        if held is not None and held[1] >= now:
            return False
        self.locks[program_id] = (run_id, now + LOCK_TTL)
        return True

    def release(self, program_id: str, run_id: str) -> None:
        if self.locks.get(program_id, ("",))[0] == run_id:
            del self.locks[program_id]


class MemoryPairings:
    def __init__(self) -> None:
        self.store = MemoryVersionedStore(SOURCE)

    def _all(self) -> list[dict[str, Any]]:
        return [self.get(key) for key in sorted(self.store.documents)]  # type: ignore[misc]

    def insert(self, record: dict[str, Any], events: Sequence[Publishable]) -> None:
        self.store.insert(record["pairing_id"], record, events)

    def insert_many(self, documents: list[tuple[dict[str, Any], Sequence[Publishable]]]) -> None:
        self.store.bulk([Insert(r["pairing_id"], r, list(events)) for r, events in documents], [])

    def get(self, pairing_id: str) -> dict[str, Any] | None:
        loaded = self.store.load(pairing_id)
        return None if loaded is None else {**loaded.record, "_id": pairing_id, "_version": loaded.version}

    def save(self, record: dict[str, Any], version: int, events: Sequence[Publishable]) -> None:
        self.store.save(record["pairing_id"], record, version, events)

    def of_program(self, program_id: str, states: Iterable[str] | None = None) -> list[dict[str, Any]]:
        wanted = None if states is None else set(states)
        return [
            _visible(p, ("_id",))
            for p in self._all()
            if p["program_id"] == program_id and (wanted is None or p.get("state") in wanted)
        ]

    def page(self, query: PairingQuery) -> tuple[list[dict[str, Any]], int]:
        program_id, state, employee_id = query.program_id, query.state, query.employee_id
        found = [
            p
            for p in self.of_program(program_id, None if state is None else [state])
            if employee_id in (None, p.get("leader_employee_id"), p.get("junior_employee_id"))
        ]
        return found[query.skip : query.skip + query.limit], len(found)

    def history_of(self, leader_employee_ids: Iterable[str]) -> list[dict[str, Any]]:
        leaders = set(leader_employee_ids)
        fields = ("pairing_id", "state", "leader_employee_id", "junior_employee_id")
        return [
            {k: p.get(k) for k in fields if k in p}
            for p in self._all()
            if p.get("leader_employee_id") in leaders and p.get("state") in ("declined", "ended")
        ]

    def involving(self, participant_id: str) -> list[dict[str, Any]]:
        return [p for p in self._all() if participant_id in (p.get("leader_id"), p.get("junior_id"))]


class MemoryWaitlist:
    def __init__(self) -> None:
        self.entries: dict[str, dict[str, Any]] = {}

    def wait(self, program_id: str, leader_id: str, reason: str, detail: str, now: datetime) -> None:
        new = {"program_id": program_id, "leader_id": leader_id, "since": now}
        entry = self.entries.setdefault(waitlist_key(program_id, leader_id), new)
        entry.update({"reason": reason, "detail": detail, "updated_at": now})

    def proposed_again(self, program_id: str, leader_ids: Iterable[str], run_id: str) -> None:
        for leader in leader_ids:
            if (entry := self.entries.get(waitlist_key(program_id, leader))) is not None:
                entry["proposed_in"] = run_id

    def leave(self, program_id: str, leader_ids: Iterable[str]) -> None:
        for leader in leader_ids:
            self.entries.pop(waitlist_key(program_id, leader), None)

    def waiting(self, program_id: str) -> list[dict[str, Any]]:
        found = [copy.deepcopy(e) for e in self.entries.values() if e["program_id"] == program_id]
        return sorted(found, key=lambda e: e["since"])

    def forget(self, leader_id: str) -> None:
        for key in [k for k, e in self.entries.items() if e["leader_id"] == leader_id]:
            del self.entries[key]


class MemoryConflicts:
    def __init__(self) -> None:
        self.entries: dict[str, dict[str, Any]] = {}

    def add(self, record: dict[str, Any]) -> None:
        key = f"{record['leader_employee_id']}:{record['junior_employee_id']}"
        self.entries.setdefault(key, {}).update(copy.deepcopy(record))

    def of_leaders(self, leader_employee_ids: Iterable[str]) -> list[dict[str, Any]]:
        leaders = set(leader_employee_ids)
        return [copy.deepcopy(e) for e in self.entries.values() if e.get("leader_employee_id") in leaders]

    def forget(self, employee_id: str) -> None:
        for key in [
            k
            for k, e in self.entries.items()
            if employee_id in (e.get("leader_employee_id"), e.get("junior_employee_id"))
        ]:
            del self.entries[key]
