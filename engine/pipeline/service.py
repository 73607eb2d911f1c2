"""The service: owns every stage process and queue of one run, supervises them, stops them in order.

Data flow (every stage its own spawn process under one ``Supervisor``, restart=True)::

    ingress k ─► preprocess_in[i] ─► preprocess i ─► receiver_in ─► receiver k ─► batcher_in ─► batcher
       ▲                                  │ (failures)                                          │
       │                                  ▼                                                     ▼
       └────────────── results[k] ◄───────┴──────────── predictor j ◄──────── predictor_in ◄────┘
                            ▲     (one per ingress; the item id names k)   batcher sheds (target) ─┘
                            └── Lost(ids) sent here when a stage dies holding items (its HoldingSlot)

``--ingress N`` runs N ingress processes on one port: with SO_REUSEPORT (Linux, the BSDs, macOS)
each binds its own socket and the kernel spreads new connections over them; where the OS has no
SO_REUSEPORT (Windows) the service binds one listening socket and hands it to every ingress at
spawn, and they accept from it in turn.

Who runs it: ``run_pipeline(config, ctx)`` is the job function — in the CLI (``serve``) the
calling process is the owner; in the GUI a ``JobRun`` coordinator process is. The owner's loop
polls the supervisor (deaths → restart + error answers for the dead stage's items) and sends a
"service" snapshot with the depth of every hop.

Stop drains in stages, each bounded by ``drain_timeout_s`` overall: the ingress stops admitting
and sends END_OF_STREAM to the preprocess queues; when those workers are gone the service sends
END to the receivers, then to the batcher (which flushes what it holds), then to the predictors,
and finally to the ingress through the results queue. Whatever is still alive after that is
terminated, then killed, by the supervisor; no process is left behind.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Mapping
from typing import Any

from engine.context import Cancelled, JobContext
from engine.pipeline.batcher import batcher_main
from engine.pipeline.config import PipelineConfig, is_loopback
from engine.pipeline.ingress import LISTEN_BACKLOG, ingress_main, ingress_role
from engine.pipeline.log_lines import lock_params, starting_params
from engine.pipeline.messages import END_OF_STREAM, make_lost
from engine.pipeline.predictor import predictor_main
from engine.pipeline.preprocess import preprocess_main
from engine.pipeline.receiver import receiver_main
from engine.pipeline.stage import BatchControl, PipelineWiring, ingress_of
from engine.status import WorkerExited, describe_exitcode
from engine.supervisor import ManagedProcess, Supervisor

#: A queue lock still taken after this long, after its user died, is the dead process's.
ORPHAN_LOCK_WAIT_S = 0.2


def find_free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (the OS picks it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def check_port_free(host: str, port: int) -> None:
    """Raise OSError with a clear message when ``host:port`` cannot be bound."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise OSError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def check_plugins(config: PipelineConfig) -> None:
    """Fail fast, with the reason, on what would otherwise make a stage crash and restart in a loop.

    Only locates the plug-in modules (``find_spec``): importing them here could be slow (a real
    model's framework) and is the predictor's business.
    """
    import importlib.util

    for option, spec in (("--model", config.model), ("--preprocess", config.preprocess)):
        module_name, sep, attr = spec.partition(":")
        if not sep or not module_name or not attr:
            raise ValueError(f"{option}: expected 'package.module:function', got {spec!r}")
        try:
            found = importlib.util.find_spec(module_name)
        except (ImportError, ValueError):
            found = None
        if found is None:
            raise ValueError(f"{option}: no module named {module_name!r}")
    if config.index_dir is not None:
        from engine.output_folder import dialogue_train_file

        try:
            dialogue_train_file(config.index_dir)
        except FileNotFoundError as exc:
            raise ValueError(f"--index: {exc}") from None


class PipelineService:
    """One run of the inference service; ``start`` / ``poll`` / ``stop`` for any owner loop."""

    def __init__(self, config: PipelineConfig, ctx: JobContext, control: BatchControl | None = None) -> None:
        if config.port == 0:
            from dataclasses import replace

            config = replace(config, port=find_free_port(config.host))
        self.config = config
        self.ctx = ctx
        self.wiring = PipelineWiring.create(config, control)
        self.supervisor = Supervisor(ctx, relay_status=True)  # a killed stage cannot wedge status
        self.supervisor.on_exit.append(self._on_exit)
        self.reporter = ctx.reporter("service", "0")
        self.lost_items = 0
        self.listener: Any = None
        self.started_at = 0.0

    @property
    def url(self) -> str:
        return self.config.url

    # -- starting -----------------------------------------------------------------------------------
    def start(self) -> PipelineService:
        config, ctx, wiring = self.config, self.ctx, self.wiring
        check_plugins(config)
        check_port_free(config.host, config.port)
        if not is_loopback(config.host):
            ctx.log_coded("warning", "beyond_loopback", host=config.host)
        self.started_at = time.time()
        start = self.supervisor.start
        # Predictors first: building the model is the slowest start.
        for j in range(config.replicas):
            start(f"predictor-{j}", predictor_main, (ctx, config, wiring, j), restart=True)
        start("batcher", batcher_main, (ctx, config, wiring), restart=True)
        for k in range(config.receivers):
            start(f"receiver-{k}", receiver_main, (ctx, config, wiring, k), restart=True)
        for i in range(config.preprocess_workers):
            start(f"preprocess-{i}", preprocess_main, (ctx, config, wiring, i), restart=True)
        listener = shared_listener(config)
        for k in range(config.ingress):
            start(ingress_role(config, k), ingress_main, (ctx, config, wiring, k, listener), restart=True)
        self.listener = listener  # kept open: a restarted ingress is handed it again
        ctx.log_coded("info", "pipeline_starting", **starting_params(config))
        return self

    # -- watching -----------------------------------------------------------------------------------
    def _on_exit(self, managed: ManagedProcess, event: WorkerExited) -> None:
        """A stage ended: if it died, answer the requests it held with an error right away."""
        if event.expected:
            return
        self._release_orphaned_locks(managed.role)
        slot = self.wiring.slots.get(managed.role)
        item_ids = slot.read() if slot is not None else []
        if slot is not None:
            slot.clear()
        if managed.role.startswith("ingress"):
            self.ctx.log_coded("warning", "ingress_died", **event.as_params())
            return
        if managed.role.startswith("predictor-"):
            self.wiring.replicas.release(int(managed.role.split("-")[1]))  # not free until rebuilt
        reason = f"{managed.role} died ({describe_exitcode(event.exitcode)}) while holding this request; retry"
        if item_ids:
            self.lost_items += len(item_ids)
            by_ingress: dict[int, list[int]] = {}
            for item_id in item_ids:
                by_ingress.setdefault(ingress_of(item_id), []).append(item_id)
            for index, ids in by_ingress.items():
                try:
                    self.wiring.results[min(index, len(self.wiring.results) - 1)].put(
                        make_lost(ids, reason), timeout=1.0
                    )
                except Exception:  # results full for a whole second: the per-request timeout answers them
                    self.ctx.log_coded("error", "lost_not_reported", count=len(ids), worker=managed.role)
        self.ctx.log_coded("warning", "stage_died", count=len(item_ids), **event.as_params())

    def _hops_of(self, role: str) -> tuple[list[Any], list[Any]]:
        """(queues ``role`` reads, queues it writes)."""
        w = self.wiring
        if role.startswith("preprocess-"):
            return [w.preprocess_in[int(role.split("-")[1])]], [w.receiver_in, *w.results]
        if role.startswith("receiver-"):
            return [w.receiver_in], [w.batcher_in]
        if role == "batcher":
            return [w.batcher_in], [w.predictor_in, *w.results]  # results: what it sheds
        if role.startswith("predictor-"):
            return [w.predictor_in], list(w.results)
        if role.startswith("ingress"):
            index = int(role.split("-")[1]) if "-" in role else 0
            return [w.results[index]], list(w.preprocess_in)
        return [], []

    def _release_orphaned_locks(self, role: str) -> None:
        """Free the queue locks a killed stage may have died holding (``CountingQueue`` says how;
        observed: a SIGKILLed batcher left the predictor queue's writer lock taken about one time
        in seven, and every peer then blocked on it)."""
        reads, writes = self._hops_of(role)
        for q in {id(q): q for q in reads + writes}.values():
            for name in q.release_orphaned_locks(reader=q in reads, writer=q in writes, wait_s=ORPHAN_LOCK_WAIT_S):
                self.ctx.log_coded("warning", "lock_released", worker=role, **lock_params(name))

    def poll(self, timeout: float = 0.0) -> None:
        """Reap/restart dead stages (bounded by ``timeout``) and report the depth of every hop."""
        self.supervisor.poll(timeout)
        self._report()
        for managed in self.supervisor.processes:
            if (
                managed.process.exitcode not in (None, 0)
                and managed.restarts >= self.supervisor.max_restarts
                and not self.supervisor.stopping
            ):
                raise RuntimeError(
                    f"{managed.role} keeps failing ({describe_exitcode(managed.process.exitcode)}"
                    f" after {managed.restarts} restarts); see the log"
                )

    def _report(self, force: bool = False) -> None:
        rep = self.reporter
        for hop, depth in self.wiring.depths().items():
            rep.set_counter(f"depth_{hop}", depth)
        for hop, bound in self.wiring.bounds().items():
            rep.set_counter(f"bound_{hop}", bound)
        rep.set_counter("replicas_ready", self.wiring.replicas_ready())
        rep.set_counter("restarts", sum(m.restarts for m in self.supervisor.processes))
        rep.set_counter("lost_items", self.lost_items)
        rep.set_counter("max_batch", self.wiring.control.max_batch)
        rep.set_counter("max_delay_ms", self.wiring.control.max_delay_ms)
        rep.flush() if force else rep.tick()

    def ready(self) -> bool:
        return self.wiring.ready()

    def pids(self) -> dict[str, int]:
        return {m.role: m.pid for m in self.supervisor.processes if m.process.exitcode is None and m.pid}

    # -- stopping -----------------------------------------------------------------------------------
    def _wait_roles(self, prefix: str, deadline: float) -> bool:
        while time.monotonic() < deadline:
            if not any(m.role.startswith(prefix) for m in self.supervisor.alive()):
                return True
            self.supervisor.poll(0.05)
        return False

    def _send_end(self, q: Any, count: int, deadline: float) -> None:
        for _ in range(count):
            try:
                q.put(END_OF_STREAM, timeout=max(0.05, deadline - time.monotonic()))
            except Exception:
                return

    def stop(self) -> list[WorkerExited]:
        """Drain in stages, then make sure nothing is left (blocking, bounded)."""
        config, wiring = self.config, self.wiring
        if self.ctx.stop_event is not None:
            self.ctx.stop_event.set()  # the ingress stops admitting and ends the preprocess queues
        deadline = time.monotonic() + config.drain_timeout_s
        self._wait_roles("preprocess", deadline)
        self._send_end(wiring.receiver_in, config.receivers, deadline)
        self._wait_roles("receiver", deadline)
        self._send_end(wiring.batcher_in, 1, deadline)
        self._wait_roles("batcher", deadline)
        self._send_end(wiring.predictor_in, config.replicas, deadline)
        self._wait_roles("predictor", deadline)
        for results in wiring.results:
            self._send_end(results, 1, deadline + 1.0)
        self._wait_roles("ingress", deadline + 1.0)
        leftovers = [m.role for m in self.supervisor.alive()]
        if leftovers:
            self.ctx.log_coded("warning", "stages_left_after_drain", stages=", ".join(leftovers), roles=leftovers)
        exits = self.supervisor.stop(grace_s=0.5, terminate_s=1.0)
        if self.listener is not None:
            self.listener.close()
        self._report(force=True)
        return exits

    def summary(self) -> Mapping[str, Any]:
        return {
            "url": self.url,
            "uptime_s": round(time.time() - self.started_at, 3) if self.started_at else 0.0,
            "restarts": sum(m.restarts for m in self.supervisor.processes),
            "lost_items": self.lost_items,
            "unexpected_exits": sum(1 for e in self.supervisor.exits if not e.expected),
        }


def run_pipeline(config: PipelineConfig, ctx: JobContext, control: BatchControl | None = None) -> Mapping[str, Any]:
    """The job function: serve until Stop (the job's stop event, Ctrl-C), then drain and end."""
    service = PipelineService(config, ctx, control)
    service.start()
    try:
        while not ctx.stop_requested():
            service.poll(0.1)
    except (KeyboardInterrupt, Cancelled):
        pass
    finally:
        service.stop()
    return service.summary()


def shared_listener(config: PipelineConfig) -> socket.socket | None:
    """The fallback of ``--ingress N`` where the OS has no SO_REUSEPORT: one listening socket, bound
    here and handed to every ingress at spawn. None when it is not needed (one ingress, or each
    ingress binds its own SO_REUSEPORT socket)."""
    if config.ingress == 1 or hasattr(socket, "SO_REUSEPORT"):
        return None
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((config.host, config.port))
    listener.listen(LISTEN_BACKLOG)
    listener.set_inheritable(True)
    return listener
