"""A worker started while Kafka or its database is still down waits for them instead of exiting (the chaos
run found an intake worker, revived during a FerretDB restart, exiting with code 1)."""

from __future__ import annotations

import threading

import pytest
from kafka.errors import KafkaTimeoutError
from pymongo.errors import ServerSelectionTimeoutError

from shared.runtime import WorkerParts, build_when_reachable


def test_the_worker_is_built_once_the_broker_and_the_database_answer():
    failures = [ServerSelectionTimeoutError("ferretdb restarting"), KafkaTimeoutError()]
    built = WorkerParts()

    def build() -> WorkerParts:
        if failures:
            raise failures.pop(0)
        return built

    assert build_when_reachable(build, threading.Event(), first_wait_s=0.01) is built
    assert failures == []


def test_a_stop_while_waiting_ends_the_wait_without_a_worker():
    stop = threading.Event()

    def build() -> WorkerParts:
        stop.set()
        raise KafkaTimeoutError()

    assert build_when_reachable(build, stop, first_wait_s=0.01) is None


def test_a_bug_while_building_is_not_waited_out():
    def build() -> WorkerParts:
        raise KeyError("SERVICE_TOKEN_FILE")

    with pytest.raises(KeyError):
        build_when_reachable(build, threading.Event(), first_wait_s=0.01)
