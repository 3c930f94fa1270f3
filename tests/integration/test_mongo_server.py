"""Properties of the Mongo-wire server our stores rely on (FerretDB locally, MongoDB in production)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pymongo
import pytest
from pymongo import UpdateOne
from pymongo.collection import Collection

from shared.mongo import client_for


@pytest.fixture
def documents(settings_for) -> Iterator[Collection]:
    """A collection in a database of this test's own, dropped afterwards."""
    settings = settings_for("intake")
    client = client_for(settings)
    yield client[settings.mongodb_database]["documents"]
    client.drop_database(settings.mongodb_database)


def test_one_bulk_write_of_hundreds_of_matching_updates_completes_and_the_database_stays_usable(documents):
    """FerretDB v1.24.2 kept a pooled connection per matched statement until the command ended, so one bulk
    write of ~100 matching single-document updates exhausted the pool and hung that database for good
    (deploy/local/ferretdb/patches/0004-*). An org-chart upload or an import that touches many documents is
    exactly such a write."""
    documents.insert_many([{"_id": f"doc-{n:03d}", "value": 0} for n in range(300)])
    with pymongo.timeout(60):
        for attempt in (1, 2):  # twice: a leak would also show on the second round
            result = documents.bulk_write(
                [UpdateOne({"_id": f"doc-{n:03d}"}, {"$set": {"value": attempt}}) for n in range(300)],
                ordered=False,
            )
            assert (result.matched_count, result.modified_count) == (300, 300)
        assert documents.count_documents({"value": 2}) == 300
        documents.update_one({"_id": "doc-000"}, {"$set": {"value": 3}})
        assert documents.find_one({"_id": "doc-000"})["value"] == 3


def test_concurrent_updates_of_one_document_neither_lose_changes_nor_let_two_conditional_writes_win(
    documents,
):
    """Versioned saves, outbox pushes and relay acknowledgements all update one document from several
    threads; FerretDB v1.24.2 read outside the write's transaction and lost updates (patches/0005-*)."""
    documents.insert_one({"_id": "counter", "count": 0, "version": 1, "leases": 0})

    def save_next_version(_: int) -> int:
        version = documents.find_one({"_id": "counter"})["version"]
        return documents.update_one(
            {"_id": "counter", "version": version}, {"$set": {"version": version + 1}}
        ).modified_count

    with pymongo.timeout(120), ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: documents.update_one({"_id": "counter"}, {"$inc": {"count": 1}}), range(800)))
        wins = sum(pool.map(save_next_version, range(400)))
        list(
            pool.map(
                lambda _: documents.find_one_and_update({"_id": "counter"}, {"$inc": {"leases": 1}}),
                range(400),
            )
        )
    final = documents.find_one({"_id": "counter"})
    assert final["count"] == 800
    assert final["version"] == 1 + wins  # every successful conditional write is one version, no more
    assert final["leases"] == 400


def test_a_boolean_equality_keeps_mongodb_semantics_now_that_it_is_served_from_the_index(documents):
    """The relay's `{outbox_pending: true}` poll is pushed down to SQLite on the local server; it must still
    match exactly what MongoDB matches (arrays holding the value included, other types and absence not)."""
    documents.create_index("flag")
    documents.insert_many(
        [
            {"_id": "true", "flag": True},
            {"_id": "false", "flag": False},
            {"_id": "array-with-true", "flag": [False, True]},
            {"_id": "array-without", "flag": [False]},
            {"_id": "one", "flag": 1},
            {"_id": "text", "flag": "true"},
            {"_id": "nested", "flag": {"value": True}},
            {"_id": "absent"},
        ]
    )

    def matching(value: bool) -> list[str]:
        return sorted(document["_id"] for document in documents.find({"flag": value}))

    assert matching(True) == ["array-with-true", "true"]
    assert matching(False) == ["array-with-true", "array-without", "false"]
    both = documents.find({"flag": True, "_id": {"$ne": "true"}})
    assert [d["_id"] for d in both] == ["array-with-true"]  # the rest of the filter still applies


def test_a_range_of_string_ids_keeps_mongodb_semantics_now_that_it_is_served_from_an_index(documents):
    """Scheduled work polls `_id: {$lte: now…}` (ids start with the due time), which the local server now
    serves from an index of string ids; the result must be exactly MongoDB's: byte order of UTF-8 (escaped
    JSON characters, spaces and non-ASCII included), strings only, the rest of the filter still applied."""
    from bson import ObjectId

    ids = ["a", "a b", "a!", 'a"q', "a&b", "a<b", "a\\b", "a\x01", "ab", "b", "é", "\U0010ffff", "", "zz"]
    documents.insert_many([{"_id": value, "kind": "text"} for value in ids])
    documents.insert_many([{"_id": 5, "kind": "number"}, {"_id": ObjectId(), "kind": "oid"}])

    def found(condition: dict, **rest) -> list:
        return sorted(d["_id"] for d in documents.find({"_id": condition, **rest}))

    def expected(keep) -> list:
        return sorted(value for value in ids if keep(value))

    assert found({"$lte": "a\uffff"}) == expected(lambda v: v.encode() <= "a\uffff".encode())
    assert found({"$gt": "a", "$lt": "b"}) == expected(lambda v: "a" < v < "b")
    assert found({"$gte": "a b", "$lte": "a<b"}) == expected(lambda v: "a b" <= v <= "a<b")
    assert found({"$gt": "b"}) == expected(lambda v: v.encode() > b"b")
    assert found({"$lt": "a"}) == [""]
    assert found({"$lte": "zz"}, kind="text") == expected(lambda v: v.encode() <= b"zz")
    assert found({"$lte": "zz"}, kind="number") == []
