"""Schemathesis against every service's OpenAPI, as each role (admin, participant, hr, service).

Each operation is called with generated requests that fit its document (positive) and that break it
(negative), on real ids of a small program that went the whole way (enrolled, matched, published, accepted,
goals, check-ins, an insight, a closed pulse) and on generated ids. Every response must be no 5xx, carry a
documented status code and content type, and match the documented schema. The number of examples per
operation is bounded so the whole run stays within its budget in ``make test``; ``FUZZ_EXAMPLES`` scales it
and ``FUZZ_SEED`` replays a run (the seed is named in every failure). A schema's ``default`` response
would let any status pass, so a deterministic probe of every operation also checks that each generic error
(401, 403, 400, 413, 422, 404) is documented exactly where the operation gives it, and a table of requests
the story makes conflicting shows documented 409s given. The probes run first, on the intact story.
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass, field

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, find, given, seed, settings
from hypothesis.errors import NoSuchExample
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from deploy.local.demo import ADMIN
from shared.auth import dev_token
from shared.config import SERVICES
from tests.support.program_story import Story, program_story

ROLES = ("admin", "participant", "hr", "service")
# A service's writes can end the story for the services downstream of it (intake erasing the participant,
# matching ending the pairing), so those are fuzzed last; within a service, operations that end things last.
DOWNSTREAM_FIRST = ("feedback", "notifications", "matching", "intake")
ENDINGS = {"erase", "purge", "end", "decline", "withdraw", "close", "status", "publish"}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SCALE = float(os.environ.get("FUZZ_EXAMPLES", "1"))
SEED = int(os.environ.get("FUZZ_SEED") or random.randrange(2**32))
# Examples per operation and role: where the role may call it, positive and negative requests on the
# program's ids and positive ones on generated ids; where it may not, a few that must all be refused.
ON_WORLD = {"positive": 6, "negative": 5}
ON_GENERATED = 2
REFUSED = 2
# Every URL a request names (chat and subscriber webhooks) points at a closed local port: what the system
# calls out to stays on this machine (loopback subscriber URLs are refused with a 422, as documented).
LOCAL_URL = "http://127.0.0.1:9/fuzz"


@dataclass
class Run:
    """The program's ids and what the fuzzing found so far (the first failure of each kind)."""

    story: Story
    cases: int = 0
    failures: dict[tuple[str, str], str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def world(running_system) -> Run:
    return Run(program_story(running_system.revive()))


def _token(system, service: str, role: str, world: Run) -> str:
    """``leader``: a participant token of the active pairing's leader (participant: its junior)."""
    subject = {"participant": world.story.participant, "leader": world.story.leader}.get(role, ADMIN)
    return dev_token(system.settings[service], subject, ["participant" if role == "leader" else role])


def _local_urls(value):
    """``value`` with every ``url`` field replaced by LOCAL_URL, wherever it is nested."""
    if isinstance(value, dict):
        return {k: LOCAL_URL if k == "url" else _local_urls(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_local_urls(v) for v in value]
    return value


def _keep_local(case):
    if isinstance(case.body, dict | list):
        case.body = _local_urls(case.body)
    return case


def _fuzz(
    operation, strategy, examples: int, session, headers: dict, world: Run, where: str, refused: bool = False
) -> None:
    """Run ``examples`` generated requests; record the first failure of each kind instead of stopping.
    ``refused``: the caller's role may not call the operation, so every answer must be a 403."""

    @seed(SEED)
    @settings(
        max_examples=max(1, round(examples * SCALE)),
        phases=[Phase.explicit, Phase.generate],
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy.map(_keep_local))
    def run(case) -> None:
        world.cases += 1
        try:
            response = case.call_and_validate(session=session, headers=headers, checks=CHECKS, timeout=30)
        except (Exception, BaseExceptionGroup) as failure:
            lines = str(failure).strip().splitlines()
            kind = (operation.label, next((line for line in lines if line.startswith("- ")), "?"))
            world.failures.setdefault(kind, f"{where}: {str(failure)[:2500]}")
            return
        if refused and response.status_code != 403:
            answer = f"{response.status_code} {response.text[:500]}"
            world.failures.setdefault(
                (operation.label, "not refused"), f"{where}: {case.as_curl_command()} -> {answer}"
            )

    run()


# -- every documented status code is produced --------------------------------------------------------
NO_SUCH_ID = "no-such-id"
PATH_VALUES = {"kind": "fit_check", "name": "pairing_published"}  # path parameters that are not ids
BODY_LIMITS = (1024 * 1024, 20 * 1024 * 1024)  # every route; bulk routes (intake's import, org chart)


def _plain(system, service: str, role: str | None, world: Run) -> requests.Session:
    session = requests.Session()
    if role is not None:
        session.headers["Authorization"] = f"Bearer {_token(system, service, role, world)}"
    return session


def _url(base: str, path: str, operation, ids: dict[str, str]) -> str:
    for parameter in operation.path_parameters:
        enum = parameter.definition.get("schema", {}).get("enum")
        value = ids.get(parameter.name) or (enum[0] if enum else NO_SUCH_ID)
        path = path.replace("{" + parameter.name + "}", value)
    return base + path


def _generic_probes(system, service: str, operation, world: Run) -> dict[str, int]:
    """What each generic mistake gets from the operation: code -> the status that came back."""
    raw = operation.definition.raw
    roles, public = raw.get("x-roles") or [], raw.get("security") == []
    role = roles[0] if roles else "admin"
    method, base = operation.method.upper(), system.api_url(service)
    url = _url(base, operation.path, operation, world.story.ids)
    allowed = _plain(system, service, role, world)
    got: dict[str, int] = {}
    got["401"] = (
        _plain(system, service, None, world)
        .request(method, url, params={"token": "not-a-token"} if public else None, timeout=30)
        .status_code
    )
    if not public:
        got["403"] = _plain(system, service, "nobody", world).request(method, url, timeout=30).status_code
    if "requestBody" in raw:
        content = raw["requestBody"]["content"]
        broken = (
            {"Content-Type": "application/json"}
            if "application/json" in content
            else {"Content-Type": "multipart/form-data; boundary=b"}
        )
        got["400"] = allowed.request(method, url, data=b'{"--b', headers=broken, timeout=30).status_code
        for limit in BODY_LIMITS:
            body = b"[" + b" " * limit + b"]"
            # its own connection: the server answers before reading such a body, then closes it
            headers = {**allowed.headers, **broken}
            got["413"] = requests.request(method, url, data=body, headers=headers, timeout=60).status_code
            if got["413"] == 413:
                break
        got["422"] = allowed.request(method, url, json={"no_such_field": 1}, timeout=30).status_code
    elif bad := _bad_query(raw):
        got["422"] = allowed.request(method, url, params=bad, timeout=30).status_code
    return got


def _bad_query(raw: dict) -> dict[str, str] | None:
    """A value the first typed query parameter cannot take (a number, a choice), if there is one."""
    for parameter in raw.get("parameters", []):
        schema = parameter.get("schema", {})
        if parameter.get("in") == "query" and (schema.get("type") == "integer" or "enum" in schema):
            return {parameter["name"]: "no-such-value"}
    return None


def _not_found(system, service: str, operation, world: Run) -> int | None:
    """A status of a positive request on ids nobody has: the first 404 among up to 10, else the last."""
    roles = operation.definition.raw.get("x-roles") or ["admin"]
    session = _plain(system, service, roles[0], world)
    raw = operation.definition.raw
    required_query = any(p.get("in") == "query" and p.get("required") for p in raw.get("parameters", []))
    if "requestBody" not in raw and not required_query:
        url = _url(system.api_url(service), operation.path, operation, {})
        return session.request(operation.method.upper(), url, timeout=30).status_code
    answers: list[int] = []
    ids = {
        p.name: NO_SUCH_ID if p.name.endswith("_id") else PATH_VALUES[p.name]
        for p in operation.path_parameters
    }

    def answered_404(case) -> bool:
        answers.append(case.call(session=session, timeout=30).status_code)
        return answers[-1] == 404

    strategy = operation.as_strategy(path_parameters=ids).map(_keep_local)
    try:
        quick = settings(max_examples=10, derandomize=True, database=None, phases=[Phase.generate])
        find(strategy, answered_404, settings=quick)
    except NoSuchExample:
        return answers[-1] if answers else None
    return 404


def test_every_documented_error_status_is_produced(system, world):
    """401, 403, 400, 413, 422 by a generic probe, 404 by positive requests on unknown ids: documented
    exactly where the operation gives it."""
    wrong = []
    for service in SERVICES:
        schema = schemathesis.openapi.from_url(f"{system.api_url(service)}/openapi.json")
        for result in schema.get_all_operations():
            operation = result.ok()
            documented = {code for code in operation.definition.raw["responses"] if code != "default"}
            got = _generic_probes(system, service, operation, world)
            if any(p.name.endswith("_id") for p in operation.path_parameters):
                got["404"] = _not_found(system, service, operation, world)
            for code, status in got.items():
                if (str(status) == code) != (code in documented):
                    wrong.append(
                        f"{service} {operation.label}: {code} documented: {code in documented}, got {status}"
                    )
    assert not wrong, "\n".join(wrong)


CONFLICTS = [  # (service, method, path, role, body): a 409 each, on the story's ids
    ("intake", "POST", "/v1/programs/{program_id}/purge", "admin", None),  # running, not closed
    ("intake", "POST", "/v1/participants/{participant_id}/reenrol", "admin", None),  # enrolled already
    ("matching", "POST", "/v1/match-runs/{run_id}/publish", "admin", None),  # published already
    ("matching", "POST", "/v1/programs/{program_id}/match-runs", "admin", {}),  # the program runs
    ("matching", "POST", "/v1/pairings/{pairing_id}/accept", "participant", None),  # active already
    ("matching", "POST", "/v1/pairings/{pairing_id}/decline", "participant", {"reason": "other"}),
    ("feedback", "POST", "/v1/pulses/{pulse_id}/close", "admin", None),  # closed already
    ("feedback", "POST", "/v1/pulses/{pulse_id}/responses", "participant", "answers"),  # closed
    (
        "feedback", "POST", "/v1/pairings/{pairing_id}/insights/{insight_id}/acted-upon", "leader",
        {"what_changed": "again"},
    ),  # acted upon already
]  # fmt: skip


CLOSED_CONFLICTS = [  # a closed program and its participant change no more; withdrawn and erased stay so
    ("intake", "PATCH", "/v1/programs/{program_id}", "admin", {"name": "Renamed"}),
    ("intake", "POST", "/v1/participants", "admin", "person"),
    ("intake", "PATCH", "/v1/participants/{participant_id}", "admin", {"level": 9}),
    ("intake", "POST", "/v1/participants/{participant_id}/withdraw", "admin", {}),  # after a withdrawal
    ("intake", "PUT", "/v1/participants/{participant_id}/consent", "admin", {"matching": True}),  # erased
]
# done to the closed program's participant just before these probes, so each probe is the conflict
BEFORE = {
    "/v1/participants/{participant_id}/withdraw": "/v1/participants/{participant_id}/withdraw",
    "/v1/participants/{participant_id}/consent": "/v1/participants/{participant_id}/erase",
}
PERSON = {
    "employee_id": "E000100",
    "role": "leader",
    "level": 10,
    "timezone": "Europe/London",
    "languages": ["en"],
    "topics_to_learn": ["ai-tools"],
    "consent": {"matching": True, "data_processing": True},
}


def _closed_program(system, world: Run) -> dict[str, str]:
    """A program of one participant, moved through every status to closed, straight through intake."""
    admin, base = _plain(system, "intake", "admin", world), system.api_url("intake")
    body = {"name": "Closed", "focus_areas": ["ai-tools"], "starts_on": "2027-01-04", "ends_on": "2027-03-01"}
    program_id = admin.post(f"{base}/v1/programs", json=body, timeout=10).json()["program_id"]
    admin.post(f"{base}/v1/programs/{program_id}/status", json={"status": "enrolling"}, timeout=10)
    enrolled = admin.post(f"{base}/v1/participants", json={**PERSON, "program_id": program_id}, timeout=10)
    assert enrolled.status_code == 201, enrolled.text
    for status in ("matching", "running", "closed"):
        moved = admin.post(f"{base}/v1/programs/{program_id}/status", json={"status": status}, timeout=10)
        assert moved.status_code == 200, moved.text
    return {"program_id": program_id, "participant_id": enrolled.json()["participant_id"]}


def test_documented_conflicts_are_produced(system, world):
    """409s the program story makes deterministic: what it finished cannot be done again."""
    wrong = []
    closed = _closed_program(system, world)
    probes = [(*probe, world.story.ids) for probe in CONFLICTS] + [(*p, closed) for p in CLOSED_CONFLICTS]
    named = {  # bodies that depend on the run
        "answers": {"answers": world.story.pulse_answers},
        "person": {**PERSON, "employee_id": "E000101", "program_id": closed["program_id"]},
    }
    for service, method, path, role, body, ids in probes:
        if ids is closed and path in BEFORE:
            before = system.api_url(service) + BEFORE[path].format(**ids)
            assert _plain(system, service, role, world).post(before, json={}, timeout=10).status_code == 200
        spec = requests.get(f"{system.api_url(service)}/openapi.json", timeout=10).json()
        if "409" not in spec["paths"][path][method.lower()]["responses"]:
            wrong.append(f"{service} {method} {path}: 409 not documented")
        session = _plain(system, service, role, world)
        url = system.api_url(service) + path.format(**ids)
        sent = named.get(body) if isinstance(body, str) else body
        response = session.request(method, url, json=sent, timeout=30)
        if response.status_code != 409:
            wrong.append(f"{service} {method} {path} as {role}: {response.status_code} {response.text[:300]}")
    assert not wrong, "\n".join(wrong)


# -- fuzzing, last: its writes may end the story the probes above rely on ----------------------------
def _destructive_last(operation) -> tuple[int, str]:
    """Reads first, then writes, then what ends the program's story (so later operations still find it)."""
    ending = operation.method == "delete" or operation.path.rsplit("/", 1)[-1] in ENDINGS
    return (2 if ending else 0 if operation.method == "get" else 1, operation.label)


@pytest.mark.parametrize("service", DOWNSTREAM_FIRST)
def test_every_operation_as_every_role_answers_as_documented(system, world, service):
    schema = schemathesis.openapi.from_url(f"{system.api_url(service)}/openapi.json")
    started, before = time.monotonic(), world.cases
    found = len(world.failures)
    for role in ROLES:
        session = requests.Session()
        headers = {"Authorization": f"Bearer {_token(system, service, role, world)}"}
        for operation in sorted((r.ok() for r in schema.get_all_operations()), key=_destructive_last):
            roles = operation.definition.raw.get("x-roles")
            allowed = not roles or role in roles  # none: public; empty: any valid token
            known = {
                p.name: world.story.ids[p.name]
                for p in operation.path_parameters
                if p.name in world.story.ids
            }
            where = f"{service} as {role} (FUZZ_SEED={SEED})"
            if not allowed:
                strategy = operation.as_strategy(path_parameters=known)
                _fuzz(operation, strategy, REFUSED, session, headers, world, where, refused=True)
                continue
            for mode, examples in ON_WORLD.items():
                strategy = operation.as_strategy(
                    generation_mode=schemathesis.GenerationMode(mode), path_parameters=known
                )
                _fuzz(operation, strategy, examples, session, headers, world, where)
            if known:
                _fuzz(operation, operation.as_strategy(), ON_GENERATED, session, headers, world, where)
    print(f"{service}: {world.cases - before} cases in {time.monotonic() - started:.1f} s")
    new = list(world.failures.items())[found:]
    assert not new, "\n\n".join(f"{op} {kind}\n{text}" for (op, kind), text in new)
