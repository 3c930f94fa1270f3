"""Contract tests of the chassis' store ports: one abstract class per port, subclassed per adapter, so the
Mongo store and its in-memory twin answer the same assertions (FerretDB in integration, memory in unit)."""

from __future__ import annotations

import pytest

from shared.contracts.types import ProgramCreated, ProgramUpdated
from shared.errors import StaleWrite
from shared.versioned import Insert, Update, Versioned

PROGRAM = {
    "program_id": "p1",
    "name": "Digital leaders",
    "status": "draft",
    "focus_areas": ["ai-tools"],
    "rules": {},
}


def created(key: str = "p1") -> ProgramCreated:
    return ProgramCreated(key, {**PROGRAM, "program_id": key})


class VersionedStoreContract:
    """Subclasses provide the ``store`` fixture (an empty store whose source is ``/tests``)."""

    @pytest.fixture
    def store(self):
        raise NotImplementedError

    def test_an_inserted_aggregate_loads_at_version_one_without_storage_fields(self, store):
        assert store.insert("p1", {"name": "a"}, [created()])
        assert store.load("p1") == Versioned({"name": "a"}, 1)
        assert store.load("missing") is None

    def test_a_second_insert_of_the_same_key_is_refused_and_changes_nothing(self, store):
        store.insert("p1", {"name": "a"}, [created()])
        assert not store.insert("p1", {"name": "b"}, [created()])
        assert store.load("p1").record == {"name": "a"}
        assert len(store.pending()) == 1

    def test_a_save_at_the_version_read_applies_and_appends_its_events(self, store):
        store.insert("p1", {"name": "a", "kept": 1}, [created()])
        store.save("p1", {"name": "b"}, 1, [ProgramUpdated("p1", {**PROGRAM, "name": "b"})])
        assert store.load("p1") == Versioned({"name": "b", "kept": 1}, 2)
        pending = store.pending()
        assert [e.type for e in pending] == [ProgramCreated.type, ProgramUpdated.type]
        assert {e.source for e in pending} == {"/tests"}
        assert {e.subject for e in pending} == {"p1"}

    def test_a_save_at_an_older_version_is_a_stale_write_and_changes_nothing(self, store):
        store.insert("p1", {"name": "a"}, [])
        store.save("p1", {"name": "b"}, 1)
        with pytest.raises(StaleWrite) as refused:
            store.save("p1", {"name": "c"}, 1, [created()])
        assert refused.value.status == 409
        assert store.load("p1") == Versioned({"name": "b"}, 2)
        assert store.pending() == []

    def test_saving_a_missing_aggregate_is_a_stale_write(self, store):
        with pytest.raises(StaleWrite):
            store.save("nobody", {"name": "x"}, 1)

    def test_replacing_the_outbox_drops_events_not_yet_relayed(self, store):
        store.insert("p1", {"name": "a"}, [created()])
        store.save(
            "p1", {"name": "erased"}, 1, [ProgramUpdated("p1", {**PROGRAM, "name": "x"})], replace_outbox=True
        )
        assert [e.type for e in store.pending()] == [ProgramUpdated.type]

    def test_an_event_that_breaks_its_schema_is_refused_before_anything_is_written(self, store):
        with pytest.raises(Exception, match="status"):
            store.insert("p1", {"name": "a"}, [ProgramCreated("p1", {**PROGRAM, "status": "nonsense"})])
        assert store.load("p1") is None

    def test_bulk_writes_what_it_can_and_returns_the_keys_it_could_not(self, store):
        store.insert("p1", {"n": 1}, [])
        store.insert("p2", {"n": 1}, [])
        store.save("p2", {"n": 2}, 1)
        failed = store.bulk(
            [Insert("p1", {"n": 9}), Insert("p3", {"n": 3}, [created("p3")])],
            [Update("p1", {"n": 5}, 1), Update("p2", {"n": 7}, 1)],
        )
        assert failed == {"p1", "p2"}  # p1: duplicate insert (its update applies); p2: stale
        assert store.load("p3") == Versioned({"n": 3}, 1)
        assert store.load("p1") == Versioned({"n": 5}, 2)
        assert store.load("p2") == Versioned({"n": 2}, 2)

    def test_load_many_returns_only_the_keys_that_exist(self, store):
        for key in ("a", "b", "c"):
            store.insert(key, {"k": key})
        assert store.load_many(["a", "c", "zz"]) == {
            "a": Versioned({"k": "a"}, 1),
            "c": Versioned({"k": "c"}, 1),
        }
