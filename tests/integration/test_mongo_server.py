"""Properties of the Mongo-wire server our stores rely on (FerretDB locally, MongoDB in production)."""

from __future__ import annotations

import pymongo
from pymongo import UpdateOne

from shared.mongo import client_for


def test_one_bulk_write_of_hundreds_of_matching_updates_completes_and_the_database_stays_usable(
    settings_for,
):
    """FerretDB v1.24.2 kept a pooled connection per matched statement until the command ended, so one bulk
    write of ~100 matching single-document updates exhausted the pool and hung that database for good
    (deploy/local/infra.py patches it). An org-chart upload or an import that touches many documents is
    exactly such a write."""
    settings = settings_for("intake")
    collection = client_for(settings)[settings.mongodb_database]["documents"]
    collection.insert_many([{"_id": f"doc-{n:03d}", "value": 0} for n in range(300)])
    try:
        with pymongo.timeout(60):
            for attempt in (1, 2):  # twice: a leak would also show on the second round
                result = collection.bulk_write(
                    [UpdateOne({"_id": f"doc-{n:03d}"}, {"$set": {"value": attempt}}) for n in range(300)],
                    ordered=False,
                )
                assert (result.matched_count, result.modified_count) == (300, 300)
            assert collection.count_documents({"value": 2}) == 300
            collection.update_one({"_id": "doc-000"}, {"$set": {"value": 3}})
            assert collection.find_one({"_id": "doc-000"})["value"] == 3
    finally:
        client_for(settings).drop_database(settings.mongodb_database)
