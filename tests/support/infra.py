"""Where the tests' real Kafka and Mongo-wire servers come from: env vars, Docker, or local processes."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Endpoints:
    kafka_bootstrap: str
    mongodb_uri: str
    origin: str


def docker_answers() -> bool:
    """True only if a Docker engine answers a ping right now (the client alone is not enough)."""
    try:
        import docker

        client = docker.from_env(timeout=3)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


@contextmanager
def real_servers() -> Iterator[Endpoints]:
    """Yield endpoints of a real Kafka broker and a real Mongo-wire server for the test session."""
    kafka_env, mongo_env = os.environ.get("KAFKA_BOOTSTRAP_SERVERS"), os.environ.get("MONGODB_URI")
    if kafka_env and mongo_env:
        yield Endpoints(kafka_env, mongo_env, "environment")
        return
    if docker_answers():
        from testcontainers.kafka import KafkaContainer
        from testcontainers.mongodb import MongoDbContainer

        with KafkaContainer().with_kraft() as kafka, MongoDbContainer() as mongo:
            yield Endpoints(kafka.get_bootstrap_server(), mongo.get_connection_url(), "testcontainers")
        return
    from deploy.local.infra import LocalInfra

    with tempfile.TemporaryDirectory(prefix="mentoring-test-infra-") as run_dir:
        infra = LocalInfra(run_dir, stop_at_exit=True).start()
        try:
            yield Endpoints(infra.kafka_bootstrap, infra.mongodb_uri, "local-processes")
        finally:
            infra.stop()
