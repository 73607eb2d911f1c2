"""Batching policies under one load generator: fixed vs idle vs target, from 5 % to 150 % of capacity.

    python benchmarks/bench_batching.py [--seconds 3] [--target-p99-ms 100]
    python benchmarks/bench_batching.py --only target --repeat 3 [--capacity 2500]   # the target sweep alone
    python benchmarks/bench_batching.py --only saturation --rounds 5 [--capacity 4667]   # step 2 alone
    python benchmarks/bench_batching.py --only light --rounds 5 [--capacity 4667]   # idle vs max batch 1, light load

Prints, in one run (loopback, a free port, the default model, the load generator in this process,
its ``CONNECTIONS`` connections opened and warmed before each step's clock starts, as wrk2 does;
latencies at the client from the write of a request to its whole answer, the generator's own lag
printed apart; its heap frozen for the GC while it sends, ``engine/pipeline/gc_pause.py``: before,
one full collection in the generator made the target sweep's client p99 114-207 ms):
 1. lone requests at idle with the defaults (target ≤ 20 ms), ``--max-batch 1`` and ``fixed``: the
    first request after the service said ready (``/healthz`` ok) apart from the next ten;
 2. capacity: the saturation throughput of ``idle`` (offered a first guess, doubled while the service
    keeps up), which sizes step 3; then idle vs fixed at saturation, compared fairly: one service,
    its policy switched live between alternating steps at the same offered rates (1.5× and 3× the
    capacity), the median of ``ROUNDS`` steps each. Two separate probes (as this benchmark did
    before) compared different offered rates (the doubling stops at a different step for each) in
    different minutes, on a service whose answers per second fall as overload deepens: they gave
    0.87× where the same policies in one service give about 1.0× (issue 11). With 3 steps each
    one step's spread (2,700-4,600/s at 3×, the load generator and the ingress sharing 2 cores)
    moved the median to 0.84× or 1.16× from run to run; 5 steps each gave 1.07× and 1.04×. Each
    policy's batches are printed too (answers per batch, flush reasons), to show whether idle
    sends small batches under overload;
 3. for fixed, idle and target: offered 5, 25, 50, 80, 100, 150 % of capacity → achieved answers/s,
    p50, p99 (client side, 200s only), p99 inside the service, 503s, the generator's lag p99 and the
    load average; plus ``--max-batch 1`` at 5 and 25 % (idle's reference);
 4. the checks of issue 11: idle p50 ≤ 1.2× max-batch-1's at ≤ 25 %, idle saturation ≥ 0.95× fixed's,
    target p99 of accepted requests ≤ X up to 150 %;
 5. ``--ingress 1`` vs ``--ingress 2`` saturation throughput (idle).
About four minutes on two cores. Other processes on the machine move the figures: rerun before
believing one that looks off.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil  # noqa: E402
from bench_pipeline import Served, load, lone_requests, statuses  # noqa: E402

from engine.pipeline.loadtest import LoadtestResult, demo_texts  # noqa: E402

LOADS = (0.05, 0.25, 0.50, 0.80, 1.00, 1.50)
#: Offered rates (× capacity) at which idle and fixed are compared at saturation, and steps per policy.
SATURATION_LOADS = (1.5, 3.0)
ROUNDS = 5
#: Open requests at most, and connections opened before each step.
CONNECTIONS = 2048


def saturation(texts: list[str], seconds: float, guess: float, **overrides: object) -> float:
    """Answers/s when overloaded: offered ``guess``, doubled while the service keeps up (≥ 90 %)."""
    rate = guess
    with Served(**overrides) as served:
        load(served.url, texts, 50, 1.0)
        while True:
            achieved = load(
                served.url, texts, rate, seconds, concurrency=CONNECTIONS, preconnect=CONNECTIONS
            ).throughput_per_s
            if achieved < 0.9 * rate or rate >= 32_000:
                return achieved
            rate *= 2
            time.sleep(0.5)


#: The batcher's flush counters read around each saturation step (mean batch size, flush reasons).
FLUSHES = ("flush_idle", "flush_size", "flush_deadline")


def saturation_pair(
    texts: list[str],
    seconds: float,
    capacity: float,
    loads: tuple[float, ...] = SATURATION_LOADS,
    rounds: int = ROUNDS,
) -> dict[float, dict[str, list[tuple[float, dict[str, float]]]]]:
    """Answers/s of ``fixed`` and ``idle`` at each offered share of ``capacity``, each with the
    batcher's flushes during its step: one service, the policy switched live, the two alternating
    (ABBA…) so drift on the machine hits both alike."""
    out: dict[float, dict[str, list[tuple[float, dict[str, float]]]]] = {}
    with Served() as served:
        control, report = served.service.wiring.control, served.service.wiring.report
        load(served.url, texts, 50, 1.0)
        for share in loads:
            got: dict[str, list[tuple[float, dict[str, float]]]] = {"fixed": [], "idle": []}
            for round_ in range(rounds):
                for policy in ("fixed", "idle") if round_ % 2 == 0 else ("idle", "fixed"):
                    control.set(policy=policy)
                    time.sleep(0.3)
                    before = report.read()
                    result = load(
                        served.url, texts, share * capacity, seconds, concurrency=CONNECTIONS, preconnect=CONNECTIONS
                    )
                    after = report.read()
                    flushes = {name: after[name] - before[name] for name in FLUSHES}
                    got[policy].append((result.throughput_per_s, flushes))
                    time.sleep(0.5)
            out[share] = got
    return out


#: Offered shares (× capacity) at which idle is held against ``--max-batch 1``, and their p50 bound.
LIGHT_LOADS = (0.05, 0.25)


def light_pair(
    texts: list[str], seconds: float, capacity: float, rounds: int = ROUNDS
) -> dict[float, dict[str, list[float]]]:
    """p50 (ms) of ``idle`` (max batch 128) and of ``--max-batch 1`` at each light share of
    ``capacity``: one service, its max batch switched live, the two alternating (ABBA…). Two
    services started minutes apart (the sweeps of step 3) differ by ±1 ms at a p50 of ~5 ms, which
    is ±20 % of the bound: 0.87× in one full run, 1.22× in the next."""
    out: dict[float, dict[str, list[float]]] = {}
    with Served() as served:
        control = served.service.wiring.control
        load(served.url, texts, 50, 1.0)
        for share in LIGHT_LOADS:
            got: dict[str, list[float]] = {"idle": [], "batch 1": []}
            for round_ in range(rounds):
                for label in ("idle", "batch 1") if round_ % 2 == 0 else ("batch 1", "idle"):
                    control.set(max_batch=1 if label == "batch 1" else 128)
                    time.sleep(0.3)
                    result = load(
                        served.url, texts, share * capacity, seconds, concurrency=CONNECTIONS, preconnect=CONNECTIONS
                    )
                    got[label].append(result.p50_ms)
            out[share] = got
    return out


def print_light(pairs: dict[float, dict[str, list[float]]]) -> None:
    """One line per light share: each step's p50 and the ratio of the medians."""
    for share, got in pairs.items():
        ratio = statistics.median(got["idle"]) / statistics.median(got["batch 1"])
        print(
            f"   idle p50 at {share * 100:.0f} %, one service, max batch switched live: idle "
            f"{', '.join(f'{v:.1f}' for v in got['idle'])} ms; max-batch-1 {', '.join(f'{v:.1f}' for v in got['batch 1'])}"
            f" ms → median {ratio:.2f}× (target ≤ 1.2×) · load avg {os.getloadavg()[0]:.2f}"
        )


def print_pairs(
    pairs: dict[float, dict[str, list[tuple[float, dict[str, float]]]]], capacity: float, seconds: float
) -> list[float]:
    """One line per offered share (answers/s of each step, median ratio) and one per policy with
    its batches: mean size and flush reasons over all its steps. Returns the median ratios."""
    ratios = []
    for share, got in pairs.items():
        rates = {policy: [rate for rate, _ in steps] for policy, steps in got.items()}
        ratio = statistics.median(rates["idle"]) / statistics.median(rates["fixed"])
        ratios.append(ratio)
        print(
            f"   offered {share:g}× ({share * capacity:,.0f}/s): fixed {', '.join(f'{v:,.0f}' for v in rates['fixed'])}; "
            f"idle {', '.join(f'{v:,.0f}' for v in rates['idle'])} → median idle/fixed "
            f"{ratio:.2f} · load avg {os.getloadavg()[0]:.2f}"
        )
        for policy, steps in got.items():
            answered = sum(rate for rate, _ in steps) * seconds
            reasons = {name: sum(flushes[name] for _, flushes in steps) for name in FLUSHES}
            batches = max(1.0, sum(reasons.values()))
            print(
                f"      {policy:<5} batches {batches:,.0f}, answers per batch {answered / batches:5.1f}; "
                + ", ".join(f"{name[6:]} {count:,.0f}" for name, count in reasons.items())
            )
    return ratios


def row(label: str, share: float, rate: float, result: LoadtestResult) -> str:
    shed = result.by_status.get(503, 0)
    return (
        f"   {label:<8} {share * 100:>5.0f} %  {rate:>8,.0f}  {result.throughput_per_s:>9,.0f}  {result.p50_ms:>7.1f}"
        f"  {result.p99_ms:>8.1f}  {result.server_p99_ms:>8.1f}  {shed:>6}  {result.client_lag_p99_ms:>7.1f}"
        f"  {os.getloadavg()[0]:>5.2f}  {statuses(result)}"
    )


#: Offered shares of capacity at which a sweep prints where accepted requests' time went.
DECOMPOSED = (1.00, 1.50)


def timing_line(result: LoadtestResult) -> str:
    """Where accepted requests' time went (``LoadtestResult.timing_parts``): p50 / p99 of each part
    and its mean over the slowest 1 % by client latency, ms."""
    parts = "; ".join(
        f"{name} {p50:.1f} / {p99:.1f} (slowest 1 %: {tail:.1f})" for name, p50, p99, tail in result.timing_parts
    )
    return f"      time of accepted requests, p50 / p99 ms: {parts or 'no clock in the answers'}"


#: The 503s of target mode by who answered them (the start of the reason), for the decomposition lines.
REFUSALS = {
    "predicted late (rule 1, or the batcher)": "503: shed: predicted latency over",
    "in-flight bound (rule 2)": "503: shed: more requests in flight",
    "expired (rule 3)": "503: shed: not answered within",
}


def refusal_line(result: LoadtestResult) -> str:
    counts = {name: sum(n for text, n in result.errors if text.startswith(start)) for name, start in REFUSALS.items()}
    return "      503s: " + ", ".join(f"{name} {count:,}" for name, count in counts.items())


def sweep(
    label: str, texts: list[str], capacity: float, seconds: float, loads: tuple[float, ...], **overrides: object
) -> dict[float, LoadtestResult]:
    out = {}
    with Served(**overrides) as served:
        load(served.url, texts, 50, 1.0)
        for share in loads:
            rate = max(1.0, share * capacity)
            out[share] = load(served.url, texts, rate, seconds, concurrency=CONNECTIONS, preconnect=CONNECTIONS)
            print(row(label, share, rate, out[share]), flush=True)
            if share in DECOMPOSED:
                print(timing_line(out[share]), flush=True)
            if out[share].by_status.get(503) and overrides.get("batching") == "target":
                print(refusal_line(out[share]), flush=True)
            time.sleep(0.5)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per load step")
    parser.add_argument("--target-p99-ms", type=float, default=100.0, help="X of the target policy")
    parser.add_argument("--guess", type=float, default=4000.0, help="offered rate that saturates the service")
    parser.add_argument(
        "--only",
        choices=("all", "target", "saturation", "light"),
        default="all",
        help="target: capacity, then the target sweep; saturation: capacity, then idle vs fixed at saturation; "
        "light: capacity, then idle vs --max-batch 1 at 5 and 25 %%",
    )
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="steps per policy in idle vs fixed at saturation")
    parser.add_argument("--repeat", type=int, default=1, help="with --only target: sweeps in a row")
    parser.add_argument("--capacity", type=float, default=0.0, help="answers/s at saturation (skips the probe)")
    args = parser.parse_args()
    texts = demo_texts(3000)
    print(
        f"batching benchmark: {psutil.cpu_count()} cores, loopback, load generator in this process, "
        f"{args.seconds:g} s per step"
    )

    if args.only == "target":
        capacity = args.capacity or saturation(texts, args.seconds + 2, args.guess, batching="idle")
        print(f"\n3. target mode at shares of capacity ({capacity:,.0f}/s), {args.repeat} sweeps")
        run_target(texts, capacity, args)
        return
    if args.only == "saturation":
        capacity = args.capacity or saturation(texts, args.seconds + 2, args.guess, batching="idle")
        print(f"\n2. idle vs fixed at saturation (capacity {capacity:,.0f}/s): one service, {args.rounds} steps each")
        ratios = print_pairs(saturation_pair(texts, args.seconds, capacity, rounds=args.rounds), capacity, args.seconds)
        print(f"   worst median idle/fixed {min(ratios):.2f}× (target ≥ 0.95×)")
        return
    if args.only == "light":
        capacity = args.capacity or saturation(texts, args.seconds + 2, args.guess, batching="idle")
        print(f"\n4. idle vs --max-batch 1 at light load (capacity {capacity:,.0f}/s): {args.rounds} steps each")
        print_light(light_pair(texts, args.seconds, capacity, rounds=args.rounds))
        return
    print("\n1. lone requests at idle, 0.3 s apart, from the first after /healthz said ok (ms)")
    for label, overrides in (
        ("defaults (idle, max batch 128, max delay 1000 ms)", {}),
        ("--max-batch 1", {"max_batch": 1}),
        ("--batching fixed", {"batching": "fixed"}),
    ):
        with Served(**overrides) as served:
            first, *rest = lone_requests(served.url, 11)
            print(
                f"   {label:<52} first {first:5.1f}, next 10: median {statistics.median(rest):5.1f}, "
                f"max {max(rest):5.1f} (target ≤ 20 with the defaults) · load avg {os.getloadavg()[0]:.2f}"
            )

    print(f"\n2. capacity (idle, offered {args.guess:,.0f}/s for {args.seconds + 2:g} s, doubled while it keeps up)")
    capacity = saturation(texts, args.seconds + 2, args.guess, batching="idle")
    print(f"   {capacity:,.0f}/s")
    print(f"   idle vs fixed at saturation: one service, policy switched live, alternating, {args.rounds} steps each")
    pairs = saturation_pair(texts, args.seconds, capacity, rounds=args.rounds)
    ratios = print_pairs(pairs, capacity, args.seconds)

    print(f"\n3. offered load as a share of capacity ({capacity:,.0f}/s)")
    print(
        f"   {'policy':<8} {'load':>7}  {'offered':>8}  {'answers/s':>9}  {'p50 ms':>7}  {'p99 ms':>8}  "
        f"{'srv p99':>8}  {'503s':>6}  {'gen lag':>7}  {'load':>5}  statuses"
    )
    x = args.target_p99_ms
    fixed = sweep("fixed", texts, capacity, args.seconds, LOADS, batching="fixed")
    idle = sweep("idle", texts, capacity, args.seconds, LOADS, batching="idle")
    target = sweep("target", texts, capacity, args.seconds, LOADS, batching="target", target_p99_ms=x)
    single = sweep("batch 1", texts, capacity, args.seconds, LOADS[:2], max_batch=1)

    print("\n4. checks")
    for share in LOADS[:2]:
        ratio = idle[share].p50_ms / single[share].p50_ms
        print(
            f"   idle p50 at {share * 100:.0f} %: {idle[share].p50_ms:.1f} ms vs max-batch-1 {single[share].p50_ms:.1f} ms"
            f" → {ratio:.2f}× (two services, minutes apart)"
        )
    print_light(light_pair(texts, args.seconds, capacity, rounds=args.rounds))
    sat_fixed = max(r.throughput_per_s for r in fixed.values())
    sat_idle = max(r.throughput_per_s for r in idle.values())
    print(
        f"   saturation throughput idle/fixed (step 2, same offered rates, one service): "
        f"{', '.join(f'{r:.2f}×' for r in ratios)} → worst {min(ratios):.2f}× (target ≥ 0.95×); "
        f"best of the sweeps (two services): idle {sat_idle:,.0f}/s vs fixed {sat_fixed:,.0f}/s → {sat_idle / sat_fixed:.2f}×"
    )
    target_checks(target, x, capacity)

    print("\n5. --ingress 1 vs 2 (idle, saturation)")
    one = saturation(texts, args.seconds + 2, args.guess, ingress=1)
    two = saturation(texts, args.seconds + 2, args.guess, ingress=2)
    print(f"   ingress 1: {one:,.0f}/s, ingress 2: {two:,.0f}/s → {two / one:.2f}×")


def run_target(texts: list[str], capacity: float, args: argparse.Namespace) -> None:
    """The target sweep alone, ``args.repeat`` times (a fresh service each), its checks after each."""
    for run in range(1, args.repeat + 1):
        x = args.target_p99_ms
        target = sweep("target", texts, capacity, args.seconds, LOADS, batching="target", target_p99_ms=x)
        target_checks(target, x, capacity, run)


def target_checks(target: dict[float, LoadtestResult], x: float, capacity: float, run: int = 0) -> None:
    worst = max(r.p99_ms for r in target.values())
    worst_srv = max(r.server_p99_ms for r in target.values())
    print(
        f"   {f'run {run}: ' if run else ''}target {x:g} ms: worst p99 of accepted requests {worst:.1f} ms at the client, {worst_srv:.1f} ms "
        f"inside the service → {'met' if worst <= x else 'NOT met'} at the client"
    )
    print(
        "   target's accepted answers/s (share of capacity): "
        + ", ".join(
            f"{share * 100:.0f} % {r.throughput_per_s:,.0f} ({r.throughput_per_s / capacity:.0%})"
            for share, r in target.items()
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
