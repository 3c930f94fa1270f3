"""What a match run is computed from, reduced to one fingerprint, and the exclusions its history implies."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from .model import Exclusion


def canonical_json(value: Any) -> bytes:
    """Key-sorted, whitespace-free JSON (dates as ISO strings): equal inputs give equal bytes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def inputs_hash(
    participants: Iterable[Mapping[str, Any]],
    rules: Mapping[str, Any],
    org_chart: Mapping[str, str | None],
    exclusions: Iterable[Exclusion],
) -> str:
    """sha256 of the canonical inputs of a run: participants (by id), program rules, the org-chart
    entries used and the exclusions; a replay with the same hash and seed gives the same result."""
    document = {
        "participants": sorted(
            (p if isinstance(p, dict) else dict(p) for p in participants),
            key=lambda p: str(p["participant_id"]),
        ),
        "rules": dict(rules),
        "org_chart": sorted(org_chart.items()),
        "exclusions": sorted((e.leader_employee_id, e.junior_employee_id, e.reason) for e in exclusions),
    }
    return "sha256:" + hashlib.sha256(canonical_json(document)).hexdigest()


def exclusions_from_history(
    pairings: Iterable[Mapping[str, Any]], conflicts: Iterable[Mapping[str, Any]] = ()
) -> list[Exclusion]:
    """Declined pairs, earlier pairs (ended) and admin conflicts, by employee ids.

    Derived from the pairings themselves, so a decline and its exclusion can never disagree.
    """
    out: list[Exclusion] = []
    for p in pairings:
        leader, junior = p.get("leader_employee_id"), p.get("junior_employee_id")
        if not leader or not junior:
            continue
        if p.get("state") == "declined":
            out.append(Exclusion(leader, junior, "declined", f"declined in pairing {p['pairing_id']}"))
        elif p.get("state") == "ended":
            out.append(Exclusion(leader, junior, "previous_pair", f"paired before ({p['pairing_id']})"))
    for c in conflicts:
        out.append(
            Exclusion(c["leader_employee_id"], c["junior_employee_id"], "conflict", c.get("detail") or "")
        )
    return out
