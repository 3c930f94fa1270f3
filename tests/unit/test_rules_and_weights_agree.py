"""Program rules and weights have one shape end to end: the same names in intake's API and domain, the
published contract and matching's engine, and one meaning of a weight left out (it keeps the value
beneath it, never counts 0)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from services.intake import schemas as intake_schemas
from services.intake.domain import Program
from services.intake.domain import programs as intake_rules
from services.matching import schemas as matching_schemas
from services.matching.domain import COMPONENTS, ProgramRules, Weights
from shared.contracts import ProgramPayload
from shared.contracts import ProgramRules as ContractRules
from shared.contracts import Weights as ContractWeights
from shared.errors import InvalidInput
from shared.http import PartialWeights
from shared.vocabulary import DEFAULT_WEIGHTS

NOW = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)


def test_every_shape_of_the_weights_uses_the_same_six_names():
    names = set(DEFAULT_WEIGHTS)
    assert set(ContractWeights().fields) == names
    assert set(PartialWeights().fields) == names
    assert set(COMPONENTS) == names
    assert {f.name for f in dataclasses.fields(Weights)} == names
    assert set(intake_rules.WEIGHT_KEYS) == names
    assert matching_schemas.MatchRunRequest().fields["weights"].nested is PartialWeights
    assert intake_schemas.RulesSchema().fields["weights"].nested is PartialWeights


def test_every_shape_of_the_rules_uses_the_same_names():
    names = set(ContractRules().fields)
    assert set(intake_rules.RULE_KEYS) == names
    assert set(intake_schemas.RulesSchema().fields) == names
    assert names <= {f.name for f in dataclasses.fields(ProgramRules)}


def test_a_weight_left_out_means_the_value_beneath_it_everywhere():
    assert ContractWeights().load({}) == DEFAULT_WEIGHTS
    assert Weights.from_mapping({}).as_dict() == pytest.approx(Weights(**DEFAULT_WEIGHTS).as_dict())
    program_weights = Weights.from_mapping({**DEFAULT_WEIGHTS, "diversity": 0.0})
    run = Weights.from_mapping({"topic_fit": 0.5}, base=program_weights)
    assert run.diversity == 0.0  # the program's value, not the default, not 0 from the override


def test_rules_an_admin_sets_in_intake_reach_matching_unchanged():
    """Through the published payload, each rule arrives under its own name with the value intake holds."""
    _, events = Program.create(
        "prog-1",
        now=NOW,
        name="EMEA 2027",
        focus_areas=["digital-transformation"],
        starts_on="2027-01-10",
        ends_on="2027-06-30",
        admins=["E1"],
        rules={
            "min_seniority_gap": 4,
            "min_timezone_overlap_hours": 3.5,
            "junior_capacity_default": 2,
            "weights": {"diversity": 0.4},
            "min_common_slot_minutes": 60,
        },
    )
    payload = ProgramPayload().load(events[0].data)
    rules = ProgramRules.from_program(ProgramPayload().dump(payload))
    assert (rules.min_seniority_gap, rules.min_timezone_overlap_hours, rules.junior_capacity_default) == (
        4,
        3.5,
        2,
    )
    assert rules.min_common_slot_minutes == 60
    expected = Weights(**{**DEFAULT_WEIGHTS, "diversity": 0.4})
    assert rules.weights.as_dict() == pytest.approx(expected.as_dict())


def test_the_common_slot_rule_is_off_unless_a_program_sets_it():
    """Intake publishes it as null, an older payload without it loads as null, and matching reads that as
    no rule at all."""
    _, events = Program.create(
        "prog-2", now=NOW, name="EMEA 2027", focus_areas=["digital-transformation"],
        starts_on="2027-01-10", ends_on="2027-06-30", admins=["E1"], rules={},
    )  # fmt: skip
    assert events[0].data["rules"]["min_common_slot_minutes"] is None
    older = {key: value for key, value in events[0].data["rules"].items() if key != "min_common_slot_minutes"}
    assert ContractRules().load(older)["min_common_slot_minutes"] is None
    assert ProgramRules.from_program({"rules": older}).min_common_slot_minutes is None


@pytest.mark.parametrize("value", [14, 481, 60.5, True, "60"])
def test_a_session_length_out_of_range_is_refused_by_the_api_the_domain_and_the_contract(value):
    body = {"name": "EMEA", "focus_areas": ["digital-transformation"], "starts_on": "2027-01-10",
            "ends_on": "2027-06-30", "rules": {"min_common_slot_minutes": value}}  # fmt: skip
    assert "min_common_slot_minutes" in intake_schemas.ProgramCreateSchema().validate(body).get("rules", {})
    with pytest.raises(InvalidInput) as refused:
        intake_rules.ProgramRules.from_mapping({"min_common_slot_minutes": value})
    assert list(refused.value.errors) == ["rules.min_common_slot_minutes"]
    assert "min_common_slot_minutes" in ContractRules().validate({"min_common_slot_minutes": value})
