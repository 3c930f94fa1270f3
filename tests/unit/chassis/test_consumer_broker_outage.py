"""A worker's consumer loop outlives a broker outage: a failed poll, offset commit or lag read is logged and
tried again, never the end of the worker (the chaos run found a worker exiting when its lag read failed
while the broker restarted; tests/chaos covers the real restart)."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from kafka import TopicPartition
from kafka.errors import KafkaConnectionError

from shared.config import Settings
from shared.events.consumer import EventConsumer

TP = TopicPartition("t.mentoring.orgchart.v1", 0)


class BrokerAway:
    """The kafka-python consumer's calls the loop makes, each failing on the calls ``failing`` names
    (``{"poll": {1}}``: the first poll fails), as while the broker restarts; sets ``stop`` after 6 polls."""

    def __init__(self, failing: dict[str, set[int]], stop: threading.Event) -> None:
        self.failing, self.stop = failing, stop
        self.calls: dict[str, int] = {}
        self.commits = 0
        self.closed = False

    def _call(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1
        if self.calls[name] in self.failing.get(name, set()):
            raise KafkaConnectionError("111 ECONNREFUSED")

    def poll(self, timeout_ms: int = 0) -> dict:
        self._call("poll")
        if self.calls["poll"] >= 6:
            self.stop.set()
        return {TP: [SimpleNamespace(offset=self.calls["poll"])]} if self.calls["poll"] <= 4 else {}

    def commit(self) -> None:
        self._call("commit")
        self.commits += 1

    def assignment(self) -> set[TopicPartition]:
        return {TP}

    def highwater(self, tp: TopicPartition) -> int:
        return 10

    def position(self, tp: TopicPartition) -> int:
        self._call("position")
        return 5

    def seek(self, tp: TopicPartition, offset: int) -> None:
        pass

    def close(self, autocommit: bool = False) -> None:
        self.closed = True


class Recording(EventConsumer):
    """The loop under test; handling a batch only records its offsets (no store needed)."""

    handled: list[int]

    def process_batch(self, records: list) -> None:
        self.handled += [record.offset for record in records]


@pytest.mark.parametrize(
    "failing",
    [{"poll": {1}}, {"commit": {1, 2}}, {"position": {1}}, {"poll": {2}, "commit": {1}, "position": {1, 2}}],
    ids=["poll", "commit", "lag-read", "all"],
)
def test_the_loop_goes_on_through_failed_polls_commits_and_lag_reads(failing):
    stop = threading.Event()
    broker = BrokerAway(failing, stop)
    settings = Settings.from_env("matching", {"AUTH_MODE": "dev", "TOPIC_PREFIX": "t."})
    consumer = Recording(settings, "matching", [], {}, db=None, publisher=None, consumer=broker)
    consumer.handled = []
    consumer._lag_updated = float("-inf")  # the lag is read at the first poll, while the broker is away
    consumer.run(stop)
    polled = [n for n in range(1, 5) if n not in failing.get("poll", set())]
    assert consumer.handled == polled  # each batch handled once, none lost to a failure
    assert broker.commits == len(polled) - len(failing.get("commit", set()))  # later commits went through
    assert broker.closed and broker.calls["poll"] == 6


class OneBatch(BrokerAway):
    """A poll that returns one backlog batch holding records of several topics, then stops the loop."""

    def __init__(self, batch: dict, stop: threading.Event) -> None:
        super().__init__({}, stop)
        self.batch = batch

    def poll(self, timeout_ms: int = 0) -> dict:
        self.stop.set()
        batch, self.batch = self.batch, {}
        return batch


class TopicRecording(EventConsumer):
    handled: list[str]

    def process_batch(self, records: list) -> None:
        self.handled += [record.topic for record in records]


def test_a_backlog_batch_is_handled_in_the_order_the_group_subscribes_not_by_topic_name():
    """notifications subscribes to participants before pairings; by name, pairings sort first, and a
    catching-up worker dropped the e-mails of pairings whose participants it had not projected yet."""
    settings = Settings.from_env("notifications", {"AUTH_MODE": "dev", "TOPIC_PREFIX": "t."})
    topics = ["mentoring.programs.v1", "mentoring.participants.v1", "mentoring.pairings.v1"]
    batch = {
        TopicPartition(f"t.{topic}", partition): [SimpleNamespace(topic=topic)]
        for topic in ("mentoring.pairings.v1", "mentoring.participants.v1", "mentoring.programs.v1")
        for partition in (1, 0)
    }
    stop = threading.Event()
    broker = OneBatch(batch, stop)
    consumer = TopicRecording(settings, "notifications", topics, {}, db=None, publisher=None, consumer=broker)
    consumer.handled = []
    consumer.run(stop)
    assert consumer.handled == [topic for topic in topics for _ in (0, 1)]
    assert broker.commits == 1
