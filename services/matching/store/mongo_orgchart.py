"""Reporting lines on a Mongo-wire server, and the per-program snapshot of the chart a match run reads.

A run needs the reporting lines of its cohort up to the top: thousands of entries, read level by level
with ``_id: {$in}`` look-ups (~0.35 s for the ~4,800 lines of a 1,000 x 1,000 cohort on FerretDB). Lines
change rarely compared with how often a program's inputs are read (dry runs while tuning weights, explain,
overrides), so the lines a program's read found are kept in one document (``CHART_SNAPSHOTS``, ``_id``
``chart:<program>``, the lines as one JSON string the server passes through whole) with the org-chart
stamp read before that walk. Every reporting-line write bumps the stamp after writing the line (also when
the line was not applied: a redelivery after a crash between the two writes still bumps it), so a snapshot
whose stamp is not the current one is never used. A snapshot answers only for employees its walk looked
up (found or absent); anyone else means a fresh walk, whose levels are read in parallel chunks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from pymongo.database import Database

from services.matching.store.schema import BATCH, CHART_SNAPSHOTS, ID_CHUNK, ORGCHART, READERS
from shared.events.envelope import Event
from shared.projection import upsert_if_newer

STAMP = "stamp"
Lines = dict[str, str | None]


class Missing(Exception):
    """A snapshot was asked about an employee its walk never looked up."""


def walk(
    employee_ids: Iterable[str], lookup: Callable[[list[str]], Mapping[str, str | None]], max_depth: int
) -> tuple[Lines, set[str]]:
    """The lines of these employees and of all their managers up to the top, and the ids looked up but
    not found; ``lookup`` answers one level (the ids it knows, with their manager)."""
    chart: Lines = {}
    absent: set[str] = set()
    frontier = set(employee_ids)
    for _ in range(max_depth):
        frontier -= chart.keys() | absent
        if not frontier:
            break
        found = lookup(sorted(frontier))
        chart.update(found)
        absent |= frontier - found.keys()
        frontier = {m for m in found.values() if m}
    return chart, absent


def snapshot_key(program_id: str) -> str:
    return f"chart:{program_id}"


class MongoOrgChart:
    def __init__(self, db: Database, pool: Executor | None = None) -> None:
        self.lines = db[ORGCHART]
        self.snapshots = db[CHART_SNAPSHOTS]
        self.pool = pool or ThreadPoolExecutor(READERS, thread_name_prefix="matching-reads")

    def save(self, employee_id: str, manager_id: str | None, event: Event) -> bool:
        applied = upsert_if_newer(self.lines, employee_id, {"manager_id": manager_id}, event)
        self.snapshots.update_one({"_id": STAMP}, {"$inc": {"seq": 1}}, upsert=True)
        return applied

    def reporting_lines(
        self, employee_ids: Iterable[str], max_depth: int = 64, *, program_id: str | None = None
    ) -> Lines:
        wanted = set(employee_ids)
        if program_id is None:
            return walk(wanted, self._read_level, max_depth)[0]
        key = snapshot_key(program_id)
        found = {d["_id"]: d for d in self.snapshots.find({"_id": {"$in": [STAMP, key]}})}
        stamp = (found.get(STAMP) or {}).get("seq", 0)
        snapshot = found.get(key)
        if snapshot is not None and snapshot.get("stamp") == stamp:
            try:
                return walk(wanted, _from_snapshot(snapshot), max_depth)[0]
            except Missing:
                pass
        chart, absent = walk(wanted, self._read_level, max_depth)
        document = {"stamp": stamp, "lines": json.dumps(chart), "absent": json.dumps(sorted(absent))}
        self.snapshots.replace_one({"_id": key}, document, upsert=True)
        return chart

    def _read_level(self, ids: list[str]) -> Lines:
        """One level of the walk: ``ID_CHUNK`` ids per ``_id`` look-up, ``READERS`` look-ups at a time."""
        chunks = [ids[start : start + ID_CHUNK] for start in range(0, len(ids), ID_CHUNK)]
        found: Lines = {}
        for entries in self.pool.map(self._read_chunk, chunks):
            found.update(entries)
        return found

    def _read_chunk(self, ids: list[str]) -> Lines:
        found = self.lines.find({"_id": {"$in": ids}}, {"manager_id": 1}, batch_size=BATCH)
        return {e["_id"]: e.get("manager_id") for e in found}


def _from_snapshot(snapshot: dict[str, Any]) -> Callable[[list[str]], Lines]:
    lines: Lines = json.loads(snapshot["lines"])
    absent = set(json.loads(snapshot.get("absent") or "[]"))

    def lookup(ids: list[str]) -> Lines:
        if any(e not in lines and e not in absent for e in ids):
            raise Missing
        return {e: lines[e] for e in ids if e in lines}

    return lookup
