"""A receiver for the platform's subscriber webhooks: verifies every request with the Standard Webhooks
library (``pip install standardwebhooks``) and processes each message once, however often it arrives.

    python docs/examples/webhook_receiver.py --port 9000 --secret whsec_...   # or WEBHOOK_SECRET=whsec_...

- ``webhook-signature`` may carry several ``v1,<signature>`` entries (during a secret rotation both the
  old and the new secret sign): ``Webhook(secret).verify`` accepts the request when any entry matches,
  so a receiver holding either secret verifies. Give ``--secret`` twice to accept both while you switch.
- ``verify`` also refuses a ``webhook-timestamp`` more than five minutes off (replayed captures).
- ``webhook-id`` is the same for every attempt and every replay of a message: remember the ids you have
  processed (here: in the log file, so a restart remembers too) and answer 2xx to a repeat without
  processing it again.
- Answer 2xx quickly once the message is stored; anything else is retried on the sender's schedule.
  ``410 Gone`` disables the endpoint; a ``webhook-delivery: abort-message`` header stops the retries of
  that one message.

Every request is logged as one JSON line (``--log``) with whether it verified and was a repeat: the
platform's integration tests run this file as the receiver of their deliveries.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class Receiver:
    """Verification, deduplication by ``webhook-id`` and the log; the HTTP handler only calls ``receive``."""

    def __init__(
        self,
        secrets: list[str],
        log: Path,
        fail_with: int | None = None,
        abort: bool = False,
        delay: float = 0,
    ):
        self.verifiers = [Webhook(secret) for secret in secrets]
        self.log = log
        self.fail_with, self.abort, self.delay = fail_with, abort, delay
        self.lock = threading.Lock()
        self.seen = {entry["webhook_id"] for entry in self.entries() if entry.get("processed")}

    def entries(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]

    def verify(self, body: bytes, headers: dict[str, str]) -> dict | None:
        for verifier in self.verifiers:
            try:
                return verifier.verify(body, headers)
            except WebhookVerificationError:
                continue
        return None

    def receive(self, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
        webhook_id = headers.get("webhook-id", "")
        entry = {
            "webhook_id": webhook_id,
            "timestamp": headers.get("webhook-timestamp"),
            "signatures": len(headers.get("webhook-signature", "").split()),
            "received_at": time.time(),
        }
        event = self.verify(body, headers)
        answer: dict[str, str] = {}
        with self.lock:
            if event is None:
                status = 400  # not from the platform, or signed with a secret we do not hold
                entry["verified"] = False
            elif self.fail_with is not None:
                status = self.fail_with
                entry.update(verified=True, type=event.get("type"))
                if self.abort:
                    answer["webhook-delivery"] = "abort-message"
            elif webhook_id in self.seen:
                status = 200
                entry.update(verified=True, duplicate=True, type=event.get("type"))
            else:
                self.seen.add(webhook_id)
                status = 204
                entry.update(verified=True, processed=True, type=event.get("type"), event_id=event.get("id"))
            entry["status"] = status
            with self.log.open("a") as out:
                out.write(json.dumps(entry) + "\n")
        time.sleep(self.delay)
        return status, answer


def serve(receiver: Receiver, host: str, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, extra = receiver.receive(body, {k.lower(): v for k, v in self.headers.items()})
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    return ThreadingHTTPServer((host, port), Handler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--secret", action="append", help="whsec_… (repeat to accept several)")
    parser.add_argument("--log", type=Path, default=Path("webhooks-received.jsonl"))
    parser.add_argument("--fail-with", type=int, help="answer this status instead of processing (tests)")
    parser.add_argument("--abort", action="store_true", help="with --fail-with: ask the sender to give up")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds to wait before answering (tests)")
    args = parser.parse_args()
    secrets = args.secret or [os.environ.get("WEBHOOK_SECRET", "")]
    if not all(secrets):
        parser.error("give --secret whsec_... or set WEBHOOK_SECRET")
    server = serve(Receiver(secrets, args.log, args.fail_with, args.abort, args.delay), args.host, args.port)
    print(f"listening on http://{args.host}:{server.server_port}/, logging to {args.log}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
