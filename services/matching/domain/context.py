"""The encoded cohort of one match run: participants as arrays shared by scoring, constraints and solver."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .availability import reference_monday, segment_matrix
from .model import Exclusion, Participant, ProgramRules
from .orgchart import OrgIndex, build_org_index, related_pairs
from .slots import slot_matrix


def language_subtag(tag: str) -> str:
    """BCP 47 tags are compared on their primary language subtag: ``pt-BR`` speaks ``pt``."""
    return tag.split("-")[0].split("_")[0].strip().lower()


def _multi_hot(rows: Sequence[Iterable[str]], vocabulary: Sequence[str]) -> np.ndarray:
    position = {term: k for k, term in enumerate(vocabulary)}
    out = np.zeros((len(rows), len(vocabulary)), dtype=np.float32)
    for i, terms in enumerate(rows):
        for term in terms:
            k = position.get(term)
            if k is not None:
                out[i, k] = 1.0
    return out


def _row_normalised(matrix: np.ndarray) -> np.ndarray:
    sums = matrix.sum(axis=1, keepdims=True)
    return np.divide(matrix, sums, out=np.zeros_like(matrix), where=sums > 0)


@dataclass(frozen=True, eq=False)
class MatchContext:
    """Everything a match run computes from: participants sorted by id, rules, org index, exclusions.

    Per-component feature pairs (``features[name] = (leader_side, junior_side)``) make every bilinear
    component a dot product; ``score_l @ score_j.T`` folds them, weights included, into one matmul.
    """

    rules: ProgramRules
    leaders: tuple[Participant, ...]
    juniors: tuple[Participant, ...]
    leader_index: Mapping[str, int]
    junior_index: Mapping[str, int]
    org: OrgIndex
    exclusions: Mapping[tuple[int, int], Exclusion]
    person_issues_l: tuple[tuple[tuple[str, str], ...], ...]
    person_issues_j: tuple[tuple[tuple[str, str], ...], ...]
    eligible_l: np.ndarray
    eligible_j: np.ndarray
    level_l: np.ndarray
    level_j: np.ndarray
    capacity_j: np.ndarray
    features: Mapping[str, tuple[np.ndarray, np.ndarray]]
    score_l: np.ndarray
    score_j: np.ndarray
    avail_l: np.ndarray
    avail_j: np.ndarray
    lang_l: np.ndarray
    lang_j: np.ndarray
    tin_l: np.ndarray
    tout_l: np.ndarray
    tin_j: np.ndarray
    tout_j: np.ndarray
    forbidden_rows: np.ndarray
    forbidden_cols: np.ndarray
    # the common-slot rule's session starts (leaders weighted by segment minutes); None when it is off
    slot_l: np.ndarray | None = None
    slot_j: np.ndarray | None = None

    @property
    def min_overlap_minutes(self) -> float:
        return self.rules.min_timezone_overlap_hours * 60.0


def _person_issues(p: Participant, role: str, capacity: int) -> tuple[tuple[str, str], ...]:
    issues = []
    if p.role != role:
        issues.append(("role", f"{p.participant_id} is a {p.role}, not a {role}"))
    if not p.consented:
        issues.append(("consent", f"{p.participant_id} has not consented to matching and data processing"))
    if p.status != "enrolled":
        issues.append(("status", f"{p.participant_id} is {p.status}, not enrolled"))
    if role == "junior" and capacity <= 0:
        issues.append(("capacity", f"{p.participant_id} has no mentoring capacity"))
    return tuple(issues)


def _reporting_lines_above(
    people: Sequence[Participant], manager_of: Mapping[str, str | None]
) -> dict[str, str | None]:
    """The chart entries of the cohort and of everyone above them: all a reporting-chain check between
    cohort members needs (the rest of a large organisation is never walked)."""
    chart: dict[str, str | None] = {}
    for p in people:
        chart.setdefault(p.employee_id, manager_of.get(p.employee_id, p.manager_id))
    frontier = [m for m in chart.values() if m is not None]
    while frontier:
        above = []
        for employee in frontier:
            if employee not in chart and employee in manager_of:
                chart[employee] = manager = manager_of[employee]
                if manager is not None:
                    above.append(manager)
        frontier = above
    return chart


def build_context(
    leaders: Iterable[Participant],
    juniors: Iterable[Participant],
    rules: ProgramRules,
    manager_of: Mapping[str, str | None] | None = None,
    exclusions: Iterable[Exclusion] = (),
) -> MatchContext:
    """Encode a cohort once; employees missing from ``manager_of`` use their payload ``manager_id``."""
    leaders = tuple(sorted(leaders, key=lambda p: p.participant_id))
    juniors = tuple(sorted(juniors, key=lambda p: p.participant_id))
    people = leaders + juniors
    weights = rules.weights
    focus = set(rules.focus_areas)

    org = build_org_index(_reporting_lines_above(people, manager_of or {}), [p.employee_id for p in people])

    topics = sorted({t for p in people for t in (*p.topics_to_learn, *p.topics_to_teach)} | focus)
    learn = _multi_hot([p.topics_to_learn for p in leaders], topics)
    teach = _multi_hot([p.topics_to_teach for p in juniors], topics)
    is_focus = np.array([t in focus for t in topics], dtype=np.float32)
    goals_vocab = sorted({g for p in people for g in (*p.strengths, *p.growth_goals)})
    departments = sorted({p.department for p in people})
    locations = sorted({p.location for p in people})
    languages = sorted({language_subtag(t) for p in people for t in p.languages})
    allowed = {language_subtag(t) for t in rules.languages} or set(languages)

    features = {
        "topic_fit": (_row_normalised(learn * (1.0 + is_focus)), teach),
        "reverse_fit": (
            _multi_hot([p.strengths for p in leaders], goals_vocab),
            _row_normalised(_multi_hot([p.growth_goals for p in juniors], goals_vocab)),
        ),
        "focus": (_row_normalised(learn * is_focus), teach),
        "department": (
            _multi_hot([[p.department] for p in leaders], departments),
            _multi_hot([[p.department] for p in juniors], departments),
        ),
        "location": (
            _multi_hot([[p.location] for p in leaders], locations),
            _multi_hot([[p.location] for p in juniors], locations),
        ),
        "primary_language": (
            _multi_hot(
                [[language_subtag(p.languages[0])] if p.languages else [] for p in leaders], languages
            ),
            _multi_hot([[language_subtag(t) for t in p.languages] for p in juniors], languages),
        ),
    }
    w = weights
    score_l = np.hstack(
        [
            w.topic_fit * features["topic_fit"][0],
            w.reverse_fit * features["reverse_fit"][0],
            w.focus * features["focus"][0],
            -0.5 * w.diversity * features["department"][0],
            -0.5 * w.diversity * features["location"][0],
            0.5 * w.language * features["primary_language"][0],
            np.full((len(leaders), 1), w.diversity + 0.5 * w.language, dtype=np.float32),
        ]
    ).astype(np.float32)
    score_j = np.hstack(
        [
            features["topic_fit"][1],
            features["reverse_fit"][1],
            features["focus"][1],
            features["department"][1],
            features["location"][1],
            features["primary_language"][1],
            np.ones((len(juniors), 1), dtype=np.float32),
        ]
    ).astype(np.float32)

    monday = reference_monday(rules.reference_date)
    segments, lengths = segment_matrix(people, monday)
    slot_l = slot_j = None
    if rules.min_common_slot_minutes is not None:
        starts, start_lengths = slot_matrix(people, monday, rules.min_common_slot_minutes)
        slot_l, slot_j = np.ascontiguousarray(starts[: len(leaders)] * start_lengths), starts[len(leaders) :]
    allowed_vocab = sorted(allowed)
    lang_all = _multi_hot([[language_subtag(t) for t in p.languages] for p in people], allowed_vocab)

    capacities = np.array(
        [rules.junior_capacity_default if p.capacity is None else p.capacity for p in juniors], dtype=np.int64
    )
    issues_l = tuple(_person_issues(p, "leader", 1) for p in leaders)
    issues_j = tuple(_person_issues(p, "junior", int(c)) for p, c in zip(juniors, capacities, strict=True))

    leader_index = {p.participant_id: i for i, p in enumerate(leaders)}
    junior_index = {p.participant_id: j for j, p in enumerate(juniors)}
    by_employee_l = {p.employee_id: i for i, p in enumerate(leaders)}
    by_employee_j = {p.employee_id: j for j, p in enumerate(juniors)}
    excluded: dict[tuple[int, int], Exclusion] = {}
    for exclusion in exclusions:
        i = by_employee_l.get(exclusion.leader_employee_id)
        j = by_employee_j.get(exclusion.junior_employee_id)
        if i is not None and j is not None:
            excluded.setdefault((i, j), exclusion)

    tin_l, tout_l = org.intervals(p.employee_id for p in leaders)
    tin_j, tout_j = org.intervals(p.employee_id for p in juniors)
    chain_rows, chain_cols = related_pairs(tin_l, tout_l, tin_j, tout_j)
    rows = np.concatenate([chain_rows, np.array([k[0] for k in excluded], dtype=np.int64)])
    cols = np.concatenate([chain_cols, np.array([k[1] for k in excluded], dtype=np.int64)])
    order = np.lexsort((cols, rows))
    n = len(leaders)
    return MatchContext(
        rules=rules,
        leaders=leaders,
        juniors=juniors,
        leader_index=leader_index,
        junior_index=junior_index,
        org=org,
        exclusions=excluded,
        person_issues_l=issues_l,
        person_issues_j=issues_j,
        eligible_l=np.array([not x for x in issues_l], dtype=bool),
        eligible_j=np.array([not x for x in issues_j], dtype=bool),
        level_l=np.array([p.level for p in leaders], dtype=np.int16),
        level_j=np.array([p.level for p in juniors], dtype=np.int16),
        capacity_j=capacities,
        features=features,
        score_l=score_l,
        score_j=score_j,
        avail_l=np.ascontiguousarray(segments[:n] * lengths),
        avail_j=np.ascontiguousarray(segments[n:]),
        lang_l=lang_all[:n],
        lang_j=lang_all[n:],
        tin_l=tin_l,
        tout_l=tout_l,
        tin_j=tin_j,
        tout_j=tout_j,
        forbidden_rows=rows[order],
        forbidden_cols=cols[order],
        slot_l=slot_l,
        slot_j=slot_j,
    )
