"""Topic administration: create every topic and dead-letter topic the services use (idempotent)."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import time

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from shared.config import Settings
from shared.contracts import CONSUMER_GROUPS, TOPIC_CONFIGS, TOPICS, dlq_topic

log = logging.getLogger(__name__)


def all_topics(settings: Settings) -> list[str]:
    """Physical names of the main topics and every consumer group's dead-letter topics."""
    names = [settings.topic(t) for t in TOPICS]
    for group, topics in CONSUMER_GROUPS.items():
        names += [dlq_topic(settings.topic(t), group) for t in topics]
    return names


def topic_configs(settings: Settings) -> dict[str, dict[str, str]]:
    """Per-topic settings by physical name (e.g. compaction of the contacts topic)."""
    return {settings.topic(topic): config for topic, config in TOPIC_CONFIGS.items()}


def _wait_for_leaders(admin: KafkaAdminClient, topics: list[str], deadline: float) -> None:
    """Creation is asynchronous: wait until every partition has a leader, so a consumer group that joins
    right after start-up is assigned partitions instead of finding no metadata."""
    while True:
        try:
            described = admin.describe_topics(topics)
            ready = all(
                not t.get("error_code")
                and t.get("partitions")
                and all(p.get("leader_id", -1) >= 0 for p in t["partitions"])
                for t in described
            )
        except KafkaError:
            ready = False
        if ready or time.monotonic() > deadline:
            return
        time.sleep(0.2)


def ensure_topics(
    settings: Settings, partitions: int = 3, replication_factor: int = 1, timeout_s: float = 60.0
) -> list[str]:
    """Create missing topics, waiting for the broker to answer; returns the topics created."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            admin = KafkaAdminClient(**settings.kafka_client_options, client_id="mentoring-topics")
            break
        except KafkaError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
    try:
        existing = set(admin.list_topics())
        wanted = [n for n in all_topics(settings) if n not in existing]
        if wanted:
            with contextlib.suppress(TopicAlreadyExistsError):
                configs = topic_configs(settings)
                rf = replication_factor
                new = [NewTopic(n, partitions, rf, topic_configs=configs.get(n)) for n in wanted]
                admin.create_topics(new, timeout_ms=30000)
            _wait_for_leaders(admin, wanted, deadline)
        return wanted
    finally:
        admin.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.topics")
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create", help="create all topics and dead-letter topics")
    create.add_argument("--partitions", type=int, default=3)
    create.add_argument("--replication-factor", type=int, default=1)
    sub.add_parser("list", help="print the topic names")
    args = parser.parse_args(argv)
    settings = Settings.from_env("intake", {**os.environ, "AUTH_MODE": "dev"})
    if args.command == "list":
        print("\n".join(all_topics(settings)))
        return 0
    created = ensure_topics(settings, args.partitions, args.replication_factor)
    print(f"created {len(created)} topics" + (": " + ", ".join(created) if created else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
