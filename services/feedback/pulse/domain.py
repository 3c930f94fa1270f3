"""Pure rules of the anonymous safety pulse: its questions and window, what a valid answer is, the k rule on
aggregates and breakdowns, and where an "I want to talk to someone" goes. No I/O here."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.errors import Conflict, InvalidInput, Unprocessable

SCALE = (1, 5)  # Likert: 1 strongly disagree … 5 strongly agree
FAVOURABLE = 4  # answers of 4 and 5 count as favourable, as engagement surveys report them
MIN_K = 3
DEFAULT_K = 5
DEFAULT_RESPONDENT_ROLES = ("junior",)
BREAKDOWNS = ("department",)
OTHER_GROUP = "other"
DEFAULT_QUESTIONS = (
    {"question_id": "speak_candidly", "text": "I can speak candidly with my leader without repercussion."},
    {"question_id": "input_taken_seriously", "text": "My input is taken seriously."},
    {"question_id": "safe_to_disagree", "text": "I feel safe to disagree with my leader."},
    {"question_id": "ideas_acted_upon", "text": "I see my ideas acted upon."},
)
_random = secrets.SystemRandom()


def random_id() -> str:
    """Ids of pulse data: 128 random bits, nothing derived from the time (unlike an ObjectId) or a person."""
    return secrets.token_hex(16)


def shuffled(items: Sequence[Any]) -> list[Any]:
    """A uniformly random order (from the OS's random source): where a ballot sits says nothing of when."""
    result = list(items)
    _random.shuffle(result)
    return result


def effective_k(snapshot: int, current: int | None) -> int:
    """k of a pulse: the program's k when the pulse was created, raised (never lowered) by a later change,
    so lowering k after seeing "not enough responses" releases nothing."""
    k = max(snapshot, current or 0)
    if k < MIN_K:
        raise Unprocessable(f"k must be at least {MIN_K}", field="pulse_k")
    return k


def check_window(opens_at: datetime, closes_at: datetime, now: datetime) -> None:
    problems: dict[str, list[str]] = {}
    if closes_at <= opens_at:
        problems["closes_at"] = ["must be after opens_at"]
    elif closes_at <= now:
        problems["closes_at"] = ["must be in the future"]
    if problems:
        raise InvalidInput(problems)


def check_questions(questions: Sequence[Mapping[str, str]]) -> None:
    seen: Counter[str] = Counter(q["question_id"] for q in questions)
    repeated = sorted(qid for qid, n in seen.items() if n > 1)
    if repeated:
        raise InvalidInput({"questions": [f"question ids must be unique: {', '.join(repeated)}"]})


def check_open(pulse: Mapping[str, Any], now: datetime) -> None:
    """An answer is refused outside the window: 409 (well-formed, but the pulse's state refuses it), naming
    the window field that refused it."""
    if now < pulse["opens_at"]:
        raise Conflict("the pulse is not open yet", field="opens_at", code="pulse_not_open")
    if pulse["status"] != "open" or now >= pulse["closes_at"]:
        raise Conflict("the pulse has closed", field="closes_at", code="pulse_closed")


def valid_answers(questions: Sequence[Mapping[str, str]], answers: Mapping[str, Any]) -> dict[str, int]:
    """Every question answered once with a whole score on the scale; all problems named at once (422)."""
    known = [q["question_id"] for q in questions]
    problems: dict[str, list[str]] = {}
    for question_id, score in answers.items():
        if question_id not in known:
            problems[f"answers.{question_id}"] = ["unknown question id"]
        elif isinstance(score, bool) or not isinstance(score, int) or not SCALE[0] <= score <= SCALE[1]:
            problems[f"answers.{question_id}"] = [f"must be a whole number from {SCALE[0]} to {SCALE[1]}"]
    for question_id in known:
        if question_id not in answers:
            problems[f"answers.{question_id}"] = ["every question needs an answer"]
    if problems:
        raise InvalidInput(problems)
    return {question_id: int(answers[question_id]) for question_id in known}


def group_of(department: str | None, groups: Iterable[str]) -> str:
    """The coarse group a ballot carries: the department when the pulse knew it as a group of at least k
    eligible people when it was created, else ``other`` (a small department would identify its members)."""
    return department if department and department in set(groups) else OTHER_GROUP


def groups_for(departments: Iterable[str | None], k: int) -> list[str]:
    """Departments with at least k eligible people: the only ones a ballot may name."""
    sizes = Counter(d for d in departments if d)
    return sorted(d for d, n in sizes.items() if n >= k)


def _questions(ballots: Sequence[Mapping[str, Any]], question_ids: Sequence[str]) -> list[dict[str, Any]]:
    figures = []
    for question_id in question_ids:
        scores = [b["answers"][question_id] for b in ballots if question_id in b["answers"]]
        figures.append(
            {
                "question_id": question_id,
                "mean": round(sum(scores) / len(scores), 2),
                "answers": len(scores),
                "favourable_pct": round(100 * sum(s >= FAVOURABLE for s in scores) / len(scores), 1),
            }
        )
    return figures


def aggregate(ballots: Sequence[Mapping[str, Any]], question_ids: Sequence[str], k: int) -> dict | None:
    """Figures of the ballots only with at least k of them; below k, None: no count, no mean, nothing."""
    if len(ballots) < k:
        return None
    return {"responses": len(ballots), "questions": _questions(ballots, question_ids)}


def breakdown(
    ballots: Sequence[Mapping[str, Any]], question_ids: Sequence[str], k: int, by: str | None
) -> dict[str, Any] | None:
    """Figures per group, shown only when EVERY group and its complement hold at least k ballots (a small
    complement would give a group's figures away by subtraction from the total); else suppressed whole."""
    if by is None:
        return None
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for ballot in ballots:
        groups.setdefault(ballot.get("group") or OTHER_GROUP, []).append(ballot)
    total = len(ballots)
    if not groups or any(len(g) < k or total - len(g) < k for g in groups.values()):
        return {"by": by, "suppressed": True, "groups": None}
    shown = [{"group": name, **aggregate(groups[name], question_ids, k)} for name in sorted(groups)]  # type: ignore[dict-item]
    return {"by": by, "suppressed": False, "groups": shown}


def released(pulse: Mapping[str, Any], ballots: Sequence[Mapping[str, Any]], k: int) -> dict[str, Any]:
    """What closing a pulse releases: the aggregate and breakdown with k applied, or ``released: False``."""
    question_ids = [q["question_id"] for q in pulse["questions"]]
    figures = aggregate(ballots, question_ids, k)
    if figures is None:
        return {"k": k, "released": False, "responses": None, "questions": None, "breakdown": None}
    return {
        "k": k,
        "released": True,
        **figures,
        "breakdown": breakdown(ballots, question_ids, k, pulse.get("breakdown")),
    }


@dataclass(frozen=True)
class Route:
    """Where an escalation goes: ``admin`` (recipients: the program's admins) or ``hr`` (the role)."""

    route: str
    recipient_ids: tuple[str, ...]


def escalation_route(
    admins: Sequence[str], chain: Iterable[str], leaders: Iterable[str], junior: str
) -> Route:
    """To the program's admins, unless any admin sits in the junior's reporting chain or leads the junior's
    pairing (or there is no admin): then to hr. Never to the leader or anyone in the chain."""
    excluded = {*chain, *leaders}
    admins = [a for a in dict.fromkeys(admins) if a != junior]
    if not admins or excluded.intersection(admins):
        return Route("hr", ())
    return Route("admin", tuple(admins))
