"""Score components on hand-computed examples, including a DST-aware timezone overlap."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from services.matching.domain import (
    ProgramRules,
    Weights,
    Window,
    build_context,
    component_scores,
    score_matrix,
)
from services.matching.domain.availability import utc_intervals

from .conftest import person


def components(leader, junior, rules):
    ctx = build_context([leader], [junior], rules)
    return {k: float(v[0]) for k, v in component_scores(ctx, np.array([0]), np.array([0])).items()}, ctx


def test_topic_fit_counts_program_focus_areas_twice(rules):
    leader = person("l", topics_to_learn=("digital-transformation", "ai-tools"))
    junior = person("j", "junior", topics_to_teach=("ai-tools",))
    got, _ = components(leader, junior, rules)
    # focus area weighs 2, the other 1: the junior covers 1 of 3
    assert got["topic_fit"] == pytest.approx(1 / 3)
    assert got["focus"] == pytest.approx(0.0)


def test_focus_is_the_share_of_wanted_focus_areas_the_junior_teaches(rules):
    leader = person("l", topics_to_learn=("digital-transformation", "ai-tools"))
    junior = person("j", "junior", topics_to_teach=("digital-transformation",))
    got, _ = components(leader, junior, rules)
    assert got["focus"] == pytest.approx(1.0)
    assert got["topic_fit"] == pytest.approx(2 / 3)


def test_reverse_fit_is_the_share_of_growth_goals_the_leader_is_strong_in(rules):
    leader = person("l", strengths=("strategy", "financial-acumen"))
    junior = person(
        "j", "junior", growth_goals=("strategy", "leadership", "decision-making", "financial-acumen")
    )
    got, _ = components(leader, junior, rules)
    assert got["reverse_fit"] == pytest.approx(0.5)


def test_language_prefers_the_leaders_first_language(rules):
    leader = person("l", languages=("pt-PT", "en"))
    assert components(leader, person("j", "junior", languages=("pt-BR",)), rules)[0]["language"] == 1.0
    assert components(leader, person("j", "junior", languages=("en",)), rules)[0]["language"] == 0.5
    assert components(leader, person("j", "junior", languages=("de",)), rules)[0]["language"] == 0.0


def test_diversity_rewards_other_department_and_location(rules):
    leader = person("l", department="Sales", location="Lisbon")
    assert components(leader, person("j", "junior", department="Sales", location="Lisbon"), rules)[0][
        "diversity"
    ] == pytest.approx(0.0)
    assert components(leader, person("j", "junior", department="Sales", location="Sydney"), rules)[0][
        "diversity"
    ] == pytest.approx(0.5)


def test_availability_saturates_at_the_program_target(rules):
    leader = person("l", availability=(Window(0, 9 * 60, 11 * 60),))
    junior = person("j", "junior", availability=(Window(0, 10 * 60, 13 * 60),))
    got, _ = components(leader, junior, rules)
    assert got["availability"] == pytest.approx(1 / 4)  # 1 h of a 4 h target


def test_overlap_follows_real_utc_offsets_across_the_us_dst_change():
    # London 13:00-14:00 vs New York 09:00-10:00 on Monday: 1 h apart in January, same hour on
    # 15 March 2027 (US already on EDT, UK still on GMT).
    leader = person("l", availability=(Window(0, 13 * 60, 14 * 60),))
    junior = person("j", "junior", timezone="America/New_York", availability=(Window(0, 9 * 60, 10 * 60),))
    for reference, expected in ((date(2027, 1, 11), 0.0), (date(2027, 3, 15), 60.0)):
        rules = ProgramRules(min_timezone_overlap_hours=0.0, reference_date=reference)
        ctx = build_context([leader], [junior], rules)
        overlap = float((ctx.avail_l @ ctx.avail_j.T)[0, 0])
        assert overlap == expected, reference


def test_windows_crossing_midnight_and_the_week_end_wrap_in_utc():
    # Sydney Monday 08:00-09:00 (UTC+11 in January) is Sunday 21:00-22:00 UTC: the end of the week.
    week = utc_intervals((Window(0, 8 * 60, 9 * 60),), "Australia/Sydney", date(2027, 1, 11))
    assert week == [(6 * 1440 + 21 * 60, 6 * 1440 + 22 * 60)]
    overnight = utc_intervals((Window(2, 23 * 60, 60),), "UTC", date(2027, 1, 11))
    assert overnight == [(2 * 1440 + 23 * 60, 3 * 1440 + 60)]


def test_matrix_scores_equal_the_weighted_components(rules):
    leaders = [
        person(f"l{i}", topics_to_learn=t) for i, t in enumerate((("ai-tools",), ("digital-transformation",)))
    ]
    juniors = [
        person("j0", "junior", topics_to_teach=("ai-tools",), department="Marketing"),
        person("j1", "junior", timezone="Asia/Kolkata", languages=("en", "hi")),
    ]
    ctx = build_context(leaders, juniors, rules)
    matrix = score_matrix(ctx)
    weights = rules.weights.as_dict()
    for i in range(2):
        for j in range(2):
            parts = component_scores(ctx, np.array([i]), np.array([j]), shares_language=np.array([True]))
            expected = sum(weights[k] * float(v[0]) for k, v in parts.items())
            assert matrix[i, j] == pytest.approx(expected, abs=1e-6)


def test_weights_are_validated_and_normalised():
    weights = Weights(1, 1, 1, 1, 0, 0)
    assert sum(weights.as_dict().values()) == pytest.approx(1.0)
    assert weights.topic_fit == pytest.approx(0.25)
    with pytest.raises(ValueError):
        Weights(-1, 1, 1, 1, 1, 1)
    with pytest.raises(ValueError):
        Weights(0, 0, 0, 0, 0, 0)
    with pytest.raises(ValueError):
        Weights.from_mapping({"charisma": 1})
