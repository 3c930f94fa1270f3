"""Crypto-shredding of personal fields in events: sealed with a per-person key that erasure destroys.

Kafka keeps what it is given until retention deletes it, so an event that carries a person's profile in
clear outlives their erasure by days. Instead the owning service (intake) keeps one AES-256-GCM data key
per participant in its own database and publishes the personal fields of their events as a *sealed block*
(``{"key_id", "alg", "nonce", "ciphertext"}``, the envelope's type and id bound in as associated data).
Consumers open the block with the key, fetched from the owner and cached briefly, and keep what they need
in their own erasable stores. Erasure destroys the key: every copy of the block, in every topic and
dead-letter topic, is unreadable from then on, whatever the retention. A block whose key is gone is
*shredded*: consumers treat the event as that of an erased person (nothing kept, no dead letter).

``SealedForm`` says which published type is sealed into which and which fields stay in clear (ids the
consumers route by); the forms themselves are part of the contract (``shared.contracts.sealed``).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import requests
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.config import Settings
from shared.events.envelope import Event, dataschema_for

ALGORITHM = "A256GCM"
KEY_BYTES = 32
NONCE_BYTES = 12
SEALED_FIELD = "sealed"
KEY_CACHE_TTL_S = 60.0  # how long a consumer may reuse a fetched key (an erasure it sees drops it at once)
KEY_CACHE_SIZE = 10_000
LOOKUP_BATCH = 500  # ids per key lookup request (the owner's endpoint takes at most this many)
SERVICE_TOKEN_TTL_S = 3600


class SealError(ValueError):
    """A sealed block that cannot be opened with its key: malformed, tampered with, or moved to another
    event. Such an event is dead-lettered like any other bad payload."""


class KeyShredded(Exception):
    """The key of a sealed block is gone: its person was erased, and the event is handled as erased."""


class KeySourceDown(Exception):
    """The key owner could not be asked; the event is not at fault and is tried again later."""


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def associated_data(event_type: str, event_id: str) -> bytes:
    """What a block is bound to: copied into another event (or another type), it no longer opens."""
    return f"{event_type}\n{event_id}".encode()


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: object, name: str) -> bytes:
    if not isinstance(text, str):
        raise SealError(f"sealed block: {name} must be base64 text")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as error:
        raise SealError(f"sealed block: {name} is not base64") from error


def seal(fields: Mapping[str, Any], key: bytes, key_id: str, aad: bytes) -> dict[str, str]:
    """The fields as one sealed block (JSON, then AES-256-GCM with a fresh 96-bit nonce)."""
    nonce = os.urandom(NONCE_BYTES)
    plaintext = json.dumps(dict(fields), separators=(",", ":"), ensure_ascii=False).encode()
    ciphertext = AESGCM(key).encrypt(nonce, plaintext, aad)
    return {"key_id": key_id, "alg": ALGORITHM, "nonce": _b64(nonce), "ciphertext": _b64(ciphertext)}


def open_block(block: Mapping[str, Any], key: bytes, aad: bytes) -> dict[str, Any]:
    """The fields a block holds; SealError when it does not open with this key and associated data."""
    if block.get("alg") != ALGORITHM:
        raise SealError(f"sealed block: alg must be {ALGORITHM}")
    nonce, ciphertext = _unb64(block.get("nonce"), "nonce"), _unb64(block.get("ciphertext"), "ciphertext")
    if len(nonce) != NONCE_BYTES:
        raise SealError(f"sealed block: nonce must be {NONCE_BYTES} bytes")
    try:
        plaintext = AESGCM(key).decrypt(nonce, ciphertext, aad)
    except InvalidTag as error:
        raise SealError("sealed block does not open with its key (tampered with or moved)") from error
    fields = json.loads(plaintext)
    if not isinstance(fields, dict):
        raise SealError("sealed block does not hold an object")
    return fields


@dataclass(frozen=True)
class SealedForm:
    """``plain_type`` is published as ``sealed_type``: ``clear`` fields as they are, the rest sealed with
    the key of the person ``key_field`` names."""

    plain_type: str
    sealed_type: str
    clear: tuple[str, ...]
    key_field: str = "participant_id"


class KeyStore(Protocol):
    """The owner's data keys, one per person (key id = participant id)."""

    def keys_for(self, key_ids: Sequence[str]) -> dict[str, bytes]:
        """The key of each id, created when it has none yet; a destroyed key is left out (never renewed)."""

    def existing(self, key_ids: Sequence[str]) -> dict[str, bytes]:
        """The keys that exist now; destroyed and unknown ids are left out."""

    def destroy(self, key_id: str) -> None:
        """Erasure: the key is gone for good; what it sealed can no longer be read anywhere."""


class KeySource(Protocol):
    """Where a consumer gets keys: the owner's store (its own worker) or the owner's API."""

    def existing(self, key_ids: Sequence[str]) -> dict[str, bytes]: ...


class EventSealer:
    """The owner's relay step: an event of a sealed form leaves sealed, or not at all when its person's
    key was destroyed meanwhile (an erased person's pending events are never published)."""

    def __init__(self, keys: KeyStore, forms: Iterable[SealedForm]) -> None:
        self.keys = keys
        self.forms = {form.plain_type: form for form in forms}

    def seal_all(self, events: Sequence[Event]) -> list[Event | None]:
        """Each event as published (one key read for the batch); None for an event left unpublished."""
        ids = list(dict.fromkeys(e.data[f.key_field] for e in events if (f := self.forms.get(e.type))))
        keys = self.keys.keys_for(ids) if ids else {}
        return [self._sealed(event, keys) for event in events]

    def _sealed(self, event: Event, keys: Mapping[str, bytes]) -> Event | None:
        form = self.forms.get(event.type)
        if form is None:
            return event
        key_id = event.data[form.key_field]
        key = keys.get(key_id)
        if key is None:
            return None
        clear = {name: event.data[name] for name in form.clear}
        personal = {name: value for name, value in event.data.items() if name not in form.clear}
        block = seal(personal, key, key_id, associated_data(form.sealed_type, event.id))
        return replace(
            event,
            type=form.sealed_type,
            data={**clear, SEALED_FIELD: block},
            dataschema=dataschema_for(form.sealed_type),
        )


class EventOpener:
    """A consumer's step before validation: a sealed event becomes the plain event it was sealed from.

    Keys are fetched once per batch for every sealed event not cached (``prefetch``), kept at most
    ``ttl_s`` and dropped when this consumer sees the person erased (``forget``).
    """

    def __init__(
        self,
        source: KeySource,
        forms: Iterable[SealedForm],
        *,
        ttl_s: float = KEY_CACHE_TTL_S,
        max_keys: int = KEY_CACHE_SIZE,
    ) -> None:
        self.source = source
        self.forms = {form.sealed_type: form for form in forms}
        self.ttl_s = ttl_s
        self.max_keys = max_keys
        self._cache: OrderedDict[str, tuple[bytes | None, float]] = OrderedDict()
        self._lock = threading.Lock()

    def is_sealed(self, event_type: str) -> bool:
        return event_type in self.forms

    def _cached(self, key_id: str) -> tuple[bytes | None, float] | None:
        with self._lock:
            entry = self._cache.get(key_id)
            if entry is not None and time.monotonic() - entry[1] > self.ttl_s:
                del self._cache[key_id]
                return None
            return entry

    def prefetch(self, events: Iterable[Event]) -> None:
        """Fetch, in one lookup, the keys of these sealed events that are not cached (KeySourceDown)."""
        wanted = []
        for event in events:
            block = event.data.get(SEALED_FIELD) if self.is_sealed(event.type) else None
            key_id = block.get("key_id") if isinstance(block, dict) else None
            if isinstance(key_id, str) and self._cached(key_id) is None:
                wanted.append(key_id)
        if wanted:
            self._fetch(list(dict.fromkeys(wanted)))

    def _fetch(self, key_ids: list[str]) -> dict[str, bytes]:
        found = self.source.existing(key_ids)
        now = time.monotonic()
        with self._lock:
            for key_id in key_ids:
                self._cache[key_id] = (found.get(key_id), now)  # None: shredded (a key never comes back)
                self._cache.move_to_end(key_id)
            while len(self._cache) > self.max_keys:
                self._cache.popitem(last=False)
        return found

    def open(self, event: Event) -> Event:
        """The plain event; KeyShredded when the key is gone, SealError when the block is bad."""
        form = self.forms[event.type]
        block = event.data.get(SEALED_FIELD)
        if not isinstance(block, dict) or not isinstance(block.get("key_id"), str):
            raise SealError(f"{event.type} needs a sealed block with a key_id")
        if block["key_id"] != event.data.get(form.key_field):
            raise SealError(f"sealed block's key_id is not the event's {form.key_field}")
        entry = self._cached(block["key_id"])
        key = entry[0] if entry is not None else self._fetch([block["key_id"]]).get(block["key_id"])
        if key is None:
            raise KeyShredded(block["key_id"])
        personal = open_block(block, key, associated_data(event.type, event.id))
        clear = {name: value for name, value in event.data.items() if name != SEALED_FIELD}
        return replace(
            event,
            type=form.plain_type,
            data={**personal, **clear},
            dataschema=dataschema_for(form.plain_type),
        )

    def forget(self, key_id: str) -> None:
        with self._lock:
            self._cache.pop(key_id, None)


class ServiceToken:
    """The bearer token a worker shows the key owner: minted with the local dev key in ``AUTH_MODE=dev``,
    else read from ``SERVICE_TOKEN_FILE`` (a mounted Secret the platform rotates; read again each time)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._minted: tuple[str, float] | None = None

    def __call__(self) -> str:
        if self.settings.auth_mode == "dev":
            now = time.monotonic()
            if self._minted is None or now - self._minted[1] > SERVICE_TOKEN_TTL_S / 2:
                from shared.auth import dev_token

                subject = f"service:{self.settings.service_name}"
                self._minted = (dev_token(self.settings, subject, ["service"], SERVICE_TOKEN_TTL_S), now)
            return self._minted[0]
        if not self.settings.service_token_file:
            raise KeySourceDown("SERVICE_TOKEN_FILE is not set: the worker cannot ask intake for keys")
        try:
            return Path(self.settings.service_token_file).read_text().strip()
        except OSError as error:
            raise KeySourceDown(f"cannot read SERVICE_TOKEN_FILE: {error}") from error


class HttpKeySource:
    """Keys from intake's ``POST /v1/participant-keys/lookup`` (role ``service``), in batches."""

    def __init__(self, settings: Settings, *, timeout_s: float = 5.0) -> None:
        self.url = f"{settings.intake_url.rstrip('/')}/v1/participant-keys/lookup"
        self.token = ServiceToken(settings)
        self.timeout_s = timeout_s
        self.session = requests.Session()

    def existing(self, key_ids: Sequence[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        for start in range(0, len(key_ids), LOOKUP_BATCH):
            found.update(self._lookup(list(key_ids[start : start + LOOKUP_BATCH])))
        return found

    def _lookup(self, key_ids: list[str]) -> dict[str, bytes]:
        headers = {"Authorization": f"Bearer {self.token()}"}
        try:
            response = self.session.post(
                self.url, json={"participant_ids": key_ids}, headers=headers, timeout=self.timeout_s
            )
        except requests.RequestException as error:
            raise KeySourceDown(f"key lookup failed: {error}") from error
        if response.status_code != 200:
            raise KeySourceDown(f"key lookup answered {response.status_code}: {response.text[:200]}")
        keys = response.json().get("keys") or {}
        return {key_id: _unb64(text, "key") for key_id, text in keys.items() if key_id in set(key_ids)}
