"""A real SMTP server on loopback for tests, benchmarks and ``make run`` (aiosmtpd): every accepted
message is kept as a file where people and tests can read it.

The mailbox directory holds one ``<digest>.eml`` per ``Message-ID`` (a repeat of the same Message-ID —
a sender retrying after a crash — is counted, not stored twice, as a mail client would thread it) and
``index.jsonl``, one line per acceptance: ``{"message_id", "file", "from", "to", "subject",
"accepted_at", "repeat"}``. ``read_index(directory)`` reads it.

Run it (``deploy/local/smtp_process.py`` starts and stops it by pid)::

    python -m deploy.local.smtp_sink --port 2525 --mailbox .run/mailbox [--tls-cert C --tls-key K]

With a certificate it offers STARTTLS. ``--reply "451 4.3.0 try later"`` answers every DATA with that
reply instead of accepting (to see retries); ``--delay-s`` keeps the mail, then waits before answering
DATA (a sender dying meanwhile cannot know the mail arrived: the duplicate problem of RFC 1047).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import ssl
import threading
import time
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

INDEX = "index.jsonl"


class Mailbox:
    """aiosmtpd handler: store each message under its Message-ID, append a line to the index."""

    def __init__(self, directory: Path, *, reply: str | None = None, delay_s: float = 0.0) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.reply = reply
        self.delay_s = delay_s
        self.receiving = threading.Event()  # set when a DATA arrived (tests: "mid-send")
        self._lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.receiving.set()
        if self.reply:
            return self.reply
        name = self._store(envelope)
        if self.delay_s:  # kept but not yet confirmed: a sender that dies now cannot know (RFC 1047)
            await asyncio.sleep(self.delay_s)
        return "250 2.0.0 OK: queued as " + name.removesuffix(".eml")

    def _store(self, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        mail = message_from_bytes(raw, policy=policy.default)
        message_id = str(mail.get("Message-ID") or f"<no-id-{time.time_ns()}@sink>")
        name = hashlib.sha256(message_id.encode()).hexdigest()[:32] + ".eml"
        with self._lock:
            path = self.directory / name
            repeat = path.exists()
            if not repeat:
                path.write_bytes(raw)
            line = {
                "message_id": message_id,
                "file": name,
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "subject": str(mail.get("Subject") or ""),
                "accepted_at": datetime.now(UTC).isoformat(),
                "repeat": repeat,
            }
            with open(self.directory / INDEX, "a", encoding="utf-8") as index:
                index.write(json.dumps(line) + "\n")
        return name


def read_index(directory: str | Path) -> list[dict[str, Any]]:
    """Every acceptance so far, oldest first (repeats of a Message-ID included, marked ``repeat``)."""
    path = Path(directory) / INDEX
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def read_message(directory: str | Path, entry: dict[str, Any]):
    """The stored e-mail of an index entry, parsed."""
    return message_from_bytes((Path(directory) / entry["file"]).read_bytes(), policy=policy.default)


def tls_context(cert: str | Path, key: str | Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    return context


def serve(
    host: str,
    port: int,
    directory: str | Path,
    *,
    tls_cert: str | Path | None = None,
    tls_key: str | Path | None = None,
    reply: str | None = None,
    delay_s: float = 0.0,
) -> tuple[Controller, Mailbox]:
    """Start the sink in a thread of this process; ``controller.stop()`` ends it."""
    mailbox = Mailbox(Path(directory), reply=reply, delay_s=delay_s)
    context = tls_context(tls_cert, tls_key) if tls_cert and tls_key else None
    controller = Controller(
        mailbox,
        hostname=host,
        port=port,
        tls_context=context,
        require_starttls=False,
        server_hostname="localhost",
        ready_timeout=10.0,
    )
    controller.start()
    return controller, mailbox


def self_signed(directory: str | Path, host: str = "localhost") -> tuple[Path, Path]:
    """A throw-away certificate for ``host`` (and 127.0.0.1) to try STARTTLS locally: (cert, key)."""
    import ipaddress
    from datetime import timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(host), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.local.smtp_sink")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mailbox", required=True)
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--reply")
    parser.add_argument("--delay-s", type=float, default=0.0)
    args = parser.parse_args(argv)
    controller, _ = serve(
        args.host,
        args.port,
        args.mailbox,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        reply=args.reply,
        delay_s=args.delay_s,
    )
    print(f"SMTP sink on {args.host}:{args.port}, mailbox {Path(args.mailbox).resolve()}", flush=True)
    stop = threading.Event()
    import signal

    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
