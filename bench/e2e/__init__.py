"""The whole system at scale, through the public APIs only: four APIs and four workers as processes (as
``make run`` runs them), local Kafka + FerretDB and the local SMTP sink, everything on 127.0.0.1.

1. Scale: HR uploads a 10,000-employee organisation (``shared.demo``) and imports a 2,500-leader x
   2,500-junior cohort as one CSV; how long until matching's projection has caught up (the first dry run
   with the expected counts that is not refused as stale), the 2,500 x 2,500 dry run, the real run and its
   publication, and how long from the publication until every pairing e-mail is accepted by the sink.
   Baseline in the same run: the sink's raw acceptance rate for the same e-mail (smtplib, one connection).
2. Steady mixed load from an open-loop driver (each request starts at its planned time, whatever the
   earlier ones do): ``--rate`` enrolments/s through the chain (intake write -> outbox relay -> Kafka ->
   notifications worker -> delivery -> SMTP), beside reads of each service and writes to matching
   (accepting pairings), notifications (preferences) and feedback (check-ins). Per endpoint req/s and
   p50/p99; per enrolment its e-mail's latency from the request's start to the sink's acceptance, split by
   the timestamps each stage leaves (the event's time, the Kafka record's, the delivery log's, the sink's),
   and the CPU seconds each process used meanwhile. Goal: p99 <= 100 ms at 200 events/s.

``--scale`` (or ``E2E_SCALE``) shrinks organisation, cohort and load duration: ``--scale 0.1`` runs in about
two minutes. ``python -m bench.e2e`` (infra from KAFKA_BOOTSTRAP_SERVERS / MONGODB_URI, else local
processes) writes bench/results/e2e.json.
"""
