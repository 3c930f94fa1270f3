"""Who may manage which webhook endpoints: a service account any; an admin only those of programs they
administer (the programs projection names the admins). Anyone else gets 404, not a hint."""

from __future__ import annotations

from typing import Any

from services.notifications.domain.webhooks import Endpoint
from services.notifications.store.uow import NotificationsUnitOfWork
from shared.auth import Principal
from shared.errors import Forbidden, NotFound

SERVICE_ROLE = ("service",)


def program_admins(uow: NotificationsUnitOfWork, program_id: str | None) -> list[str]:
    """The admins the programs projection knows for a program ([] when it does not know the program)."""
    program = uow.people.program(program_id) if program_id is not None else None
    return list((program or {}).get("admins") or [])


def may_manage(uow: NotificationsUnitOfWork, actor: Principal, program_id: str | None) -> bool:
    if actor.has_any(SERVICE_ROLE):
        return True
    return actor.has_any(("admin",)) and actor.subject in program_admins(uow, program_id)


def require_program(uow: NotificationsUnitOfWork, actor: Principal, program_id: str | None) -> None:
    """An endpoint's program must be one the caller administers (a service may name none: all programs)."""
    if actor.has_any(SERVICE_ROLE):
        return
    if program_id is None:
        raise Forbidden(
            "an admin subscribes for a program they administer: give program_id", field="program_id"
        )
    if not may_manage(uow, actor, program_id):
        raise Forbidden(f"only the admins of program {program_id} may subscribe to it", field="program_id")


def endpoint_for(uow: NotificationsUnitOfWork, actor: Principal, endpoint_id: str) -> tuple[Endpoint, int]:
    """The endpoint and its version, for someone who may manage it."""
    loaded = uow.webhooks.endpoint(endpoint_id)
    if loaded is None or not may_manage(uow, actor, loaded.record.get("program_id")):
        raise NotFound(f"webhook endpoint {endpoint_id} does not exist", field="endpoint_id")
    return Endpoint.from_record(loaded.record), loaded.version


def visible_endpoints(uow: NotificationsUnitOfWork, actor: Principal) -> list[dict[str, Any]]:
    if actor.has_any(SERVICE_ROLE):
        return uow.webhooks.endpoints()
    return [
        record
        for record in uow.webhooks.endpoints()
        if record.get("program_id") and actor.subject in program_admins(uow, record["program_id"])
    ]
