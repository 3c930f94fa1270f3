"""Integration tests run against the real servers; every test marked accordingly."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import pytest
from pymongo.database import Database

from shared.mongo import IndexSpec, client_for, ensure_indexes

pytestmark = pytest.mark.integration


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture
def fresh_database(settings_for) -> Iterator[Callable[..., Database]]:
    """``fresh_database(service, indexes)``: a database of this test's own on the real Mongo-wire server,
    with the indexes the service declares (as its app and worker create them), dropped afterwards."""
    made: list[tuple[object, str]] = []

    def build(service: str, indexes: Iterable[IndexSpec] = ()) -> Database:
        settings = settings_for(service)
        client = client_for(settings)
        db = client[settings.mongodb_database]
        ensure_indexes(db, list(indexes))
        made.append((client, settings.mongodb_database))
        return db

    yield build
    for client, name in made:
        client.drop_database(name)
