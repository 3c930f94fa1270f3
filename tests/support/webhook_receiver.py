"""The documented subscriber receiver (``docs/examples/webhook_receiver.py``) serving in a thread of the test:
a real HTTP server on loopback that verifies every request with the Standard Webhooks library and
processes each ``webhook-id`` once, exactly as a subscriber copying the example would.

The endpoint's signing secret is known only once the endpoint is registered, and registering needs the
receiver's URL: the server listens first and answers 503 (retried by the sender) until ``trust`` gives it
the secret."""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from tests.support.processes import REPO

EXAMPLE = REPO / "docs" / "examples" / "webhook_receiver.py"


def _example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_example_webhook_receiver", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class LocalReceiver:
    """``url`` to register; ``trust(secret)`` once registered; ``entries()``: the example's log lines."""

    def __init__(self, log: Path) -> None:
        self.example = _example()
        self.log = log
        self.receiver = None
        self.server = self.example.serve(self, "127.0.0.1", 0)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/webhooks"

    def trust(self, secret: str) -> None:
        self.receiver = self.example.Receiver([secret], self.log)

    def receive(self, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
        if self.receiver is None:
            return 503, {}
        return self.receiver.receive(body, headers)

    def entries(self) -> list[dict]:
        return self.receiver.entries() if self.receiver is not None else []


@contextmanager
def webhook_receiver(directory: Path) -> Iterator[LocalReceiver]:
    receiver = LocalReceiver(directory / "webhooks-received.jsonl")
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
        thread.join(timeout=10)
