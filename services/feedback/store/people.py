"""Feedback's projections of intake's programs, participants and org chart, with the program settings
feedback owns (check-in cadence, pulse k, survey questions). One implementation over the document port,
so the Mongo store and its in-memory twin differ only in their ``Documents``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.feedback.store.documents import Documents

DEFAULT_CADENCE_WEEKS = 2
DEFAULT_PULSE_K = 5
DEFAULT_FIT_CHECK_AFTER_DAYS = 14
MAX_CHAIN = 64
PROGRAM_FIELDS = (
    "program_id",
    "name",
    "status",
    "focus_areas",
    "custom_focus_areas",
    "starts_on",
    "ends_on",
    "admins",
)
PARTICIPANT_FIELDS = ("participant_id", "program_id", "employee_id", "role", "department", "status")


class Programs:
    """``get`` answers a program with feedback's settings filled with their defaults."""

    def __init__(self, documents: Documents) -> None:
        self.documents = documents

    def project(self, data: dict[str, Any], when: datetime, event_id: str) -> bool:
        fields = {name: data.get(name) for name in PROGRAM_FIELDS}
        fields["admins"] = list(data.get("admins") or [])
        return self.documents.upsert_as_of(data["program_id"], fields, when, event_id)

    def get(self, program_id: str) -> dict[str, Any] | None:
        found = self.documents.get(program_id)
        if found is None or "program_id" not in found:
            return None
        settings = found.pop("settings", None) or {}
        return {
            **found,
            "admins": found.get("admins") or [],
            "focus_areas": [*(found.get("focus_areas") or []), *(found.get("custom_focus_areas") or [])],
            "cadence_weeks": settings.get("cadence_weeks", DEFAULT_CADENCE_WEEKS),
            "pulse_k": settings.get("pulse_k", DEFAULT_PULSE_K),
            "fit_check_after_days": settings.get("fit_check_after_days", DEFAULT_FIT_CHECK_AFTER_DAYS),
            "survey_questions": settings.get("survey_questions"),
        }

    def ids(self) -> list[str]:
        return [p["program_id"] for p in self.documents.where("status", "running", ("program_id",))]

    def settings_of(self, program_id: str) -> dict[str, Any]:
        return (self.documents.get(program_id) or {}).get("settings") or {}

    def save_settings(self, program_id: str, settings: dict[str, Any]) -> None:
        """Feedback's own settings of a program; they never touch the projected fields (or their time)."""
        self.documents.update(program_id, {"settings": settings}, upsert=True)


def _key(program_id: str, employee_id: str) -> str:
    return f"{program_id}|{employee_id}"


class People:
    """Participants by id, and the participant an employee is in a program (a key document per pair, so the
    look-up every request makes is one ``_id`` read). An erased participant leaves a tombstone: later
    events about them create nothing."""

    def __init__(self, participants: Documents, keys: Documents) -> None:
        self.participants = participants
        self.keys = keys

    def project(self, data: dict[str, Any], when: datetime, event_id: str) -> bool:
        fields = {name: data.get(name) for name in PARTICIPANT_FIELDS}
        applied = self.participants.upsert_as_of(data["participant_id"], fields, when, event_id)
        if applied:
            self.keys.replace(
                _key(data["program_id"], data["employee_id"]), {"participant_id": data["participant_id"]}
            )
        return applied

    def set_status(self, participant_id: str, status: str, when: datetime, event_id: str) -> bool:
        if self.participants.get(participant_id) is None:
            return False
        return self.participants.upsert_as_of(participant_id, {"status": status}, when, event_id)

    def get(self, participant_id: str) -> dict[str, Any] | None:
        return self.participants.get(participant_id)

    def participant_for(self, program_id: str, employee_id: str) -> dict[str, Any] | None:
        key = self.keys.get(_key(program_id, employee_id))
        if key is None:
            return None
        found = self.participants.get(key["participant_id"])
        if found is None or found.get("employee_id") != employee_id:
            return None
        return found

    def in_program(self, program_id: str) -> list[dict[str, Any]]:
        """Every participant of the program not erased: its key documents are one ``_id`` range, their
        participants one ``$in`` read (no scan for the program's id)."""
        ids = [key["participant_id"] for key in self.keys.with_prefix(_key(program_id, ""))]
        return [p for p in self.participants.get_many(ids) if p.get("program_id") == program_id]

    def employee_of(self, participant_id: str) -> str | None:
        return (self.participants.get(participant_id) or {}).get("employee_id")

    def is_erased(self, participant_id: str) -> bool:
        found = self.participants.get(participant_id, raw=True)
        return bool(found and found.get("_erased"))

    def erase(self, participant_id: str) -> None:
        """Forget the person and leave a tombstone holding only their pseudonymous id."""
        found = self.participants.get(participant_id) or {}
        if found.get("employee_id") and found.get("program_id"):
            self.keys.delete(_key(found["program_id"], found["employee_id"]))
        self.participants.replace(participant_id, {"_erased": True, "status": "erased"})


class OrgChart:
    """Employee → manager, as intake publishes it; ``chain_of`` walks up, nearest manager first."""

    def __init__(self, documents: Documents) -> None:
        self.documents = documents

    def project(self, employee_id: str, manager_id: str | None, when: datetime, event_id: str) -> bool:
        return self.documents.upsert_as_of(employee_id, {"manager_id": manager_id}, when, event_id)

    def chain_of(self, employee_id: str) -> list[str]:
        chain: list[str] = []
        current = employee_id
        while len(chain) < MAX_CHAIN:
            manager = (self.documents.get(current) or {}).get("manager_id")
            if not manager or manager == employee_id or manager in chain:
                break
            chain.append(manager)
            current = manager
        return chain
