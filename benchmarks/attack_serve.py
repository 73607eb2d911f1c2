"""Well-behaved clients' latency, quiet and under attack (issue 10, item 4).

    python benchmarks/attack_serve.py [--seconds 8] [--rate 50] [--slowloris 300] [--idle 2000]
                                      [--runs 1] [--no-defer-accept]

One service on a free loopback port with the defaults (header/body timeouts, connection limit,
TCP_DEFER_ACCEPT on Linux; ``--no-defer-accept`` measures what other systems get).
Well-behaved clients: the open-loop load generator (Poisson, ``--rate`` requests/s, keep-alive),
measured twice: quiet, then while an attacker process runs

- slowloris: ``--slowloris`` connections sending a request head one byte per second each;
- idle keep-alive: ``--idle`` connections that never send anything, reopened when closed;
- junk: every 50 ms a malformed JSON body, a 10 MB declared body, an endless chunked body.

The attacker is one process with one event loop (uvloop where installed) for all its connections,
so that its own CPU (printed) takes as little as it can from the service on a small machine.

Prints p50/p99 of the well-behaved clients in both phases, their ratio (target ≤ 2×), their
non-200 answers, and what the service did to the attackers (from /healthz). Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import urllib.request
from asyncio import StreamReader, StreamWriter
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_pipeline import Served, load  # noqa: E402

from engine.context import SPAWN  # noqa: E402
from engine.pipeline import event_loop  # noqa: E402
from engine.pipeline.loadtest import demo_texts  # noqa: E402

JUNK = (
    b"POST /v1/predict HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\n{not json",
    b"POST /v1/predict HTTP/1.1\r\nHost: a\r\nContent-Length: 10485760\r\n\r\n" + b"x" * 65536,
    b"POST /v1/predict HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
)


async def _attack(port: int, slowloris: int, idle: int, seconds: float) -> dict[str, int]:
    counts = {"connections_opened": 0, "closed_by_service": 0, "junk_sent": 0}
    end = time.monotonic() + seconds

    async def keep_connecting(hold: Callable[[StreamReader, StreamWriter], Awaitable[None]], pause_s: float) -> None:
        """Connect, ``hold`` the connection, close it, wait ``pause_s`` and again, until the end (a
        refused connect is tried again after 0.2 s): what a bot does that keeps coming back."""
        while time.monotonic() < end:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.2)
                continue
            counts["connections_opened"] += 1
            await hold(reader, writer)
            writer.close()
            if pause_s:
                await asyncio.sleep(pause_s)

    async def wait_to_be_closed(reader: StreamReader, writer: StreamWriter) -> None:
        try:
            await asyncio.wait_for(reader.read(), max(0.1, end - time.monotonic()))
            counts["closed_by_service"] += 1
        except (TimeoutError, OSError):
            pass

    head = b"POST /v1/predict HTTP/1.1\r\nHost: a\r\n" + b"X-Slow: " + b"s" * 10_000

    async def send_head_slowly(reader: StreamReader, writer: StreamWriter) -> None:
        try:
            for i in range(len(head)):
                if time.monotonic() >= end or reader.at_eof() or writer.is_closing():
                    break
                writer.write(head[i : i + 1])
                await writer.drain()
                await asyncio.sleep(1.0)
            counts["closed_by_service"] += reader.at_eof() or writer.is_closing()
        except (OSError, RuntimeError):  # RuntimeError: uvloop's write on a transport just closed
            counts["closed_by_service"] += 1

    async def junk() -> None:
        i = 0
        while time.monotonic() < end:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(JUNK[i % len(JUNK)])
                await writer.drain()
                await asyncio.wait_for(reader.read(4096), 15)
                writer.close()
                counts["junk_sent"] += 1
            except (TimeoutError, OSError):
                pass
            i += 1
            await asyncio.sleep(0.05)

    tasks = (
        [keep_connecting(wait_to_be_closed, 0.5) for _ in range(idle)]
        + [keep_connecting(send_head_slowly, 0.0) for _ in range(slowloris)]
        + [junk() for _ in range(3)]
    )
    await asyncio.gather(*tasks)
    return counts


def attacker_main(port: int, slowloris: int, idle: int, seconds: float, out: object) -> None:
    """Process target: the attack, in a process of its own (its CPU is not the clients')."""
    counts = event_loop.run(_attack(port, slowloris, idle, seconds))
    counts["cpu_ms"] = round(time.process_time() * 1000)
    out.put(counts)  # type: ignore[attr-defined]


def health(url: str) -> dict:
    with urllib.request.urlopen(url.removesuffix("/v1/predict") + "/healthz", timeout=5) as response:
        return json.loads(response.read())


def attacked_run(served: Served, args: argparse.Namespace, texts: list[str]) -> tuple[float, dict]:
    """One quiet phase then one attacked phase on ``served``: prints both, returns (p99 ratio, attacker's counts)."""
    load_before = os.getloadavg()[0]
    quiet = load(served.url, texts, args.rate, args.seconds, concurrency=256)
    results = SPAWN.Queue()
    attacker = SPAWN.Process(
        target=attacker_main,
        name="attacker",
        args=(served.service.config.port, args.slowloris, args.idle, args.seconds + 4.0, results),
    )
    attacker.start()
    try:
        time.sleep(3.0)  # let the attack build up before measuring
        attacked = load(served.url, texts, args.rate, args.seconds, concurrency=256)
        counts = results.get(timeout=args.seconds + 60)
    finally:
        attacker.join(timeout=30)
        if attacker.is_alive():
            attacker.kill()
            attacker.join()
    ratio = attacked.p99_ms / quiet.p99_ms if quiet.p99_ms else float("inf")
    for label, result in (("quiet", quiet), ("under attack", attacked)):
        errors = {k: v for k, v in result.by_status.items() if k != 200}
        print(
            f"  {label:<13} p50 {result.p50_ms:7.1f} ms  p99 {result.p99_ms:7.1f} ms  answered 200: "
            f"{result.by_status.get(200, 0)}/{result.sent}  other: {errors or 'none'}"
        )
    print(
        f"  p99 under attack / quiet: {ratio:.2f}× (target ≤ 2×) {'OK' if ratio <= 2 else 'OVER TARGET'}  "
        f"load average {load_before:.2f} → {os.getloadavg()[0]:.2f}"
    )
    return ratio, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rate", type=float, default=50.0, help="well-behaved requests per second")
    parser.add_argument("--slowloris", type=int, default=300)
    parser.add_argument("--idle", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=1, help="quiet/attack pairs on one service (best, median)")
    parser.add_argument(
        "--no-defer-accept", dest="defer_accept", action="store_false", help="the service's --no-defer-accept"
    )
    args = parser.parse_args()
    texts = demo_texts(2000)
    print(f"well-behaved clients, {args.rate:g} req/s for {args.seconds:g} s each phase")
    ratios = []
    with Served(defer_accept=args.defer_accept) as served:
        load(served.url, texts, args.rate, 1.0)  # warm up
        for run in range(args.runs):
            if run:
                time.sleep(2.0)  # the last attack's connections close
            print(f"run {run + 1}/{args.runs}")
            ratio, counts = attacked_run(served, args, texts)
            ratios.append(ratio)
        seen = health(served.url)
    if args.runs > 1:
        print(f"p99 ratio over {args.runs} runs: best {min(ratios):.2f}×, median {statistics.median(ratios):.2f}×")
    print(
        f"attack: {args.slowloris} slowloris + {args.idle} idle keep-alive connections + junk bodies "
        f"(TCP_DEFER_ACCEPT {'on' if args.defer_accept else 'off'}); attacker saw (last run) {counts}"
    )
    print(
        f"service: {seen.get('connections')} open connections at the end, {seen.get('head_timeouts')} head "
        f"timeouts (408), {seen.get('idle_connections_closed')} idle connections closed to make room, "
        f"{seen.get('connections_refused')} refused (503)"
    )


if __name__ == "__main__":
    main()
