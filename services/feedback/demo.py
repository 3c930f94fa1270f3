"""The demo's feedback story (``make run``): on the demo program's active pairings, both sides set goals,
log check-ins and report progress, and the first pairing's junior raises an insight its leader acts upon,
so the outcome report has figures. Calls feedback's public API only, as the participants would.

    from services.feedback.demo import load_demo
    load_demo("http://127.0.0.1:8004", pairings, token_for, focus_areas=program["focus_areas"])

``pairings``: matching's pairing views (``pairing_id``, ``leader_employee_id``, ``junior_employee_id``) of
active pairings; ``token_for(employee_id, role)``: a bearer token (e.g. ``shared.auth.dev_token``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

import requests

GROWTH = ("strategy", "decision-making", "leadership", "stakeholder-management")


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _post(session: requests.Session, url: str, token: str, body: dict[str, Any] | None = None) -> dict:
    response = session.post(url, json=body, headers=_headers(token), timeout=30)
    if response.status_code not in (200, 201):
        raise RuntimeError(f"POST {url}: {response.status_code} {response.text[:300]}")
    return response.json()


def _wait_known(session: requests.Session, url: str, token: str, wait_s: float) -> None:
    """Feedback learns of a pairing from matching's events: wait until its worker has projected it."""
    deadline = time.monotonic() + wait_s
    while session.get(url, headers=_headers(token), timeout=10).status_code != 200:
        if time.monotonic() > deadline:
            raise RuntimeError(f"feedback did not learn of {url} within {wait_s:.0f} s")
        time.sleep(0.5)


def load_demo(
    feedback_base_url: str,
    pairings: Iterable[dict[str, Any]],
    token_for: Callable[[str, str], str],
    *,
    focus_areas: list[str],
    limit: int = 5,
    wait_s: float = 120.0,
) -> dict[str, int]:
    """Write the story on up to ``limit`` pairings; returns how many of each record were written."""
    base = feedback_base_url.rstrip("/")
    written = {"pairings": 0, "goals": 0, "check_ins": 0, "insights_acted_upon": 0}
    today = date.today().isoformat()
    with requests.Session() as session:
        for n, pairing in enumerate(list(pairings)[:limit]):
            url = f"{base}/v1/pairings/{pairing['pairing_id']}"
            leader = token_for(pairing["leader_employee_id"], "participant")
            junior = token_for(pairing["junior_employee_id"], "participant")
            _wait_known(session, f"{url}/goals", junior, wait_s)
            area = focus_areas[n % len(focus_areas)]
            goal = _post(
                session,
                f"{url}/goals",
                leader,
                {
                    "area": area,
                    "title": f"Apply {area} in my team",
                    "success_criteria": "One experiment shipped",
                },
            )
            _post(
                session,
                f"{url}/goals",
                junior,
                {"area": GROWTH[n % len(GROWTH)], "title": "Sit in on a strategy review"},
            )
            written["goals"] += 2
            for topic, notes in (("Kick-off", "Agreed goals and cadence"), (area, "Hands-on session")):
                _post(
                    session,
                    f"{url}/check-ins",
                    junior,
                    {"held_on": today, "duration_minutes": 45, "topics": [topic], "shared_notes": notes},
                )
                written["check_ins"] += 1
            progress = {"status": "achieved"} if n % 2 == 0 else {"percent": 50, "note": "Halfway"}
            _post(session, f"{url}/goals/{goal['goal_id']}/progress", leader, progress)
            if n == 0:
                insight = _post(
                    session,
                    f"{url}/insights",
                    junior,
                    {
                        "area": "gen-z-consumer-trends",
                        "description": "Our careers page reads as corporate to Gen-Z",
                        "suggested_action": "Let juniors write the next campaign",
                    },
                )
                _post(session, f"{url}/insights/{insight['insight_id']}/acknowledgement", leader)
                _post(
                    session,
                    f"{url}/insights/{insight['insight_id']}/acted-upon",
                    leader,
                    {"what_changed": "Two juniors now co-own the careers page copy"},
                )
                written["insights_acted_upon"] += 1
            written["pairings"] += 1
    return written
