"""The outcome report's rows: one small document per pairing, keyed ``<program id>|<pairing id>``, holding
only the figures the report adds up. Each assessment rewrites its pairing's row whole (idempotent: a
repeat or a late retry writes the same row), so a program's report is one ``_id`` range read of small
documents — never the pairings' full records, never a check-in."""

from __future__ import annotations

from typing import Any

from services.feedback.store.documents import Documents


class OutcomeRows:
    def __init__(self, documents: Documents) -> None:
        self.documents = documents

    def save(self, program_id: str, pairing_id: str, row: dict[str, Any]) -> None:
        self.documents.replace(f"{program_id}|{pairing_id}", row)

    def of_program(self, program_id: str) -> list[dict[str, Any]]:
        return self.documents.with_prefix(f"{program_id}|")
