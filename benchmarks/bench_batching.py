"""Batching policies under one load generator: fixed vs idle vs target, from 5 % to 150 % of capacity.

    python benchmarks/bench_batching.py [--seconds 3] [--target-p99-ms 100]

Prints, in one run (loopback, a free port, the default model, the load generator in this process,
its ``CONNECTIONS`` connections opened and warmed before each step's clock starts, as wrk2 does;
latencies at the client from the write of a request to its whole answer, the generator's own lag
printed apart):
 1. lone requests at idle with the defaults (target ≤ 20 ms), ``--max-batch 1`` and ``fixed``: the
    first request after the service said ready (``/healthz`` ok) apart from the next ten;
 2. capacity: the saturation throughput of ``fixed`` and ``idle`` (offered a first guess, doubled
    while the service keeps up);
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


def row(label: str, share: float, rate: float, result: LoadtestResult) -> str:
    shed = result.by_status.get(503, 0)
    return (
        f"   {label:<8} {share * 100:>5.0f} %  {rate:>8,.0f}  {result.throughput_per_s:>9,.0f}  {result.p50_ms:>7.1f}"
        f"  {result.p99_ms:>8.1f}  {result.server_p99_ms:>8.1f}  {shed:>6}  {result.client_lag_p99_ms:>7.1f}"
        f"  {os.getloadavg()[0]:>5.2f}  {statuses(result)}"
    )


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
            time.sleep(0.5)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per load step")
    parser.add_argument("--target-p99-ms", type=float, default=100.0, help="X of the target policy")
    parser.add_argument("--guess", type=float, default=4000.0, help="offered rate that saturates the service")
    args = parser.parse_args()
    texts = demo_texts(3000)
    print(
        f"batching benchmark: {psutil.cpu_count()} cores, loopback, load generator in this process, "
        f"{args.seconds:g} s per step"
    )

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

    print(f"\n2. capacity (offered {args.guess:,.0f}/s for {args.seconds + 2:g} s, doubled while it keeps up)")
    cap_fixed = saturation(texts, args.seconds + 2, args.guess, batching="fixed")
    cap_idle = saturation(texts, args.seconds + 2, args.guess, batching="idle")
    capacity = max(cap_fixed, cap_idle)
    print(
        f"   fixed {cap_fixed:,.0f}/s, idle {cap_idle:,.0f}/s → capacity {capacity:,.0f}/s; "
        f"idle/fixed {cap_idle / cap_fixed:.2f} (target ≥ 0.95)"
    )

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
            f" → {ratio:.2f}× (target ≤ 1.2×)"
        )
    sat_fixed = max(r.throughput_per_s for r in fixed.values())
    sat_idle = max(r.throughput_per_s for r in idle.values())
    print(
        f"   saturation throughput: idle {sat_idle:,.0f}/s vs fixed {sat_fixed:,.0f}/s → {sat_idle / sat_fixed:.2f}× "
        f"(target ≥ 0.95×)"
    )
    worst = max(r.p99_ms for r in target.values())
    worst_srv = max(r.server_p99_ms for r in target.values())
    print(
        f"   target {x:g} ms: worst p99 of accepted requests {worst:.1f} ms at the client, {worst_srv:.1f} ms "
        f"inside the service → {'met' if worst <= x else 'NOT met'} at the client"
    )
    print(
        "   target's accepted answers/s (share of capacity): "
        + ", ".join(
            f"{share * 100:.0f} % {r.throughput_per_s:,.0f} ({r.throughput_per_s / capacity:.0%})"
            for share, r in target.items()
        )
    )

    print("\n5. --ingress 1 vs 2 (idle, saturation)")
    one = saturation(texts, args.seconds + 2, args.guess, ingress=1)
    two = saturation(texts, args.seconds + 2, args.guess, ingress=2)
    print(f"   ingress 1: {one:,.0f}/s, ingress 2: {two:,.0f}/s → {two / one:.2f}×")


if __name__ == "__main__":
    main()
