"""The short chaos run (``make chaos`` is the 10,000-event one): while real events flow through the whole
chain, every worker is killed twice, Kafka and FerretDB restart once and poison messages arrive; then
every effect exists exactly once, nothing is lost, lag returns to 0 and the DLQs hold only the poison.

The kill moments come from a seeded RNG, printed at the start: ``CHAOS_SEED=<seed>`` replays a run."""

from __future__ import annotations

import os
import random

import pytest

from bench.chaos import expected_dead_letters, run_on

pytestmark = pytest.mark.e2e
SHORT = {"events": 400, "employees": 100, "leaders": 4, "juniors": 5}


def test_every_effect_exists_once_after_kills_restarts_and_poison(rig):
    seed = int(os.environ.get("CHAOS_SEED") or random.SystemRandom().randrange(10**6))
    print(f"chaos seed {seed} (replay: CHAOS_SEED={seed})")
    result = run_on(
        rig,
        SHORT["events"],
        seed,
        employees=SHORT["employees"],
        leaders=SHORT["leaders"],
        juniors=SHORT["juniors"],
        settle_s=90,
    )
    context = f"seed {seed}: {result}"
    assert result["findings"] == [], context
    assert result["events"]["distinct_event_ids"] >= SHORT["events"], context
    pairings = result["pairings"]
    assert pairings["published"] > 0 and pairings["active"] == pairings["published"], context
    assert result["emails"]["smtp_distinct_message_ids"] == result["emails"]["sent_deliveries"] > 0, context
    assert result["webhooks"]["distinct_webhook_ids_processed"] == 2 * pairings["published"], context
    assert set(result["consumer_lag"].values()) == {0}, context
    kinds = sorted(action["action"].split()[0] for action in result["chaos"])
    assert kinds.count("kill") == 8 and kinds.count("restart") == 2 and kinds.count("poison") == 6, context
    dead = {name: sorted(set(held["sources"])) for name, held in result["dead_letters"].items()}
    assert dead == expected_dead_letters(rig, result["poisons"]) and any(dead.values()), context
