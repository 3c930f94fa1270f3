"""The one-pass dump of match runs gives exactly what the documented schema's dump gives."""

from __future__ import annotations

from services.matching import schemas
from services.matching.service import commands as c
from services.matching.service.access import run_view
from tests.unit.matching.story import ADMIN, Story, person, program, recorded_run

P = "dump"


def test_a_reviewed_run_dumps_in_one_pass_exactly_as_the_match_run_schema_dumps_it():
    story = Story()
    people = [person(P, f"L{i}", "leader", f"E10{i}") for i in (1, 2, 3)]
    people += [person(P, f"J{i}", "junior", f"E20{i}") for i in (1, 2)]
    people.append(person(P, "J3", "junior", "E203", manager_id="E101"))
    story.enrol(program(P), people)
    run = story.run(P, seed=3)
    override = c.OverrideProposal(run["match_run_id"], ADMIN, "assign", "L1", "J3", reason="HR agreed")
    story.handle(override)
    reviewed = run_view(
        recorded_run(story.handle(c.OverrideProposal(run["match_run_id"], ADMIN, "unassign", "L2")))
    )
    assert reviewed["overrides"][0]["violations"] and reviewed["proposals"] and reviewed["unmatched"]
    dry = run_view(story.run(P, dry_run=True))
    assert dry["diff"]["added"]
    for view in (reviewed, dry, {**dry, "diff": None, "inputs": {"projection_as_of": None}}):
        assert schemas.dump_match_run(view) == schemas.MatchRunSchema().dump(view)
