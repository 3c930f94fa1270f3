"""The unit of work every service's use cases run in: the service's stores (as ports) and its clock.

Mongo-wire servers here have no multi-document transactions, so a unit of work does not commit: each
aggregate save is atomic on its own and carries its events (``shared.versioned``), and a use case is
written so that a crash between two saves is finished by the redelivered command (idempotent steps).
What the unit of work gives is the seam: handlers see only ports, so every use case runs unchanged on
the Mongo stores and on their in-memory twins.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from shared.mongo import now as stored_now

Clock = Callable[[], datetime]


class UnitOfWork:
    """Base of ``<Service>UnitOfWork``: subclasses add their repositories as attributes."""

    def __init__(self, clock: Clock = stored_now) -> None:
        self.clock = clock

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None
