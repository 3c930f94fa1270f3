"""Matching benchmark: our end-to-end match run versus the bare solvers on the same 5,000-leader cohorts.

Dense: 5,000 leaders x 5,000 juniors. Ours = encode the cohort + score + constraints + certified
candidate-pruned solve + explanations; baseline = ``scipy.optimize.linear_sum_assignment`` alone on the
prepared dense matrix (feasible pairs ``leaders + 1 + score``, infeasible 0, maximised: pairs first, then
score). Capacitated: 5,000 leaders x 2,500 juniors of capacity 2; baseline = OR-Tools SimpleMinCostFlow
alone on the full feasible graph. Equal optimum = same pair count and totals within 1e-6.

Run: ``python -m bench.matching_bench`` (writes bench/results/matching.json, keeping other keys).
"""

from __future__ import annotations

import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np
import ortools
import scipy
from ortools.graph.python import min_cost_flow
from scipy.optimize import linear_sum_assignment

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.matching.domain import (
    Participant,
    ProgramRules,
    build_context,
    feasibility_matrix,
    score_matrix,
    solve,
)
from services.matching.domain.assignment import pairing_bonus
from services.matching.domain.scoring import SCORE_SCALE, to_micro
from shared.demo import demo_program, generate_cohort, generate_organisation

RESULTS = Path(__file__).resolve().parent / "results" / "matching.json"
SEED = 2027


def cohort(org, leaders: int, juniors: int, capacity_two_share: float):
    payloads = generate_cohort(
        org, "bench", leaders, juniors, seed=SEED, capacity_two_share=capacity_two_share
    )
    people = [Participant.from_payload(p) for p in payloads]
    return [p for p in people if p.role == "leader"], [p for p in people if p.role == "junior"]


def ours(leaders, juniors, rules, manager_of):
    started = time.perf_counter()
    ctx = build_context(leaders, juniors, rules, manager_of=manager_of)
    result = solve(ctx, seed=SEED)
    return time.perf_counter() - started, ctx, result


def dense_baseline(ctx):
    feasible = feasibility_matrix(ctx)
    micro = to_micro(score_matrix(ctx))
    weights = np.where(feasible, (len(ctx.leaders) + 1) + micro / SCORE_SCALE, 0.0)
    started = time.perf_counter()
    rows, cols = linear_sum_assignment(weights, maximize=True)
    elapsed = time.perf_counter() - started
    paired = feasible[rows, cols]
    return elapsed, int(paired.sum()), int(micro[rows[paired], cols[paired]].sum())


def flow_baseline(ctx):
    n, m = len(ctx.leaders), len(ctx.juniors)
    feasible = feasibility_matrix(ctx)
    micro = to_micro(score_matrix(ctx))
    li, ji = np.nonzero(feasible)
    values = micro[li, ji]
    del feasible, micro
    capacities = np.where(ctx.eligible_j, ctx.capacity_j, 0)
    source, sink = n + m, n + m + 1
    tails = np.concatenate([np.full(n, source), li, n + np.arange(m), [source]])
    heads = np.concatenate([np.arange(n), n + ji, np.full(m, sink), [sink]])
    caps = np.concatenate([np.ones(n), np.ones(len(li)), capacities, [n]]).astype(np.int64)
    costs = np.concatenate([np.zeros(n), -(pairing_bonus(n) + values), np.zeros(m), [0]]).astype(np.int64)
    started = time.perf_counter()
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    flow.set_node_supply(source, n)
    flow.set_node_supply(sink, -n)
    if flow.solve() != flow.OPTIMAL:
        raise RuntimeError("baseline min-cost flow failed")
    pair_flows = flow.flows(np.arange(n, n + len(li)))
    elapsed = time.perf_counter() - started
    used = pair_flows > 0
    return elapsed, int(used.sum()), int(values[used].sum())


def compare(name, our_time, result, baseline):
    base_time, base_count, base_micro = baseline
    equal = result.matched_count == base_count and abs(result.total_score - base_micro / SCORE_SCALE) <= 1e-6
    print(
        f"{name}: ours {our_time:.3f}s ({result.matched_count} pairs, total {result.total_score:.6f}, "
        f"{result.stats.get('certified')}) | baseline {base_time:.3f}s ({base_count} pairs, "
        f"total {base_micro / SCORE_SCALE:.6f}) | ratio {our_time / base_time:.3f} | equal optimum {equal}",
        flush=True,
    )
    return {
        "ours_s": round(our_time, 4),
        "baseline_s": round(base_time, 4),
        "ratio": round(our_time / base_time, 4),
        "equal_optimum": bool(equal),
        "matched": result.matched_count,
        "stats": {k: v for k, v in result.stats.items() if k != "timings_s"}
        | {"timings_s": {k: round(v, 4) for k, v in result.stats["timings_s"].items()}},
    }


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "ortools": ortools.__version__,
        "platform": platform.platform(),
    }


def main() -> dict:
    org = generate_organisation(seed=SEED, employees=50_000)
    rules = ProgramRules.from_program(demo_program("bench"))
    manager_of = org.manager_of
    report: dict = {"machine": machine()}

    leaders, juniors = cohort(org, 5000, 5000, capacity_two_share=0.0)
    our_time, ctx, result = ours(leaders, juniors, rules, manager_of)
    report["dense_5000"] = compare("dense 5000x5000", our_time, result, dense_baseline(ctx))
    del ctx, result

    leaders, juniors = cohort(org, 5000, 2500, capacity_two_share=1.0)
    our_time, ctx, result = ours(leaders, juniors, rules, manager_of)
    report["capacitated_5000"] = compare(
        "capacitated 5000x2500 (capacity 2)", our_time, result, flow_baseline(ctx)
    )

    report["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(f"peak RSS {report['peak_rss_mib']} MiB")
    existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    merged = existing | report
    merged.setdefault("api_latency_ms", {})
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(merged, indent=2) + "\n")
    return merged


if __name__ == "__main__":
    main()
