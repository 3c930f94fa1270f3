"""Where the tests' real Kafka and Mongo-wire servers come from: env vars, Docker, or local processes."""

from __future__ import annotations

import os
import socket
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
    """True only if a Docker engine answers ``GET /_ping`` right now (the client alone is not enough)."""
    path = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock").removeprefix("unix://")
    if not os.path.exists(path):
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(3)
        try:
            sock.connect(path)
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            status_line = sock.recv(64).split(b"\r\n", 1)[0]
            return status_line.startswith(b"HTTP/1.") and b" 200" in status_line
        except OSError:
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
            # the run directory goes with the session: a broker's graceful shutdown (flushing thousands of
            # per-test partitions) would keep nothing, so it gets a short grace before SIGKILL
            infra.stop(timeout=3.0)
