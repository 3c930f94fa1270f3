"""Process entrypoints shared by every service: ``api`` (gunicorn) and ``worker`` (consumer + relay).

Nothing here imports prometheus_client at module level: multiprocess mode must be chosen (via
``PROMETHEUS_MULTIPROC_DIR``) before the first metric is created.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import logging
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

log = logging.getLogger(__name__)


@dataclass
class WorkerParts:
    """What a service's worker runs: a consumer loop and/or an outbox relay, plus cleanup, and the checks
    its ``/readyz`` runs (name -> callable raising when that dependency is unreachable)."""

    consumer: Any = None
    relay: Any = None
    # further loops of the worker by thread name, each run as ``loop(stop)`` until ``stop`` is set
    # (e.g. the scheduler that claims due items: reminders, deferred sends, webhook retries)
    loops: dict[str, Callable[[threading.Event], None]] = field(default_factory=dict)
    closers: list[Callable[[], None]] = field(default_factory=list)
    readiness: dict[str, Callable[[], None]] = field(default_factory=dict)


def shut_down(parts: WorkerParts, threads: list[threading.Thread], *, join_timeout_s: float) -> None:
    """After ``stop`` is set: let the worker's threads finish their batch, then close its clients."""
    for thread in threads:
        thread.join(timeout=join_timeout_s)
    for close in parts.closers:
        close()


def _load(path: str) -> Callable[..., Any]:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def _prepare_multiprocess_dir(service: str) -> None:
    """Use the operator's PROMETHEUS_MULTIPROC_DIR (kept fresh by them: an emptyDir, ``make run``), else a
    private temporary one. A service's API and worker may share a directory so one scrape shows both."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        directory = os.path.join(tempfile.gettempdir(), f"mentoring-metrics-{service}-{os.getpid()}")
        shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory


# gunicorn's own limits on what it parses before the app sees a request (its defaults, stated here so the
# operator's guide and the tests name them): longer request lines get 414, more or longer headers 431.
LIMIT_REQUEST_LINE = 4094
LIMIT_REQUEST_FIELDS = 100
LIMIT_REQUEST_FIELD_SIZE = 8190


def write_problem(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's error page as RFC 9457 problem+json: what the HTTP server refuses itself (an over-long
    request line, too many or too large headers, a malformed request) reaches clients in the same shape
    as every error the app answers."""
    import json

    from gunicorn import util

    body = json.dumps(
        {"type": "about:blank", "title": reason, "status": status_int, **({"detail": mesg} if mesg else {})}
    ).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/problem+json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin1") + body)


def problem_json_server_errors() -> None:
    """Route gunicorn's error writer (looked up on ``gunicorn.util`` at each error) to ``write_problem``."""
    from gunicorn import util

    util.write_error = write_problem


def run_api(service: str, app_factory: str) -> None:
    _prepare_multiprocess_dir(service)
    from gunicorn.app.base import BaseApplication
    from prometheus_client import multiprocess

    from shared.config import Settings

    settings = Settings.from_env(service)

    class _Gunicorn(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"0.0.0.0:{settings.port}")
            self.cfg.set("workers", settings.web_concurrency)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", 4)
            self.cfg.set("graceful_timeout", 25)
            self.cfg.set("timeout", 60)
            self.cfg.set("accesslog", None)
            self.cfg.set("child_exit", lambda _server, worker: multiprocess.mark_process_dead(worker.pid))
            self.cfg.set("post_worker_init", _freeze_startup_objects)
            self.cfg.set("limit_request_line", LIMIT_REQUEST_LINE)
            self.cfg.set("limit_request_fields", LIMIT_REQUEST_FIELDS)
            self.cfg.set("limit_request_field_size", LIMIT_REQUEST_FIELD_SIZE)

        def load(self) -> Any:
            return _load(app_factory)(settings)

    problem_json_server_errors()
    _Gunicorn().run()


def _freeze_startup_objects(_worker: Any) -> None:
    """Move everything the app built at start-up (modules, schemas, routes) out of the garbage collector's
    reach: a full collection then walks only what requests created, instead of pausing a request for
    hundreds of thousands of long-lived objects."""
    gc.collect()
    gc.freeze()


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        return


class WorkerProbes:
    """What the worker's small HTTP server answers: ``/readyz`` is 503 until the worker's parts are built
    and then runs their checks (Kafka, Mongo), like the API's ``/readyz``."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.parts: WorkerParts | None = None

    def ready(self) -> tuple[int, dict[str, Any]]:
        if self.parts is None:
            return 503, _problem(503, "Service unavailable", "the worker is starting")
        results: dict[str, str] = {}
        for name, check in self.parts.readiness.items():
            try:
                check()
                results[name] = "ok"
            except Exception as error:
                results[name] = f"unavailable: {type(error).__name__}"
        if any(value != "ok" for value in results.values()):
            return 503, _problem(503, "Service unavailable", "a dependency is unreachable", checks=results)
        return 200, {"status": "ready", "service": self.service, "process": "worker", "checks": results}


def _problem(status: int, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}


def _serve_worker_metrics(port: int, service: str) -> WorkerProbes:
    """A tiny HTTP server on the worker: /metrics for Prometheus, /healthz (liveness), /readyz (readiness)."""
    import json

    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    from shared.metrics import registry_for_scrape

    probes = WorkerProbes(service)

    def app(environ: dict, start_response: Callable) -> list[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path == "/metrics":
            start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
            return [generate_latest(registry_for_scrape())]
        if path == "/healthz":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps({"status": "ok", "service": service, "process": "worker"}).encode()]
        if path == "/readyz":
            status, body = probes.ready()
            kind = "application/json" if status == 200 else "application/problem+json"
            start_response("200 OK" if status == 200 else "503 Service Unavailable", [("Content-Type", kind)])
            return [json.dumps(body).encode()]
        start_response("404 Not Found", [("Content-Type", "application/problem+json")])
        return [
            json.dumps(_problem(404, "Not Found", "the worker serves /metrics, /healthz, /readyz")).encode()
        ]

    server = make_server("0.0.0.0", port, app, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="worker-metrics", daemon=True).start()
    return probes


def build_when_reachable(
    build: Callable[[], WorkerParts],
    stop: threading.Event,
    first_wait_s: float = 1.0,
    max_wait_s: float = 30.0,
) -> WorkerParts | None:
    """Build the worker once Kafka and the database answer: a broker or database still starting (or
    restarting while a killed worker comes back) is waited for, with growing pauses, not a crash loop.
    None when ``stop`` is set first."""
    from kafka.errors import KafkaError
    from pymongo.errors import PyMongoError

    wait_s = first_wait_s
    while not stop.is_set():
        try:
            return build()
        except (KafkaError, PyMongoError) as error:
            log.warning("worker start: %s (%s); trying again in %.0f s", type(error).__name__, error, wait_s)
            stop.wait(wait_s)
            wait_s = min(wait_s * 2, max_wait_s)
    return None


def run_worker(service: str, worker_factory: str) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
    from shared.config import Settings
    from shared.logging import configure_logging

    settings = Settings.from_env(service)
    configure_logging(service, settings.log_level)
    stop = threading.Event()

    def _on_signal(signum: int, _frame: object) -> None:
        log.info("signal %s: finishing the current batch, committing, exiting", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    probes = _serve_worker_metrics(settings.metrics_port, service)
    factory = _load(worker_factory)
    parts = build_when_reachable(lambda: factory(settings), stop)
    if parts is None:
        log.info("worker stopped before it started")
        return
    probes.parts = parts
    threads = []
    if parts.relay is not None:
        relay = threading.Thread(target=parts.relay.run, args=(stop, settings.relay_interval_s), name="relay")
        relay.start()
        threads.append(relay)
    for name, loop in parts.loops.items():
        thread = threading.Thread(target=loop, args=(stop,), name=name)
        thread.start()
        threads.append(thread)
    try:
        if parts.consumer is not None:
            parts.consumer.run(stop)
        else:
            stop.wait()
    finally:
        stop.set()
        shut_down(parts, threads, join_timeout_s=20)
        log.info("worker stopped")


def main(service: str, argv: list[str] | None = None) -> None:
    """``python -m services.<service> api|worker``."""
    parser = argparse.ArgumentParser(prog=f"python -m services.{service}")
    parser.add_argument("process", choices=("api", "worker"))
    args = parser.parse_args(argv)
    if args.process == "api":
        run_api(service, f"services.{service}.app:create_app")
    else:
        run_worker(service, f"services.{service}.worker:build_worker")
