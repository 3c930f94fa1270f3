"""One program from creation to its outcome report, on the running system and through its public
interfaces only: the four services' HTTP APIs (with each person's own token), the public Kafka topics read
by an outside subscriber (a consumer group of its own), the SMTP sink the e-mail goes to, and a subscriber
webhook received and verified by the documented example receiver on loopback.

The story: an admin creates a program and imports its people from a CSV; a dry run, a real run reviewed
with an override, published; two pairings are accepted by both sides, the third declined by its junior,
whose leader is waitlisted and rematched; every e-mail and signed webhook arrives exactly once; both sides
of the live pairings set goals and log check-ins; a junior's insight is acted upon and the junior is told;
a pulse with at least k answers closes and releases its figures; both sides of the rematched pairing
answer its fit check (the program opens it on the day a pairing starts) that it does not work, so it turns
at risk, matching ends it and proposes its leader a new junior; a junior is erased and the leader of their
pairing is told (and proposed a new junior), and so is the webhook subscriber; the outcome report counts
what happened. (A pairing turning at risk by missed check-ins needs weeks to pass: that path is tested with
a clock five weeks on in tests/integration/feedback/test_feedback_lifecycle.py.)
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
import requests

from services.notifications.domain.delivery import email_message_id
from tests.support.harness import bearer, wait_for
from tests.support.outside_subscriber import OutsideSubscriber, outside_subscriber
from tests.support.webhook_receiver import LocalReceiver, webhook_receiver

pytestmark = pytest.mark.e2e

FOCUS = ["ai-tools", "digital-transformation"]
AVAILABILITY = "Mon 09:00-12:00;Wed 14:00-17:00"
LEADERS, JUNIORS = 3, 5
WEBHOOK_TYPES = [
    *(f"mentoring.pairing.{verb}.v1" for verb in ("published", "accepted", "declined", "activated", "ended")),
    "mentoring.match_run.completed.v1",
    *(
        f"mentoring.feedback.{verb}.v1"
        for verb in ("goal_set", "goal_completed", "checkin_logged", "insight_raised", "insight_acted_upon")
    ),
    "mentoring.feedback.pulse_closed.v1",
]
TOPICS = ["programs", "participants", "pairings", "match-runs", "feedback"]
RETRIED = ("stale_projection", "all_pairs_infeasible", "program_status")
WAIT_S = 45


@dataclass
class Scenario:
    """The running system as its users see it: URLs, a session per person, and what the story made."""

    system: object
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    program_id: str = ""
    people: dict[str, dict] = field(default_factory=dict)  # employee id -> row + participant_id
    sessions: dict[tuple[str, str], requests.Session] = field(default_factory=dict)

    @property
    def admin_id(self) -> str:
        return f"A{self.tag}"

    def url(self, service: str, path: str) -> str:
        return f"{self.system.api_url(service)}/v1{path}"

    def session(self, subject: str, *roles: str) -> requests.Session:
        if (subject, roles) not in self.sessions:
            session = requests.Session()
            session.headers.update(bearer(self.system.settings["intake"], subject, *roles))
            self.sessions[subject, roles] = session
        return self.sessions[subject, roles]

    @property
    def admin(self) -> requests.Session:
        return self.session(self.admin_id, "admin")

    def participant(self, employee_id: str) -> requests.Session:
        return self.session(employee_id, "participant")

    def call(self, who: requests.Session, method: str, service: str, path: str, ok=(200, 201), **kw):
        response = who.request(method, self.url(service, path), timeout=30, **kw)
        assert response.status_code in ok, f"{method} {path}: {response.status_code} {response.text[:1500]}"
        return response.json() if response.content else None

    def employees(self, role: str) -> list[str]:
        return [e for e, person in self.people.items() if person["role"] == role]

    def employee_of(self, participant_id: str) -> str:
        return next(e for e, p in self.people.items() if p["participant_id"] == participant_id)

    def address(self, employee_id: str) -> str:
        return f"{employee_id.lower()}@example.com"

    def pairings(self, **params) -> list[dict]:
        query = {"program_id": self.program_id, "page_size": 100, **params}
        return self.call(self.admin, "GET", "matching", "/pairings", params=query)["items"]

    def deliveries(self, **params) -> list[dict]:
        items, cursor = [], None
        while True:
            query = {"program_id": self.program_id, "limit": 200, "cursor": cursor, **params}
            page = self.call(self.admin, "GET", "notifications", "/deliveries", params=query)
            items += page["items"]
            if not (cursor := page["next_cursor"]):
                return items

    def inbox(self, employee_id: str) -> list[dict]:
        return self.call(self.participant(employee_id), "GET", "notifications", "/me/notifications")["items"]

    def ended(self, pairing: dict) -> dict:
        """The pairing once matching has ended it (waited for)."""

        def now_ended() -> dict | None:
            (now,) = [p for p in self.pairings() if p["pairing_id"] == pairing["pairing_id"]]
            return now if now["state"] == "ended" else None

        return wait_for(now_ended, timeout_s=WAIT_S)

    def rematch_proposals(self, leader_id: str) -> list[dict]:
        """What the automatic rematch runs proposed to this leader so far."""
        runs = self.call(self.admin, "GET", "matching", f"/programs/{self.program_id}/match-runs")["items"]
        return [
            p
            for r in runs
            if r["kind"] == "rematch"
            for p in self.call(self.admin, "GET", "matching", f"/match-runs/{r['match_run_id']}")["proposals"]
            if p["leader_id"] == leader_id
        ]


def eventually(what: str, probe, done=bool, show=repr, timeout_s: float = WAIT_S):
    """``probe()`` until ``done`` holds of what it returns (polled with wait_for); the failure names
    ``what`` and the last value seen."""
    seen: list = []

    def attempt():
        seen[:] = [probe()]
        return seen[0] if done(seen[0]) else None

    try:
        return wait_for(attempt, timeout_s=timeout_s, interval_s=0.3)
    except AssertionError as failed:
        last = show(seen[0]) if seen else "nothing"
        raise AssertionError(f"{what}: {failed}; last seen: {last}"[:4000]) from None


# --- the story's steps -------------------------------------------------------------------------------


def create_program(s: Scenario) -> None:
    body = {
        "name": f"Scenario {s.tag}",
        "focus_areas": FOCUS,
        "starts_on": (date.today() + timedelta(days=7)).isoformat(),
        "ends_on": (date.today() + timedelta(days=180)).isoformat(),
        "admins": [s.admin_id],
        "rules": {"languages": ["en"], "min_timezone_overlap_hours": 2},
    }
    program = s.call(s.admin, "POST", "intake", "/programs", json=body)
    assert program["status"] == "draft"
    s.program_id = program["program_id"]
    moved = s.call(
        s.admin, "POST", "intake", f"/programs/{s.program_id}/status", json={"status": "enrolling"}
    )
    assert moved["status"] == "enrolling"


def open_the_fit_check_at_once(s: Scenario) -> None:
    """The admin asks feedback for the fit check on the day a pairing starts (feedback learns of the
    program from intake's events: until then it answers 404)."""

    def saved() -> dict | None:
        url = s.url("feedback", f"/programs/{s.program_id}/feedback-settings")
        response = s.admin.put(url, json={"fit_check_after_days": 0}, timeout=30)
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        return response.json()

    assert wait_for(saved, timeout_s=WAIT_S)["fit_check_after_days"] == 0


def subscribe_webhooks(s: Scenario, receiver: LocalReceiver) -> None:
    """The admin registers the receiver for the program's pairing, run and feedback events (notifications
    learns of the program from intake's events first: until then the program is unknown to it)."""
    body = {"url": receiver.url, "event_types": WEBHOOK_TYPES, "program_id": s.program_id}

    def created() -> dict | None:
        response = s.admin.post(s.url("notifications", "/webhook-endpoints"), json=body, timeout=30)
        if response.status_code in (403, 404):
            return None
        assert response.status_code == 201, response.text
        return response.json()

    endpoint = wait_for(created, timeout_s=WAIT_S)
    assert endpoint["secret"].startswith("whsec_")
    receiver.trust(endpoint["secret"])


def import_people(s: Scenario) -> None:
    """hr's CSV of the cohort (columns of docs/guide/csv-import.md), with the contact details mail needs."""
    header = (
        "employee_id,role,level,timezone,languages,topics_to_learn,topics_to_teach,growth_goals,strengths,"
        "availability,manager_id,display_name,email"
    )
    rows = [header]
    for n in range(1, LEADERS + 1):
        employee = f"L{n}{s.tag}"
        s.people[employee] = {"role": "leader"}
        rows.append(
            f"{employee},leader,10,Europe/London,en,ai-tools,,,strategy,{AVAILABILITY},B{s.tag},"
            f"Leader {n},{s.address(employee)}"
        )
    for n in range(1, JUNIORS + 1):
        employee = f"J{n}{s.tag}"
        s.people[employee] = {"role": "junior"}
        rows.append(
            f"{employee},junior,2,Europe/London,en,,ai-tools,strategy,,{AVAILABILITY},T{s.tag},"
            f"Junior {n},{s.address(employee)}"
        )
    csv = ("\n".join(rows) + "\n").encode()
    hr = s.session(f"H{s.tag}", "hr")
    report = s.call(hr, "POST", "intake", f"/programs/{s.program_id}/imports", files={"file": ("p.csv", csv)})
    assert report["total_rows"] == LEADERS + JUNIORS and report["rejected"] == [], report
    assert {row["employee_id"] for row in report["accepted"]} == set(s.people)
    for row in report["accepted"]:
        s.people[row["employee_id"]]["participant_id"] = row["participant_id"]
    again = s.call(hr, "POST", "intake", f"/programs/{s.program_id}/imports", files={"file": ("p.csv", csv)})
    assert again["unchanged"] == LEADERS + JUNIORS and again["accepted"] == again["updated"] == []


def run_matching(s: Scenario, dry_run: bool) -> dict:
    """A run once matching has projected the whole cohort (409/422 while intake's events still arrive)."""
    body = {"dry_run": dry_run, "expected_leaders": LEADERS, "expected_juniors": JUNIORS}
    path = f"/programs/{s.program_id}/match-runs"

    refused: list[str] = []

    def run() -> dict | None:
        response = s.admin.post(s.url("matching", path), json=body, timeout=60)
        if response.status_code in (409, 422) and response.json().get("code") in RETRIED:
            refused[:] = [response.text]
            return None
        assert response.status_code == 201, response.text
        return response.json()

    try:
        return wait_for(run, timeout_s=WAIT_S, interval_s=0.3)
    except AssertionError as failed:
        raise AssertionError(f"{failed}; matching's last answer: {refused}") from None


def review_and_publish(s: Scenario) -> dict[str, dict]:
    """Dry run, review (why not a pair), a real run, an override, publish: returns the pairings by leader
    employee id."""
    moved = s.call(s.admin, "POST", "intake", f"/programs/{s.program_id}/status", json={"status": "matching"})
    assert moved["status"] == "matching"
    dry = run_matching(s, dry_run=True)
    assert dry["dry_run"] and dry["matched_count"] == LEADERS and dry["unmatched"] == []
    assert len(dry["diff"]["added"]) == LEADERS and dry["diff"]["removed"] == []
    run = run_matching(s, dry_run=False)
    assert not run["dry_run"] and run["status"] == "completed" and run["matched_count"] == LEADERS
    proposed = {p["leader_id"]: p["junior_id"] for p in run["proposals"]}
    free = [
        j
        for j in (s.people[e]["participant_id"] for e in s.employees("junior"))
        if j not in proposed.values()
    ]
    leader_1 = s.people[s.employees("leader")[0]]["participant_id"]
    why = s.call(
        s.admin, "GET", "matching", f"/match-runs/{run['match_run_id']}/explain",
        params={"leader": leader_1, "junior": free[0]},
    )  # fmt: skip
    assert why["feasible"] is True, why
    override = {"action": "assign", "leader_id": leader_1, "junior_id": free[0], "reason": "asked for by hr"}
    reviewed = s.call(
        s.admin, "POST", "matching", f"/match-runs/{run['match_run_id']}/overrides", json=override
    )
    assert reviewed["matched_count"] == LEADERS
    assert [(o["action"], o["by"]) for o in reviewed["overrides"]] == [("assign", s.admin_id)]
    assert {p["leader_id"]: p["junior_id"] for p in reviewed["proposals"]}[leader_1] == free[0]
    published = s.call(s.admin, "POST", "matching", f"/match-runs/{run['match_run_id']}/publish")
    assert published["status"] == "published" and published["published_by"] == s.admin_id
    pairings = s.pairings()
    assert sorted(p["state"] for p in pairings) == ["published"] * LEADERS
    by_leader = {p["leader_employee_id"]: p for p in pairings}
    assert by_leader[s.employees("leader")[0]]["junior_id"] == free[0]
    return by_leader


def accept(s: Scenario, pairing: dict) -> None:
    path = f"/pairings/{pairing['pairing_id']}"
    first = s.call(s.participant(pairing["leader_employee_id"]), "POST", "matching", f"{path}/accept")
    assert first["state"] == "accepted"
    both = s.call(s.participant(pairing["junior_employee_id"]), "POST", "matching", f"{path}/accept")
    assert both["state"] == "active" and both["acceptance"] == {"leader": "accepted", "junior": "accepted"}


def decline_and_rematch(s: Scenario, pairing: dict) -> dict:
    """The junior declines: the leader waits, a rematch proposes another junior, the admin publishes it
    and both accept. Returns the new pairing."""
    junior = s.participant(pairing["junior_employee_id"])
    body = {"reason": "schedule_conflict", "text": "I move teams next month"}
    declined = s.call(junior, "POST", "matching", f"/pairings/{pairing['pairing_id']}/decline", json=body)
    assert declined["state"] == "declined" and declined["decline_reason"] == "schedule_conflict"

    def rematch() -> dict | None:
        runs = s.call(s.admin, "GET", "matching", f"/programs/{s.program_id}/match-runs")["items"]
        found = [r for r in runs if r["kind"] == "rematch"]
        return found[0] if found else None

    waiting = s.call(s.admin, "GET", "matching", f"/programs/{s.program_id}/waitlist")["items"]
    assert [(w["leader_id"], w["reason"]) for w in waiting] == [(pairing["leader_id"], "declined")]
    rematch_run = wait_for(rematch, timeout_s=WAIT_S)
    run = s.call(s.admin, "GET", "matching", f"/match-runs/{rematch_run['match_run_id']}")
    ((leader, junior),) = [(p["leader_id"], p["junior_id"]) for p in run["proposals"]]
    assert leader == pairing["leader_id"] and junior != pairing["junior_id"]  # the declined pair never again
    s.call(s.admin, "POST", "matching", f"/match-runs/{run['match_run_id']}/publish")
    (new,) = [p for p in s.pairings(state="published") if p["leader_id"] == leader]
    accept(s, new)
    return new


def mails_and_webhooks_arrive_once(s: Scenario, mailbox, receiver: LocalReceiver, kafka, expected) -> None:
    """Each e-mail the delivery log says was sent is in the sink once (by Message-ID); no other mail
    reached the cohort; each event the outside subscriber saw reached the webhook once, signed."""
    participants = {p["participant_id"] for p in s.people.values()}

    def mails() -> list[dict]:
        return [d for d in s.deliveries(channel="email") if d["participant_id"] in participants]

    def counted(found: list[dict]) -> Counter:
        return Counter((d["template"], d["status"]) for d in found)

    wanted = Counter({(template, "sent"): n for template, n in expected.items()})
    mails = eventually(
        "e-mails sent",
        mails,
        lambda found: counted(found) == wanted,
        show=lambda found: (counted(found), [d for d in found if d["status"] != "sent"]),
    )
    addresses = {s.address(e) for e in s.people}
    ours = [entry for entry in mailbox.index() if set(entry["to"]) & addresses]
    sink_ids = Counter(entry["message_id"] for entry in ours)
    assert not any(entry["repeat"] for entry in ours)
    assert sorted(sink_ids) == sorted(email_message_id(m["message_id"]) for m in mails)
    assert set(sink_ids.values()) == {1}
    assert all(
        entry["to"] == [s.address(s.employee_of(m["participant_id"]))]
        for m in mails
        for entry in ours
        if entry["message_id"] == email_message_id(m["message_id"])
    )
    webhooks_match_kafka(s, receiver, kafka)


def webhooks_match_kafka(s: Scenario, receiver: LocalReceiver, kafka: OutsideSubscriber) -> None:
    """Every event of the subscribed types the outside subscriber saw reached the webhook, signed, once."""

    def ids() -> tuple[set[str], set[str]]:
        on_kafka = {r.event["id"] for r in kafka.events(s.program_id) if r.type in WEBHOOK_TYPES}
        return on_kafka, {e["event_id"] for e in receiver.entries() if e.get("processed")}

    def difference(both: tuple[set[str], set[str]]) -> str:
        types = {r.event["id"]: (r.type, r.event.get("time")) for r in kafka.events(s.program_id)}
        missing, extra = both[0] - both[1], both[1] - both[0]
        return f"not received: {[types.get(i) for i in missing]}; not on Kafka: {sorted(extra)}"

    eventually(
        "webhooks of the events on Kafka", ids, lambda both: both[0] and both[0] == both[1], show=difference
    )
    entries = receiver.entries()
    assert entries and all(e["verified"] for e in entries), [e for e in entries if not e.get("verified")]
    arrived = Counter(e["webhook_id"] for e in entries)
    assert set(arrived.values()) == {1}, [w for w, n in arrived.items() if n > 1]


def goals_check_ins_and_an_insight(s: Scenario, first: dict, second: dict, mailbox) -> None:
    """Both sides of two live pairings set goals and log check-ins; the first pairing's junior raises an
    insight that its leader acknowledges and acts upon; the junior is told in their inbox and by e-mail."""
    today = date.today().isoformat()
    for n, pairing in enumerate((first, second)):
        base = f"/pairings/{pairing['pairing_id']}"
        leader, junior = (
            s.participant(pairing["leader_employee_id"]),
            s.participant(pairing["junior_employee_id"]),
        )

        def known(junior=junior, base=base) -> bool:
            return junior.get(s.url("feedback", f"{base}/goals"), timeout=10).status_code == 200

        wait_for(known, timeout_s=WAIT_S)
        body = {"area": FOCUS[n], "title": f"Use {FOCUS[n]} in my team", "success_criteria": "one pilot"}
        goal = s.call(leader, "POST", "feedback", f"{base}/goals", json=body)
        s.call(
            junior, "POST", "feedback", f"{base}/goals", json={"area": "strategy", "title": "Join a review"}
        )
        check_in = {"held_on": today, "duration_minutes": 45, "topics": [FOCUS[n]], "private_notes": "mine"}
        s.call(junior, "POST", "feedback", f"{base}/check-ins", json=check_in)
        goals = s.call(junior, "GET", "feedback", f"{base}/goals")
        assert sorted(g["side"] for g in goals) == ["junior", "leader"], goals
        if n == 0:
            s.call(leader, "POST", "feedback", f"{base}/check-ins", json={**check_in, "private_notes": "own"})
            progress = {"status": "achieved", "note": "pilot shipped"}
            s.call(leader, "POST", "feedback", f"{base}/goals/{goal['goal_id']}/progress", json=progress)
            # both sessions are shared; a private note only ever reaches its author
            for who, own in ((leader, "own"), (junior, "mine")):
                notes = [c["private_notes"] for c in s.call(who, "GET", "feedback", f"{base}/check-ins")]
                assert sorted(notes, key=str) == sorted([own, None], key=str), notes
    base = f"/pairings/{first['pairing_id']}"
    leader, junior = s.participant(first["leader_employee_id"]), s.participant(first["junior_employee_id"])
    raised = {"area": "gen-z-consumer-trends", "description": "Our app onboarding loses Gen-Z users"}
    insight = s.call(junior, "POST", "feedback", f"{base}/insights", json=raised)
    s.call(leader, "POST", "feedback", f"{base}/insights/{insight['insight_id']}/acknowledgement")
    acted = {"what_changed": "Two juniors now own the onboarding copy"}
    done = s.call(
        leader, "POST", "feedback", f"{base}/insights/{insight['insight_id']}/acted-upon", json=acted
    )
    assert done["status"] == "acted_upon"

    def told() -> list[dict]:
        return [i for i in s.inbox(first["junior_employee_id"]) if i["template"] == "insight_acted_upon"]

    (item,) = wait_for(told, timeout_s=WAIT_S)
    assert item["program_id"] == s.program_id and not item["read"]
    assert not [i for i in s.inbox(first["leader_employee_id"]) if i["template"] == "insight_acted_upon"]

    def mailed() -> list[dict]:
        found = s.deliveries(channel="email", status="sent")
        return [d for d in found if d["template"] == "insight_acted_upon"]

    (mail,) = wait_for(mailed, timeout_s=WAIT_S)
    assert mail["participant_id"] == first["junior_id"]
    in_sink = [e["to"] for e in mailbox.index() if e["message_id"] == email_message_id(mail["message_id"])]
    assert in_sink == [[s.address(first["junior_employee_id"])]]


def pulse_releases_its_figures(s: Scenario, respondents: int) -> dict:
    """k = 3 for the program; ``respondents`` juniors answer anonymously; the admin closes the pulse."""
    settings = s.call(
        s.admin, "PUT", "feedback", f"/programs/{s.program_id}/feedback-settings", json={"pulse_k": 3}
    )
    assert settings["pulse_k"] == 3
    closes_at = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    pulse = s.call(
        s.admin, "POST", "feedback", f"/programs/{s.program_id}/pulses", json={"closes_at": closes_at}
    )
    assert pulse["k"] == 3 and pulse["status"] == "open"
    for n, employee in enumerate(s.employees("junior")[:respondents]):
        answers = {q["question_id"]: 2 + (n + i) % 4 for i, q in enumerate(pulse["questions"])}
        url = s.url("feedback", f"/pulses/{pulse['pulse_id']}/responses")
        session = s.participant(employee)

        def answered(session=session, url=url, answers=answers) -> bool:
            response = session.post(url, json={"answers": answers}, timeout=10)
            if response.status_code == 404:
                return False  # feedback has not projected this participant yet
            assert response.status_code in (200, 201), response.text
            return True

        wait_for(answered, timeout_s=WAIT_S)
    early = s.call(s.admin, "GET", "feedback", f"/pulses/{pulse['pulse_id']}/results")
    assert early["released"] is False  # nothing before the pulse closes
    closed = s.call(s.admin, "POST", "feedback", f"/pulses/{pulse['pulse_id']}/close")
    assert closed["released"] is True and closed["responses"] == respondents
    results = s.call(s.admin, "GET", "feedback", f"/pulses/{pulse['pulse_id']}/results")
    assert results["released"] is True and results["responses"] == respondents
    return results


def healthy_while_the_cadence_holds(s: Scenario, *pairings: dict) -> None:
    """Feedback's health of the live pairings with goals and a check-in today: not at risk, the cadence
    kept in full (the crossing to at risk needs weeks without a session: see the module's docstring)."""
    for pairing in pairings:

        def assessed(pairing=pairing) -> dict:
            return s.call(s.admin, "GET", "feedback", f"/pairings/{pairing['pairing_id']}/health")

        view = eventually("health assessed", assessed, lambda v: (v.get("health") or {}).get("computed_at"))
        health = view["health"]
        assert view["state"] == "active" and view["at_risk"] is False and health["reason"] is None, view
        assert health["components"]["cadence"] == 100.0 and health["score"] >= 50, view


def a_poor_fit_puts_the_pairing_at_risk_and_a_rematch_is_proposed(s: Scenario, pairing: dict) -> None:
    """Both sides answer the fit check that the pairing does not work (one side's answer alone never
    flags it): feedback turns it at risk although its check-ins are on time, matching ends it (end_kind
    rematch, feedback's reason code), waitlists its leader and a rematch proposes them another junior."""
    base = f"/pairings/{pairing['pairing_id']}"
    poor = {"rapport": 1, "value": 2, "goals_clear": 2}
    for n, side in enumerate(("junior", "leader")):
        who = s.participant(pairing[f"{side}_employee_id"])

        def open_now(who=who) -> bool:
            surveys = s.call(who, "GET", "feedback", f"{base}/surveys")
            return any(survey["kind"] == "fit_check" for survey in surveys)

        wait_for(open_now, timeout_s=WAIT_S)
        answered = s.call(who, "PUT", "feedback", f"{base}/surveys/fit_check", json={"answers": poor})
        assert answered["answers"] == poor
        if n == 0:
            health = s.call(s.admin, "GET", "feedback", f"{base}/health")
            assert health["at_risk"] is False, health  # the junior's answer alone flags nothing

    gone = s.ended(pairing)
    assert (gone["end_kind"], gone["reason"]) == ("rematch", "poor_fit"), gone
    waiting = s.call(s.admin, "GET", "matching", f"/programs/{s.program_id}/waitlist")["items"]
    assert (pairing["leader_id"], "at_risk") in [(w["leader_id"], w["reason"]) for w in waiting]

    def another_junior() -> list[dict]:
        proposed = s.rematch_proposals(pairing["leader_id"])
        return [p for p in proposed if p["junior_id"] != pairing["junior_id"]]

    assert wait_for(another_junior, timeout_s=WAIT_S)


def erase_and_tell_the_other_side(s: Scenario, pairing: dict, kafka: OutsideSubscriber, mailbox) -> None:
    """The junior of a live pairing is erased: the pairing ends, its leader is told (inbox and e-mail) and
    waits for a new junior, whom a rematch proposes; what leaves intake about the junior is ids only."""
    junior_pid = pairing["junior_id"]
    s.call(s.admin, "DELETE", "intake", f"/participants/{junior_pid}", ok=(200, 204))

    assert s.ended(pairing)["end_kind"] == "erased"
    leader = pairing["leader_employee_id"]
    wait_for(lambda: [i for i in s.inbox(leader) if i["template"] == "pairing_ended"], timeout_s=WAIT_S)

    def mailed() -> list[dict]:
        return [
            d
            for d in s.deliveries(channel="email", status="sent")
            if d["template"] == "pairing_ended" and d["participant_id"] == pairing["leader_id"]
        ]

    (mail,) = wait_for(mailed, timeout_s=WAIT_S)
    in_sink = [e["to"] for e in mailbox.index() if e["message_id"] == email_message_id(mail["message_id"])]
    assert in_sink == [[s.address(leader)]]
    sides = (pairing["leader_id"], junior_pid)
    ended_mails = [
        d
        for d in s.deliveries(channel="email")
        if d["template"] == "pairing_ended" and d["participant_id"] in sides
    ]
    assert [d["participant_id"] for d in ended_mails] == [pairing["leader_id"]]  # never the erased one
    erased = wait_for(lambda: kafka.of_type(s.program_id, "participant.erased"), timeout_s=WAIT_S)
    assert [r.data for r in erased] == [{"participant_id": junior_pid, "program_id": s.program_id}]

    (proposal,) = wait_for(lambda: s.rematch_proposals(pairing["leader_id"]), timeout_s=WAIT_S)
    assert proposal["junior_id"] != junior_pid


# --- the story ---------------------------------------------------------------------------------------


def test_a_program_from_creation_to_its_outcome_report(system, mailbox, tmp_path):
    s = Scenario(system)
    settings = system.settings["intake"]
    topics = [f"{settings.topic_prefix}mentoring.{name}.v1" for name in TOPICS]
    with (
        outside_subscriber(settings.kafka_bootstrap_servers, topics, f"outside-{s.tag}") as kafka,
        webhook_receiver(tmp_path) as receiver,
    ):
        create_program(s)
        open_the_fit_check_at_once(s)
        subscribe_webhooks(s, receiver)
        import_people(s)
        by_leader = review_and_publish(s)
        first, second, third = (by_leader[e] for e in s.employees("leader"))
        accept(s, first)
        accept(s, second)
        fourth = decline_and_rematch(s, third)

        # what the outside subscriber saw of the pairings: each change once per pairing, ids only
        wait_for(lambda: len(kafka.of_type(s.program_id, "pairing.activated")) == 3, timeout_s=WAIT_S)
        published = wait_for(lambda: kafka.of_type(s.program_id, "pairing.published"), timeout_s=WAIT_S)
        assert sorted(r.key for r in published) == sorted(
            p["pairing_id"] for p in (first, second, third, fourth)
        )
        assert all(set(r.data) >= {"leader_id", "junior_id"} and "email" not in r.data for r in published)
        (declined,) = kafka.of_type(s.program_id, "pairing.declined")
        assert declined.data["decline_reason"] == "schedule_conflict" and "move teams" not in str(
            declined.event
        )

        expected = {
            "enrolment_confirmed": LEADERS + JUNIORS,
            "pairing_published": 2 * 4,
            "pairing_accepted": 3,  # the leader's yes told the junior; the junior's made it active
            "pairing_declined": 2,
            "pairing_activated": 2 * 3,
            "survey_due": 2 * 3,  # each side of the three live pairings: their fit check opened at once
        }
        mails_and_webhooks_arrive_once(s, mailbox, receiver, kafka, expected)

        goals_check_ins_and_an_insight(s, first, fourth, mailbox)
        pulse = pulse_releases_its_figures(s, respondents=4)
        healthy_while_the_cadence_holds(s, first, fourth)
        a_poor_fit_puts_the_pairing_at_risk_and_a_rematch_is_proposed(s, fourth)
        erase_and_tell_the_other_side(s, second, kafka, mailbox)

        def reported() -> dict | None:
            report = s.call(s.admin, "GET", "feedback", f"/programs/{s.program_id}/outcomes")
            counted = (report["pairs"]["ended"], report["check_ins"]["total"], len(report["pulse"]))
            return report if counted == (2, 3, 1) and report["insights"]["acted_upon"] == 1 else None

        report = wait_for(reported, timeout_s=WAIT_S)
        # the at-risk pairing ended early (a rematch), the erased one ended, the first lives on
        assert report["pairs"] == {"formed": 3, "active": 1, "ended": 2, "ended_early": 1}
        assert report["goals"] == {"set": 4, "achieved": 1, "attainment_rate": 0.25}
        assert report["check_ins"] == {"total": 3, "per_pairing": 1.0}
        assert {k: report["insights"][k] for k in ("raised", "acknowledged", "acted_upon")} == {
            "raised": 1, "acknowledged": 1, "acted_upon": 1,
        }  # fmt: skip
        assert report["at_risk"] == 0 and report["early_closure_rate"] == round(1 / 3, 4)
        (released,) = report["pulse"]
        assert released["pulse_id"] == pulse["pulse_id"] and released["responses"] == 4
        csv = s.admin.get(s.url("feedback", f"/programs/{s.program_id}/outcomes.csv"), timeout=30).text
        assert "pairs.formed,3" in csv and f"pulse.{pulse['pulse_id']}.responses,4" in csv

        # the feedback and the later pairing events reached the subscriber and the webhook once each too
        verbs = ("goal_set", "goal_completed", "checkin_logged", "insight_acted_upon", "pulse_closed")
        feedback = {
            "goal_set": 4,
            "goal_completed": 1,
            "checkin_logged": 3,
            "insight_acted_upon": 1,
            "pulse_closed": 1,
        }

        def seen() -> dict[str, int]:
            return {verb: len(kafka.of_type(s.program_id, f"feedback.{verb}")) for verb in verbs}

        eventually("feedback's events on Kafka", seen, lambda counts: counts == feedback)
        (closed,) = kafka.of_type(s.program_id, "feedback.pulse_closed")
        assert closed.data["released"] is True and closed.data["responses"] == 4
        ends = {r.key: r for r in kafka.of_type(s.program_id, "pairing.ended")}
        assert sorted(ends) == sorted([second["pairing_id"], fourth["pairing_id"]])
        assert ends[second["pairing_id"]].data["end_kind"] == "erased"
        assert ends[fourth["pairing_id"]].data["end_kind"] == "rematch"
        # the webhook subscriber hears of the erasure too: the pairing it ended, ids only
        webhooks_match_kafka(s, receiver, kafka)
        erasure_notice = ends[second["pairing_id"]].event["id"]
        assert erasure_notice in {e["event_id"] for e in receiver.entries() if e.get("processed")}
        # every record about this program decoded (the topics are shared: the poison test's JSON is not ours)
        assert [raw for raw in kafka.undecodable if raw and s.program_id.encode() in raw] == []
