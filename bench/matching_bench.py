"""Matching benchmark: our end-to-end match run versus the bare solvers on the same 5,000-leader cohorts.

Dense: 5,000 leaders x 5,000 juniors. Ours = encode the cohort + score + constraints + certified
candidate-pruned solve + explanations; baseline = ``scipy.optimize.linear_sum_assignment`` alone on the
prepared dense matrix (feasible pairs ``leaders + 1 + score``, infeasible 0, maximised: pairs first, then
score). Capacitated: 5,000 leaders x 2,500 juniors of capacity 2; baseline = OR-Tools SimpleMinCostFlow
alone on the full feasible graph, set up as fast as our solver sets up its own (``assignment._min_cost_flow``:
costs of the scores alone, no bypass arc, ``solve_max_flow_with_min_cost`` — the most pairs, then the best
total). Equal optimum = same pair count and totals within 1e-6.

API latency (``api_latency_ms``): see ``bench/matching_api.py``.

Timing: ours and the baseline run interleaved in one process: one untimed warm-up run of each (first-run
costs: page faults of the big arrays, allocator growth, lazy imports), then the median of ``REPEATS`` runs
each (the machine may be shared; every run is in ``runs_s``). BLAS runs single-threaded
(``OPENBLAS_NUM_THREADS=1`` unless set), like both baseline solvers: on a small shared machine extra BLAS
threads mostly spin.

Run: ``python -m bench.matching_bench`` (writes bench/results/matching.json, keeping other keys).
"""

# ruff: noqa: E402 (BLAS threads are set before numpy is imported)
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import json
import platform
import resource
import statistics
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

from bench.matching_api import SEED, api_latency
from services.matching.domain import (
    Participant,
    ProgramRules,
    build_context,
    feasibility_matrix,
    score_matrix,
    solve,
)
from services.matching.domain.scoring import SCORE_SCALE, to_micro
from shared.demo import demo_program, generate_cohort, generate_organisation

RESULTS = Path(__file__).resolve().parent / "results" / "matching.json"
REPEATS = 3


def cohort(org, leaders: int, juniors: int, capacity_two_share: float):
    payloads = generate_cohort(
        org, "bench", leaders, juniors, seed=SEED, capacity_two_share=capacity_two_share
    )
    people = [Participant.from_payload(p) for p in payloads]
    return [p for p in people if p.role == "leader"], [p for p in people if p.role == "junior"]


def ours(leaders, juniors, rules, manager_of):
    ours.cpu_started = time.process_time()
    started = time.perf_counter()
    ctx = build_context(leaders, juniors, rules, manager_of=manager_of)
    result = solve(ctx, seed=SEED)
    elapsed = time.perf_counter() - started
    ours.cpu_s = time.process_time() - ours.cpu_started
    return elapsed, ctx, result


def dense_baseline(ctx):
    feasible = feasibility_matrix(ctx)
    micro = to_micro(score_matrix(ctx))
    weights = np.where(feasible, (len(ctx.leaders) + 1) + micro / SCORE_SCALE, 0.0)
    started, cpu = time.perf_counter(), time.process_time()
    rows, cols = linear_sum_assignment(weights, maximize=True)
    elapsed = time.perf_counter() - started
    dense_baseline.cpu_s = time.process_time() - cpu
    paired = feasible[rows, cols]
    return elapsed, int(paired.sum()), int(micro[rows[paired], cols[paired]].sum())


def flow_baseline(ctx):
    """OR-Tools on every feasible pair, set up like our solver's flow: arc costs are the scores alone (a
    narrow cost range: fewer cost-scaling phases than with a pairing bonus folded in), no source-sink bypass
    arc, and ``solve_max_flow_with_min_cost`` (the most pairs, then the best total among those)."""
    n, m = len(ctx.leaders), len(ctx.juniors)
    feasible = feasibility_matrix(ctx)
    micro = to_micro(score_matrix(ctx))
    li, ji = np.nonzero(feasible)
    values = micro[li, ji]
    del feasible, micro
    capacities = np.where(ctx.eligible_j, ctx.capacity_j, 0)
    source, sink = n + m, n + m + 1
    tails = np.concatenate([np.full(n, source), li, n + np.arange(m)])
    heads = np.concatenate([np.arange(n), n + ji, np.full(m, sink)])
    caps = np.concatenate([np.ones(n + len(li), dtype=np.int64), capacities.astype(np.int64)])
    costs = np.concatenate([np.zeros(n, np.int64), -np.asarray(values, np.int64), np.zeros(m, np.int64)])
    started, cpu = time.perf_counter(), time.process_time()
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    flow.set_node_supply(source, n)
    flow.set_node_supply(sink, -n)
    if flow.solve_max_flow_with_min_cost() != flow.OPTIMAL:
        raise RuntimeError("baseline min-cost flow failed")
    pair_flows = flow.flows(np.arange(n, n + len(li)))
    elapsed = time.perf_counter() - started
    flow_baseline.cpu_s = time.process_time() - cpu
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


def interleaved(name, leaders, juniors, rules, manager_of, baseline, repeats: int = REPEATS) -> dict:
    """Ours and the baseline alternately: one untimed warm-up run each, then ``repeats`` timed runs each;
    the median time of each, same cohort.

    CPU seconds (``time.process_time``) are reported too: on a shared machine they vary far less than
    wall time, and both sides run single-threaded.
    """
    warm_ours, ctx, _ = ours(leaders, juniors, rules, manager_of)
    warm_base = baseline(ctx)[0]
    del ctx
    print(f"  {name}: warm-up ours {warm_ours:.3f}s, baseline {warm_base:.3f}s (not counted)", flush=True)
    ours_times, base_times, ours_cpu, base_cpu, result, base = [], [], [], [], None, None
    for _ in range(repeats):
        our_time, ctx, result = ours(leaders, juniors, rules, manager_of)
        ours_times.append(our_time)
        ours_cpu.append(ours.cpu_s)
        base = baseline(ctx)
        base_times.append(base[0])
        base_cpu.append(baseline.cpu_s)
        del ctx
        print(f"  {name}: ours {our_time:.3f}s ({ours.cpu_s:.3f} CPU s), baseline {base[0]:.3f}s "
              f"({baseline.cpu_s:.3f} CPU s)", flush=True)  # fmt: skip
    median = statistics.median
    out = compare(name, median(ours_times), result, (median(base_times), *base[1:]))
    out["timing"] = f"median of {repeats} runs each, after one untimed warm-up run each"
    out["cpu_s"] = {
        "ours": round(median(ours_cpu), 4),
        "baseline": round(median(base_cpu), 4),
        "ratio": round(median(ours_cpu) / median(base_cpu), 4),
    }
    out["runs_s"] = {"ours": [round(t, 4) for t in ours_times], "baseline": [round(t, 4) for t in base_times]}
    out["warmup_s"] = {"ours": round(warm_ours, 4), "baseline": round(warm_base, 4)}
    return out


def main() -> dict:
    report: dict = {"machine": machine()}
    report["machine"]["blas_threads"] = os.environ.get("OPENBLAS_NUM_THREADS")
    report["machine"]["repeats"] = {"dense_5000": REPEATS, "capacitated_5000": 5, "api_dry_runs": 3}
    if "--no-api" not in sys.argv:
        report["api_latency_ms"] = api_latency()  # before the solver benches build their organisation
    org = generate_organisation(seed=SEED, employees=50_000)
    rules = ProgramRules.from_program(demo_program("bench"))
    manager_of = org.manager_of

    leaders, juniors = cohort(org, 5000, 5000, capacity_two_share=0.0)
    report["dense_5000"] = interleaved("dense 5000x5000", leaders, juniors, rules, manager_of, dense_baseline)

    leaders, juniors = cohort(org, 5000, 2500, capacity_two_share=1.0)
    report["capacitated_5000"] = interleaved(
        "capacitated 5000x2500 (capacity 2)", leaders, juniors, rules, manager_of, flow_baseline, repeats=5
    )

    report["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(f"peak RSS {report['peak_rss_mib']} MiB")
    existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    merged = existing | report
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(merged, indent=2) + "\n")
    return merged


if __name__ == "__main__":
    main()
