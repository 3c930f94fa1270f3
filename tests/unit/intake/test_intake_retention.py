"""Retention: closed programs' personal data falls due for purging after the configured period."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.intake.domain import Conflict, Program, RetentionPolicy


def closed_program(program_id: str, closed_at: datetime) -> Program:
    program, _ = Program.create(
        program_id,
        name=program_id,
        focus_areas=["ai-tools"],
        starts_on="2026-01-01",
        ends_on="2026-06-30",
        admins=["E000001"],
        now=closed_at - timedelta(days=200),
    )
    program.transition("closed", now=closed_at)
    return program


def test_program_is_due_only_once_the_period_has_passed_since_closing(now):
    policy = RetentionPolicy.days(365)
    program = closed_program("p", now - timedelta(days=365))
    assert policy.is_due(program, now)
    assert not policy.is_due(program, now - timedelta(seconds=1))


def test_open_and_already_purged_programs_are_never_due(now, program):
    policy = RetentionPolicy.days(0)
    assert policy.due_for_purge([program], now) == []
    purged = closed_program("p", now - timedelta(days=10))
    purged.mark_personal_data_purged(now=now)
    assert policy.due_for_purge([purged], now) == []


def test_due_programs_come_longest_overdue_first(now):
    policy = RetentionPolicy(timedelta(days=30))
    programs = [
        closed_program("recent", now - timedelta(days=31)),
        closed_program("old", now - timedelta(days=400)),
        closed_program("not-yet", now - timedelta(days=29)),
    ]
    assert policy.due_for_purge(programs, now) == ["old", "recent"]


def test_naive_now_is_refused_rather_than_misread(now):
    with pytest.raises(ValueError, match="timezone-aware"):
        RetentionPolicy.days(1).due_for_purge([], now.replace(tzinfo=None))


def test_negative_retention_period_is_refused():
    with pytest.raises(ValueError):
        RetentionPolicy(timedelta(days=-1))


def test_an_open_program_cannot_be_marked_purged(program, now):
    with pytest.raises(Conflict):
        program.mark_personal_data_purged(now=now)
