"""Kafka consumer loop: validate, skip duplicates, handle, record, then commit; retry, then dead-letter.

Offsets are committed only after every record of a polled batch is either handled durably (its effect
and its processed-event record written) or dead-lettered (the DLQ write acknowledged). Handlers must be
idempotent for the gap between their effect and the processed record (upserts keyed by aggregate or
event id); the processed record makes every later redelivery a cheap no-op. A ``BatchHandler`` takes a run
of consecutive events at once, so a polled batch costs its store one write instead of one per event.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import CommitFailedError, KafkaError, MessageSizeTooLargeError
from marshmallow import ValidationError
from pymongo.database import Database
from pymongo.errors import BulkWriteError, ConnectionFailure, PyMongoError

from shared.config import Settings
from shared.contracts import dlq_topic
from shared.contracts.sealed import SEALED_FORMS
from shared.events.envelope import EnvelopeError, Event, parse_event
from shared.events.producer import EventPublisher
from shared.events.registry import REGISTRY, UnknownEventType
from shared.logging import event_id_var
from shared.metrics import CONSUMER_LAG, EVENT_PROCESSING, EVENTS_CONSUMED, EVENTS_DEAD_LETTERED
from shared.mongo import PROCESSED_EVENTS
from shared.projection import event_time
from shared.sealing import EventOpener, KeyShredded, KeySourceDown, SealError

log = logging.getLogger(__name__)
Handler = Callable[[Event], None]
HandlerKey = str | type  # a registered type name or a published event class (shared.contracts.types)
# The ``outcome`` label of events_consumed_total, as docs/contracts.md lists it (a test compares): handled;
# already handled (duplicate); of a type this group has no handler for (ignored); failed once and tried
# again (retried); sent to the dead-letter topic; sealed with the key of a person since erased (shredded:
# handled as erased, nothing kept).
OUTCOMES = ("processed", "duplicate", "ignored", "retried", "dead_lettered", "shredded")
SHREDDED = "shredded"
ERASED_TYPE = "mentoring.participant.erased.v1"
SEALED_TYPES = frozenset(form.sealed_type for form in SEALED_FORMS)


class BatchHandler:
    """A handler that takes a run of consecutive events of its types in one call (one write for many).

    ``handle_many`` gets the events in partition order and must give the same result as handling them one
    by one, idempotently (a failed batch is handled again event by event). Called with one event, it is an
    ordinary handler.
    """

    def __init__(self, handle_many: Callable[[list[Event]], None]) -> None:
        self.handle_many = handle_many

    def __call__(self, event: Event) -> None:
        self.handle_many([event])


class PermanentError(Exception):
    """Raised by a handler when retrying can never help (e.g. a reference that will never exist)."""


class InfrastructureDown(Exception):
    """Our own dependency failed; the event is not at fault, so it is retried later, never dead-lettered."""


class EventConsumer:
    """One consumer group member: ``run(stop)`` until stop is set, then commit and close."""

    def __init__(
        self,
        settings: Settings,
        group: str,
        topics: list[str],
        handlers: dict[HandlerKey, Handler],
        db: Database,
        publisher: EventPublisher,
        *,
        consumer: KafkaConsumer | None = None,
        max_poll_records: int = 500,
        opener: EventOpener | None = None,
    ) -> None:
        self.settings = settings
        self.group = group
        # Keys resolve through the registry: listening for a type nobody publishes fails at start.
        self.handlers = {REGISTRY.type_name(key): handler for key, handler in handlers.items()}
        self.db = db
        self.publisher = publisher
        self.opener = opener  # opens sealed personal fields (shared.sealing); None: sealed events DLQ
        self.service = settings.service_name
        self.topics = [settings.topic(t) for t in topics]
        self._consumer = consumer or KafkaConsumer(
            *self.topics,
            **settings.kafka_client_options,
            group_id=f"{settings.topic_prefix}{group}",
            client_id=f"{settings.service_name}-worker",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=max_poll_records,
            max_poll_interval_ms=300000,
            session_timeout_ms=10000,
            heartbeat_interval_ms=3000,
        )
        self._lag_updated = 0.0

    # -- one record ---------------------------------------------------------------------------------
    @staticmethod
    def _parse(value: bytes | None) -> Event:
        if value is None:
            raise EnvelopeError("empty message (tombstone)")
        event = parse_event(value)
        event_time(event)  # a missing or unparsable time is an envelope error: dead-lettered, never "now"
        return event

    def _validated(self, event: Event) -> Event:
        """The event handlers see: a sealed one opened into its plain type, the payload validated.

        Raises KeyShredded (the person was erased), SealError, UnknownEventType or ValidationError."""
        if self.opener is not None and self.opener.is_sealed(event.type):
            REGISTRY.validate(event.type, event.data)
            try:
                event = self.opener.open(event)
            except KeySourceDown as error:
                raise InfrastructureDown(str(error)) from error
        elif event.type in SEALED_TYPES:
            raise SealError("this consumer has no key source to open it")
        elif self.opener is not None and event.type == ERASED_TYPE:
            self.opener.forget(str(event.data.get("participant_id")))
        data = REGISTRY.validate(event.type, event.data)
        return Event(event.id, event.type, event.source, event.subject, event.time, data, event.dataschema)

    def _decode(self, value: bytes | None) -> Event:
        return self._validated(self._parse(value))

    def _prefetch_keys(self, events: list[Event]) -> None:
        """One key lookup for the sealed events of a batch; the key owner down stops the batch (retried)."""
        if self.opener is None:
            return
        try:
            self.opener.prefetch(events)
        except KeySourceDown as error:
            raise InfrastructureDown(str(error)) from error

    def _dead_letter(self, record, reason: str, attempts: int, event_type: str = "unknown") -> None:
        headers = [
            *(record.headers or []),
            ("dlq_reason", reason[:2000].encode()),
            ("dlq_topic", record.topic.encode()),
            ("dlq_partition", str(record.partition).encode()),
            ("dlq_offset", str(record.offset).encode()),
            ("dlq_group", self.group.encode()),
            ("dlq_attempts", str(attempts).encode()),
            ("dlq_failed_at", datetime.now(UTC).isoformat().encode()),
        ]
        target = dlq_topic(record.topic, self.group)
        try:
            try:
                self.publisher.send_raw(target, record.value, record.key, headers).get(timeout=30)
            except MessageSizeTooLargeError:
                # A record about as large as its topic takes leaves no room for these headers: the dead
                # letter names it (topic, partition, offset) instead of copying it, so the group goes on.
                size = len(record.value or b"")
                omitted = [*headers, ("dlq_value_omitted", f"{size} bytes, too large to copy".encode())]
                self.publisher.send_raw(target, b"", record.key, omitted).get(timeout=30)
        except KafkaError as error:
            raise InfrastructureDown(f"cannot write dead letter to {target}: {error}") from error
        EVENTS_DEAD_LETTERED.labels(self.service, record.topic).inc()
        EVENTS_CONSUMED.labels(self.service, record.topic, event_type, "dead_lettered").inc()
        log.warning("dead-lettered %s[%s]@%s: %s", record.topic, record.partition, record.offset, reason)

    def _handle_with_retries(self, record, event: Event, handler: Handler) -> bool:
        """True when handled; False when dead-lettered. Infrastructure failures propagate."""
        attempts = 0
        while True:
            attempts += 1
            try:
                handler(event)
                return True
            except (ConnectionFailure, InfrastructureDown):
                raise
            except PermanentError as error:
                self._dead_letter(record, f"handler refused: {error}", attempts, event.type)
                return False
            except Exception as error:
                if attempts >= self.settings.consumer_max_attempts:
                    reason = f"handler failed after {attempts} attempts: {type(error).__name__}: {error}"
                    self._dead_letter(record, reason, attempts, event.type)
                    return False
                EVENTS_CONSUMED.labels(self.service, record.topic, event.type, "retried").inc()
                log.warning("handler failed (attempt %s), retrying: %s", attempts, error)
                time.sleep(self.settings.consumer_retry_backoff_s * 2 ** (attempts - 1))

    def process_batch(self, records: list) -> None:
        """Handle a batch in order and record processed ids; raises InfrastructureDown to stop early."""
        parsed: list[tuple[object, Event | None, str | None]] = []
        for record in records:
            try:
                parsed.append((record, self._parse(record.value), None))
            except EnvelopeError as error:
                parsed.append((record, None, f"invalid envelope: {error}"))
        self._prefetch_keys([event for _, event, _ in parsed if event is not None])
        decoded: list[tuple[object, Event | None, str | None]] = []
        for record, parsed_event, problem in parsed:
            if parsed_event is None:
                decoded.append((record, None, problem))
                continue
            try:
                decoded.append((record, self._validated(parsed_event), None))
            except KeyShredded:
                decoded.append((record, parsed_event, SHREDDED))
            except SealError as error:
                decoded.append((record, None, f"sealed payload cannot be opened: {error}"))
            except UnknownEventType as error:
                decoded.append((record, None, f"unknown event type {error}"))
            except ValidationError as error:
                decoded.append((record, None, f"payload does not match its schema: {error.messages}"))
        ids = [f"{self.group}:{e.id}" for _, e, _ in decoded if e is not None]
        try:
            seen = {d["_id"] for d in self.db[PROCESSED_EVENTS].find({"_id": {"$in": ids}}, {"_id": 1})}
        except PyMongoError as error:
            raise InfrastructureDown(str(error)) from error
        done: list[dict] = []
        run: list[tuple[object, Event]] = []  # consecutive events of one batch handler, not handled yet
        try:
            for record, event, problem in decoded:
                handler = self.handlers.get(event.type) if event is not None else None
                if run and handler is not self.handlers.get(run[0][1].type):
                    self._handle_run(run, done)
                    run = []
                if event is None:
                    self._dead_letter(record, problem or "undecodable", 1)
                    continue
                if problem == SHREDDED:
                    self._done(record, event, SHREDDED, 0.0, done)
                    continue
                marker = f"{self.group}:{event.id}"
                if marker in seen:
                    EVENTS_CONSUMED.labels(self.service, record.topic, event.type, "duplicate").inc()
                    continue
                seen.add(marker)
                if isinstance(handler, BatchHandler):
                    run.append((record, event))
                else:
                    self._handle_one(record, event, handler, done)
            if run:
                self._handle_run(run, done)
        finally:
            self._record_processed(done)

    def _handle_one(self, record, event: Event, handler: Handler | None, done: list[dict]) -> None:
        token = event_id_var.set(event.id)
        started = time.perf_counter()
        try:
            if handler is None:
                outcome = "ignored"
            else:
                outcome = "processed" if self._handle_with_retries(record, event, handler) else None
        finally:
            event_id_var.reset(token)
        if outcome is not None:
            self._done(record, event, outcome, time.perf_counter() - started, done)

    def _handle_run(self, run: list[tuple[object, Event]], done: list[dict]) -> None:
        """Consecutive events of one batch handler in one call; should it fail for any reason but our own
        infrastructure, each event is handled again on its own (with retries and dead-lettering), which the
        handler's idempotence makes safe whatever part of the batch took effect."""
        handler = self.handlers[run[0][1].type]
        if len(run) > 1:
            started = time.perf_counter()
            try:
                handler.handle_many([event for _, event in run])
            except (ConnectionFailure, InfrastructureDown):
                raise
            except Exception as error:
                log.warning("a batch of %d events failed (%s); handling them one by one", len(run), error)
            else:
                share = (time.perf_counter() - started) / len(run)
                for record, event in run:
                    self._done(record, event, "processed", share, done)
                return
        for record, event in run:
            self._handle_one(record, event, handler, done)

    def _done(self, record, event: Event, outcome: str, seconds: float, done: list[dict]) -> None:
        EVENT_PROCESSING.labels(self.service, record.topic).observe(seconds)
        EVENTS_CONSUMED.labels(self.service, record.topic, event.type, outcome).inc()
        marker = f"{self.group}:{event.id}"
        done.append({"_id": marker, "type": event.type, "processed_at": datetime.now(UTC)})

    def _record_processed(self, done: list[dict]) -> None:
        if not done:
            return
        try:
            self.db[PROCESSED_EVENTS].insert_many(done, ordered=False)
        except BulkWriteError as error:
            if any(e.get("code") != 11000 for e in error.details.get("writeErrors", [])):
                raise InfrastructureDown(str(error)) from error

    # -- the loop -----------------------------------------------------------------------------------
    def _update_lag(self) -> None:
        now = time.monotonic()
        if now - self._lag_updated < 5:
            return
        self._lag_updated = now
        try:
            for tp in self._consumer.assignment():
                highwater = self._consumer.highwater(tp)
                if highwater is None:
                    continue
                position = self._consumer.position(tp)
                lag = max(0, highwater - position)
                CONSUMER_LAG.labels(self.service, tp.topic, str(tp.partition)).set(lag)
        except KafkaError as error:  # a metric: the broker being away must not end the worker
            log.warning("consumer lag not updated, broker unreachable: %s", error)

    def poll_once(self, timeout_ms: int = 500) -> int:
        """Poll, process and commit one batch; returns the number of records seen."""
        batch = self._consumer.poll(timeout_ms=timeout_ms)
        count = 0
        for tp, records in sorted(batch.items(), key=self._subscription_order):
            try:
                self.process_batch(records)
            except (InfrastructureDown, ConnectionFailure) as error:
                log.error("dependency down while handling %s: %s; will retry", tp, error)
                self._rewind(batch)
                time.sleep(2.0)
                return count
            count += len(records)
        if batch:
            try:
                self._consumer.commit()
            except CommitFailedError as error:
                # The group rebalanced: the new owner re-reads these records and drops them as duplicates.
                log.warning("offset commit refused after a rebalance: %s", error)
            except KafkaError as error:
                # The broker is away (restarting): the records are handled and recorded, so the next commit
                # covers them; should the worker die first, they come again and are dropped as duplicates.
                log.warning("offset commit failed, broker unreachable: %s; the next commit covers it", error)
        self._update_lag()
        return count

    def _subscription_order(self, item: tuple[TopicPartition, list]) -> tuple[int, str, int]:
        """A polled batch is handled topic by topic in the order the group subscribes (CONSUMER_GROUPS lists
        what others refer to first: programs and participants before pairings), so a consumer catching up
        on a backlog knows the people before the pairings that name them (by name, pairings sorted first
        and notifications dropped the e-mails of pairings whose participants it had not projected yet)."""
        tp = item[0]
        rank = self.topics.index(tp.topic) if tp.topic in self.topics else len(self.topics)
        return rank, tp.topic, tp.partition

    def _rewind(self, batch: dict[TopicPartition, list]) -> None:
        """Seek every partition of an unfinished batch back to its first record (reprocessing is safe)."""
        for tp, records in batch.items():
            self._consumer.seek(tp, records[0].offset)

    def run(self, stop: threading.Event) -> None:
        log.info("consuming %s as group %s", ", ".join(self.topics), self.group)
        try:
            while not stop.is_set():
                try:
                    self.poll_once()
                except KafkaError as error:
                    # poll itself failed (the broker is away): nothing was handled, so just try again
                    log.error("polling failed, broker unreachable: %s; will retry", error)
                    stop.wait(1.0)
        finally:
            self.close()

    def close(self) -> None:
        try:
            self._consumer.close(autocommit=False)
        except Exception:
            log.exception("error closing consumer")
