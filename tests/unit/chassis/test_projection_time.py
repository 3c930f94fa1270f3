"""An event's time orders projections, so a missing or unreadable one is refused, never read as "now"."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from shared.events.envelope import EnvelopeError, make_event
from shared.projection import InvalidEventTime, MemoryProjection, event_time


def _event(time: str):
    event = make_event("mentoring.orgchart.employee_upserted.v1", "/tests", "E1", {"manager_id": "M1"})
    return dataclasses.replace(event, time=time)


def test_an_rfc3339_time_with_zulu_or_offset_reads_as_utc():
    assert event_time(_event("2026-11-25T10:00:00Z")) == datetime(2026, 11, 25, 10, tzinfo=UTC)
    assert event_time(_event("2026-11-25T11:00:00+01:00")) == datetime(2026, 11, 25, 10, tzinfo=UTC)


@pytest.mark.parametrize("time", ["", "yesterday", "2026-13-45T10:00:00Z", "2026-11-25T10:00:00"])
def test_a_missing_unparsable_or_offsetless_time_is_an_envelope_error_not_now(time):
    with pytest.raises(InvalidEventTime) as refused:
        event_time(_event(time))
    assert isinstance(refused.value, EnvelopeError)  # the consumer dead-letters it as an invalid envelope


def test_a_memory_projection_keeps_the_newest_event_and_ignores_older_ones():
    projection = MemoryProjection()
    newer = datetime(2026, 11, 25, 10, 5, tzinfo=UTC)
    older = newer - timedelta(minutes=4)
    assert projection.upsert_as_of("E1", {"manager_id": "M2"}, newer, "e2")
    assert not projection.upsert_as_of("E1", {"manager_id": "M1"}, older, "e1")
    assert projection.upsert_as_of("E1", {"manager_id": "M2"}, newer, "e2")  # redelivery applies again
    assert projection.get("E1") == {"manager_id": "M2"}
