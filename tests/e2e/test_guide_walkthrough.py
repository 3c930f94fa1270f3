"""The admin's walk-through (docs/guide/admin.md) executed against the running services: every bash block
runs, in order, and every json block shown after one has the shape of what that block really printed."""

from __future__ import annotations

import os

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from shared.events.consumer import OUTCOMES
from tests.support.guide import json_values, run_page, shape_problems
from tests.support.processes import REPO

pytestmark = pytest.mark.e2e
GUIDE = REPO / "docs" / "guide"


def _consumed(system) -> dict[tuple[str, str], float]:
    """``events_consumed_total`` of the intake and matching workers, by service and outcome label (summed
    over the topic and type labels: one sample each would keep only the last type's count)."""
    totals: dict[tuple[str, str], float] = {}
    for service in ("intake", "matching"):
        text = requests.get(f"{system.worker_url(service)}/metrics", timeout=10).text
        for family in text_string_to_metric_families(text):
            if family.name != "events_consumed":
                continue
            for sample in family.samples:
                if sample.name == "events_consumed_total":
                    key = (service, sample.labels["outcome"])
                    totals[key] = totals.get(key, 0.0) + sample.value
    return totals


def test_the_admin_walkthrough_reaches_published_pairs_and_an_accepted_pairing(system, tmp_path):
    settings = system.settings["intake"]
    env = {
        **os.environ,
        "INTAKE": system.api_url("intake"),
        "MATCHING": system.api_url("matching"),
        "DEV_KEYS_DIR": settings.dev_keys_dir,
    }
    before = _consumed(system)
    blocks = run_page(GUIDE / "admin.md", REPO, env)
    (tmp_path / "walkthrough.out").write_text(
        "".join(f"--- block {i}\n{b.output}" for i, b in enumerate(blocks, 1))
    )
    assert len(blocks) >= 12
    problems = []
    for number, block in enumerate(blocks, start=1):
        printed = json_values(block.output)
        assert len(printed) >= len(block.shown), f"block {number} printed {block.output!r}"
        for shown, actual in zip(block.shown, printed, strict=False):
            problems += [f"block {number}: {p}" for p in shape_problems(shown, actual)]
    assert problems == []
    everything = "".join(block.output for block in blocks)
    assert '"state": "active"' in everything  # the accepted pairing
    assert '"status": "published"' in everything
    # the events the walk-through caused were counted only with documented outcome labels (the workers
    # are shared with the other tests: what the walk-through added is the difference, and no label the
    # workers ever counted is undocumented)
    after = _consumed(system)
    added = {outcome for (service, outcome), n in after.items() if n > before.get((service, outcome), 0)}
    assert "processed" in added and {outcome for _, outcome in after} <= set(OUTCOMES)
