"""The pulse store on the real Mongo-wire server passes the same contract as its in-memory twin."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from services.feedback.pulse.store import INDEXES, MongoPulseStore
from tests.support.pulse_store_contract import PulseStoreContract, ballot, pulse


class TestMongoPulseStore(PulseStoreContract):
    @pytest.fixture
    def store(self, fresh_database):
        return MongoPulseStore(fresh_database("feedback", INDEXES))


def test_ballots_cast_at_the_same_time_are_each_kept_once(fresh_database):
    store = MongoPulseStore(fresh_database("feedback", INDEXES))
    store.add_pulse(pulse())
    ids = [f"b{i:02d}" for i in range(16)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(lambda ballot_id: store.cast("p1", ballot(ballot_id)), ids + ids))
    assert sorted(outcomes) == ["cast"] * 16 + ["present"] * 16
    assert sorted(b["ballot_id"] for b in store.ballots("p1")) == ids
