"""Feedback use-case tests run on the in-memory unit of work with a clock the test moves."""

from __future__ import annotations

import pytest

from services.feedback.store import MemoryFeedbackUnitOfWork
from tests.unit.feedback.story import Clock, begin


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def uow(clock):
    return MemoryFeedbackUnitOfWork(clock=clock)


@pytest.fixture
def bus(uow):
    return begin(uow)
