"""Soak the inference service: steady load at ~60 % of capacity, a random stage SIGKILLed every ~20 s.

    python benchmarks/soak_serve.py --minutes 10 [--load 0.6] [--kill-every 20] [--sample-every 10]
        [--warmup 60] [--seed 3] [--capacity N]

Runs the service in this process (its owner loop in a thread, stages as spawn children, the serve
defaults except the model: the echo model with ``normalise_only`` preprocessing, so every answer
carries its own request's text and a mix-up is visible). First measures capacity for a few seconds
with the project's load generator (``engine/pipeline/loadtest.py``, far over capacity: the rate of
200s it gets), then offers ``--load`` × that rate, open loop (Poisson arrivals), each request
``{"text": "soak <n>"}``, and classifies every request it sent:

- ok: 200 whose answer echoes its own text with an id not seen before;
- mismatched: 200 with another request's text, or an id answered twice (target 0);
- error answer: an HTTP error status with a JSON body (500 from a dying stage, 503, 504);
- refused / reset: the connection was refused or dropped by the kernel (the ingress was killed);
- silent: no answer and no error within request timeout + 5 s (target 0); an error status without
  a JSON body is counted apart as a bare error (target 0).
Arrivals while `--concurrency` requests are open are not sent (counted as skipped at the cap).

Every ``--sample-every`` seconds prints, for the owner (this process, with the client) and every
stage: RSS, open file descriptors and threads (psutil), and the counts so far. At the end compares
the mean of the first three samples after ``--warmup`` with the mean of the last three: total RSS
and non-socket fds over all processes (target ≤ +5 %), and the owner's alone (stages are replaced
by the kills). Sockets are shown but not judged: they follow the open connections, which follow
the load and the ingress kills. Exit status 1 when a request was mismatched or silent, or was not
accounted for, or a judged figure grew by more than 5 %.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.pipeline import event_loop  # noqa: E402
from engine.pipeline.config import PipelineConfig  # noqa: E402
from engine.pipeline.http_client import KeepAliveClient  # noqa: E402
from engine.pipeline.load_tally import RecentIds  # noqa: E402
from engine.pipeline.loadtest import LoadtestConfig, run_loadtest  # noqa: E402
from tests.pipeline_support import running_service  # noqa: E402

GROWTH_LIMIT = 0.05


@dataclass
class Outcomes:
    sent: int = 0
    skipped_at_cap: int = 0
    ok: int = 0
    mismatched: int = 0
    errors_by_status: dict[int, int] = field(default_factory=dict)
    refused: int = 0
    reset: int = 0
    silent: int = 0
    #: An error status without the JSON body the service promises (counted apart, judged like silence).
    bare_errors: int = 0
    open: int = 0
    first_problems: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        if len(self.first_problems) < 8:
            self.first_problems.append(text)

    @property
    def error_answers(self) -> int:
        return sum(self.errors_by_status.values())

    @property
    def accounted(self) -> int:
        return (
            self.ok + self.mismatched + self.error_answers + self.refused + self.reset + self.silent + self.bare_errors
        )

    def line(self) -> str:
        errors = " ".join(f"{k}:{v}" for k, v in sorted(self.errors_by_status.items())) or "0"
        return (
            f"sent {self.sent} ok {self.ok} errors[{errors}] refused {self.refused} reset {self.reset} "
            f"silent {self.silent} bare-errors {self.bare_errors} mismatched {self.mismatched} open {self.open}"
        )


@dataclass(frozen=True)
class ProcessSample:
    rss_mb: float
    fds: int
    #: Descriptors that are not sockets (pipes, semaphores, files): what a leak would grow.
    #: Sockets follow the open connections, which follow the load and the ingress kills.
    other_fds: int
    threads: int


def _sockets(pid: int) -> int:
    """Open sockets of ``pid`` (Linux: from /proc/PID/fd; elsewhere psutil's TCP connections), counted
    whatever their state: a socket still connecting or already reset is no TCP connection to psutil."""
    try:
        return sum(os.readlink(entry).startswith("socket:") for entry in Path(f"/proc/{pid}/fd").iterdir())
    except FileNotFoundError:
        return len(psutil.Process(pid).net_connections(kind="tcp"))
    except OSError:  # an fd closed while we listed them
        return 0


def sample_process(pid: int) -> ProcessSample | None:
    try:
        process = psutil.Process(pid)
        with process.oneshot():
            fds = process.num_fds()
            return ProcessSample(process.memory_info().rss / 2**20, fds, fds - _sockets(pid), process.num_threads())
    except psutil.Error:  # it was just killed
        return None


class Soak:
    def __init__(self, running, rate: float, args: argparse.Namespace) -> None:
        self.running = running
        self.rate = rate
        self.args = args
        self.rng = random.Random(args.seed)
        self.outcomes = Outcomes()
        self.samples: list[tuple[float, dict[str, ProcessSample]]] = []
        self.kills: list[tuple[float, str]] = []
        self.timeout_s = running.service.config.request_timeout_s + 5.0
        # Ids of recent answers only (a repeat can only come while its request is open): the
        # client's own memory stays flat, or it would show up in the owner's RSS.
        self.ids = RecentIds(window_s=2 * self.timeout_s)

    async def one(self, client: KeepAliveClient, n: int) -> None:
        out = self.outcomes
        text = f"soak {n}"
        try:
            status, body = await client.post(json.dumps({"text": text}).encode(), self.timeout_s)
        except TimeoutError:  # (a subclass of OSError: caught first)
            out.silent += 1
            out.note(f"silent: request {n}")
        except ConnectionRefusedError:
            out.refused += 1
        except OSError:
            out.reset += 1
        else:
            try:
                answer = json.loads(body)
            except ValueError:
                answer = None
            if status == 200:
                echo = answer.get("answer", {}).get("echo") if isinstance(answer, dict) else None
                if echo != text or self.ids.seen_before(answer["id"]):
                    out.mismatched += 1
                    out.note(f"mismatched: sent {text!r}, got {body[:120]!r}")
                else:
                    out.ok += 1
            elif isinstance(answer, dict) and "error" in answer:
                out.errors_by_status[status] = out.errors_by_status.get(status, 0) + 1
            else:
                out.bare_errors += 1
                out.note(f"status {status} without a JSON error body: {body[:120]!r}")
        finally:
            out.open -= 1

    def sample(self, t: float) -> None:
        found: dict[str, ProcessSample] = {}
        owner = sample_process(os.getpid())
        if owner is not None:
            found["owner+client"] = owner
        for role, pid in sorted(self.running.service.pids().items()):
            got = sample_process(pid)
            if got is not None:
                found[role] = got
        self.samples.append((t, found))
        cells = "  ".join(
            f"{role} {s.rss_mb:.0f}MB/{s.fds}({s.other_fds})fd/{s.threads}th" for role, s in found.items()
        )
        total_rss = sum(s.rss_mb for s in found.values())
        total_fds = sum(s.fds for s in found.values())
        other_fds = sum(s.other_fds for s in found.values())
        print(
            f"t={t:5.0f}s  {self.outcomes.line()}  lost_items {self.running.service.lost_items}\n"
            f"         total {total_rss:.0f}MB {total_fds}({other_fds} not sockets)fd | {cells}",
            flush=True,
        )

    def kill_one(self, t: float) -> None:
        pids = self.running.service.pids()
        if not pids:
            return
        role = self.rng.choice(sorted(pids))
        try:
            os.kill(pids[role], signal.SIGKILL)
        except ProcessLookupError:
            return
        self.kills.append((t, role))
        print(f"t={t:5.0f}s  SIGKILL {role} (pid {pids[role]})", flush=True)

    async def run(self) -> None:
        args, out = self.args, self.outcomes
        client = KeepAliveClient(self.running.url + "/v1/predict", limit=args.concurrency)
        tasks: set[asyncio.Task] = set()
        started = time.monotonic()
        end = started + args.minutes * 60.0
        next_arrival = next_sample = started
        next_kill = started + self.rng.uniform(0.75, 1.25) * args.kill_every
        n = 0
        try:
            while (now := time.monotonic()) < end:
                while next_arrival <= now:
                    if out.open < args.concurrency:
                        out.open += 1
                        out.sent += 1
                        n += 1
                        task = asyncio.create_task(self.one(client, n))
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
                    else:
                        out.skipped_at_cap += 1
                    next_arrival += self.rng.expovariate(self.rate)
                if now >= next_sample:
                    self.sample(now - started)
                    next_sample += args.sample_every
                if now >= next_kill:
                    self.kill_one(now - started)
                    next_kill += self.rng.uniform(0.75, 1.25) * args.kill_every
                await asyncio.sleep(max(0.001, min(next_arrival, next_sample, next_kill) - time.monotonic()))
            if tasks:  # every request sent gets its outcome: the client timeout bounds the wait
                await asyncio.wait(tasks, timeout=self.timeout_s + 5.0)
            self.sample(time.monotonic() - started)
        finally:
            client.close()


def measure_capacity(url: str, seconds: float) -> float:
    """Answers/s the service gives when offered far more than it can take (the load generator's 200s)."""
    result = run_loadtest(
        LoadtestConfig(url + "/v1/predict", rate_per_s=20_000.0, duration_s=seconds, concurrency=256, timeout_s=15.0)
    )
    print(f"capacity: {result.describe()}", flush=True)
    return result.throughput_per_s


def growth(samples: list[tuple[float, dict[str, ProcessSample]]], warmup_s: float, pick) -> tuple[float, float]:
    """Mean of ``pick`` over the first three samples after warm-up and over the last three."""
    after = [s for t, s in samples if t >= warmup_s] or [s for _, s in samples]
    head, tail = after[:3], after[-3:]
    mean = lambda group: sum(pick(s) for s in group) / len(group)  # noqa: E731
    return mean(head), mean(tail)


def report(soak: Soak, args: argparse.Namespace, capacity: float) -> int:
    out = soak.outcomes
    print(
        f"\n{args.minutes:g} min at {soak.rate:,.0f} req/s ({args.load:.0%} of {capacity:,.0f}/s measured), "
        f"{len(soak.kills)} SIGKILLs: " + ", ".join(f"{role}@{t:.0f}s" for t, role in soak.kills)
    )
    print(out.line() + f", skipped at the concurrency cap {out.skipped_at_cap}")
    print(
        f"every request accounted for: {out.accounted == out.sent} ({out.accounted} of {out.sent}); "
        f"service says {soak.running.service.lost_items} items were answered with an error by a dying stage"
    )
    failed = out.mismatched > 0 or out.silent > 0 or out.bare_errors > 0 or out.accounted != out.sent
    figures = [
        ("total RSS MB", lambda s: sum(p.rss_mb for p in s.values())),
        ("total fds", lambda s: sum(p.fds for p in s.values())),
        ("non-socket fds", lambda s: sum(p.other_fds for p in s.values())),
        ("total threads", lambda s: sum(p.threads for p in s.values())),
        ("owner RSS MB", lambda s: s["owner+client"].rss_mb if "owner+client" in s else 0.0),
        ("owner non-socket fds", lambda s: s["owner+client"].other_fds if "owner+client" in s else 0),
    ]
    judged = ("total RSS MB", "non-socket fds", "owner RSS MB", "owner non-socket fds")
    for name, pick in figures:
        first, last = growth(soak.samples, args.warmup, pick)
        change = (last - first) / first if first else 0.0
        verdict = ("ok" if change <= GROWTH_LIMIT else "OVER +5 %") if name in judged else "(shown)"
        print(f"{name:>20}: {first:8.1f} after warm-up → {last:8.1f} at the end ({change:+.1%}) {verdict}")
        if verdict.startswith("OVER"):
            failed = True
    for line in out.first_problems:
        print("  ", line)
    print("PASS" if not failed else "FAIL")
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--load", type=float, default=0.6, help="fraction of the measured capacity to offer")
    parser.add_argument("--capacity", type=float, default=0.0, help="answers/s; skips the measurement")
    parser.add_argument("--capacity-seconds", type=float, default=6.0)
    parser.add_argument("--kill-every", type=float, default=20.0, help="mean seconds between SIGKILLs")
    parser.add_argument("--sample-every", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=60.0, help="seconds before the RSS/fd baseline")
    parser.add_argument("--concurrency", type=int, default=512)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    defaults = PipelineConfig()
    with running_service(max_delay_ms=defaults.max_delay_ms, preprocess_workers=defaults.preprocess_workers) as running:
        running.service.supervisor.max_restarts = 10**6  # every stage may die many times over
        capacity = args.capacity or measure_capacity(running.url, args.capacity_seconds)
        time.sleep(2.0)  # let the overload's 503s and queues settle before the soak starts
        soak = Soak(running, max(1.0, capacity * args.load), args)
        print(
            f"soak: {soak.rate:,.0f} req/s for {args.minutes:g} min, SIGKILL every ~{args.kill_every:g} s", flush=True
        )
        event_loop.run(soak.run())
        return report(soak, args, capacity)


if __name__ == "__main__":
    sys.exit(main())
