"""Kill pipeline stages at random under load and check that the service comes back every time.

    python benchmarks/stress_pipeline_kills.py [--cycles 80] [--seed 5]

Runs the service in this process (echo model, 20 ms max delay) with 8 client threads posting all
along. Each cycle waits a random 0.05–0.4 s, SIGKILLs one stage chosen at random (preprocess,
receiver, batcher, predictor or ingress), then requires, within 30 s, that the stage has a new pid
and that a fresh request is answered 200. Prints each cycle that does not recover, with the last
events and every stage's state, and a total "N kill cycles, M stalls" line.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.pipeline_support import post, running_service  # noqa: E402

ROLES = ("preprocess-0", "receiver-0", "batcher", "predictor-0", "ingress")


def recovered(running, role: str, victim: int, cycle: int) -> tuple[bool, int | None]:
    """(restarted, status of a fresh request) after ``victim`` (``role``) was killed."""
    restarted = running.wait_for(lambda: running.service.pids().get(role) not in (None, victim), timeout=20)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            reply = post(running.url, {"text": f"after {role} {cycle}"}, timeout=10)
            if reply.status == 200:
                return restarted, 200
        except OSError:  # the ingress is coming back
            time.sleep(0.1)
    return restarted, None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cycles", type=int, default=80)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    stalls = 0
    with running_service(max_delay_ms=20.0) as running:
        running.service.supervisor.max_restarts = args.cycles + 1  # every stage may die every cycle
        stop = threading.Event()

        def background() -> None:
            while not stop.is_set():
                try:
                    post(running.url, {"text": "background"}, timeout=5)
                except OSError:
                    stop.wait(0.05)

        clients = [threading.Thread(target=background, daemon=True) for _ in range(8)]
        for client in clients:
            client.start()
        started = time.monotonic()
        for cycle in range(args.cycles):
            role = rng.choice(ROLES)
            victim = running.service.pids()[role]
            time.sleep(rng.uniform(0.05, 0.4))
            os.kill(victim, signal.SIGKILL)
            restarted, status = recovered(running, role, victim, cycle)
            if not (restarted and status == 200):
                stalls += 1
                print(f"cycle {cycle}: {role} did not recover (restarted: {restarted}, answer: {status})")
                for event in running.events[-12:]:
                    print("   ", event)
                for managed in running.service.supervisor.processes:
                    print(
                        f"    {managed.role}: pid {managed.pid}, exit code {managed.process.exitcode}, "
                        f"{managed.restarts} restarts"
                    )
                break
        stop.set()
    print(f"{cycle + 1} kill cycles in {time.monotonic() - started:.0f} s, {stalls} stalls")


if __name__ == "__main__":
    main()
