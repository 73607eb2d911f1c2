"""``mpwatch serve [--host 127.0.0.1] [--port 8000] …``: run the inference service until Ctrl-C.

The service's owner runs in this process; its stages are children. Ctrl-C (SIGINT, which the
stages ignore) makes the owner drain the stages in order and end every process.
"""

from __future__ import annotations

import argparse
import sys

from engine.cli import EXIT_BAD_ARGS
from engine.cli.common import ProgressSpec, exit_code, positive_float, positive_int, run_in_process
from engine.pipeline.config import (DEFAULT_MODEL, DEFAULT_PREPROCESS, MAX_BATCH_LIMIT, MAX_INGRESS, POLICIES,
                                    PipelineConfig, is_loopback)
from engine.pipeline.service import check_plugins, check_port_free, find_free_port, run_pipeline
from engine.priority import add_background_priority_flag, apply_background_priority_flag


def register(subparsers: argparse._SubParsersAction) -> None:
    defaults = PipelineConfig()
    parser = subparsers.add_parser(
        "serve", help="run the inference service (HTTP, dynamic batching) until Ctrl-C",
        description="Serve reply suggestions over HTTP: POST /v1/predict {\"text\": ...}; GET /healthz; "
                    "GET /metrics. Stages run as separate processes with bounded queues between them.")
    parser.add_argument("--host", default=defaults.host, help="address to bind (default 127.0.0.1, loopback only)")
    parser.add_argument("--port", type=int, default=defaults.port, help="port (default 8000; 0 picks a free one)")
    parser.add_argument("--preprocess-workers", type=positive_int, default=defaults.preprocess_workers,
                        help=f"preprocess processes, each with its own queue (default {defaults.preprocess_workers})")
    parser.add_argument("--receivers", type=positive_int, default=defaults.receivers,
                        help=f"receiver processes fanning in to the batcher (default {defaults.receivers})")
    parser.add_argument("--replicas", type=positive_int, default=defaults.replicas,
                        help=f"predictor processes, each with its own model (default {defaults.replicas})")
    parser.add_argument("--batching", choices=POLICIES, default=defaults.batching,
                        help="idle (default): a free predictor gets whatever waits at once, so a lone request never "
                             "waits; items wait only while every predictor is busy, until max batch or max delay. "
                             "fixed: a batch leaves only at max batch or max delay (the old rule). "
                             "target: like idle, but batch sizes keep the predicted p99 within --target-p99-ms and "
                             "what cannot meet it is answered 503 + Retry-After at once instead of queueing")
    parser.add_argument("--target-p99-ms", type=positive_float, default=defaults.target_p99_ms,
                        help=f"latency target of --batching target, admission to answer (default "
                             f"{defaults.target_p99_ms:g})")
    parser.add_argument("--max-batch", type=positive_int, default=defaults.max_batch,
                        help=f"most items in one batch, 1..{MAX_BATCH_LIMIT} (default {defaults.max_batch})")
    parser.add_argument("--max-delay-ms", type=float, default=defaults.max_delay_ms,
                        help=f"longest an item waits for a batch while every predictor is busy (fixed: whatever "
                             f"the predictors do) (default {defaults.max_delay_ms:g})")
    parser.add_argument("--ingress", type=positive_int, default=defaults.ingress,
                        help=f"HTTP processes sharing the port (SO_REUSEPORT; elsewhere one shared socket), "
                             f"1..{MAX_INGRESS} (default {defaults.ingress})")
    parser.add_argument("--model", default=DEFAULT_MODEL, help="package.module:factory returning obj.predict(batch)")
    parser.add_argument("--preprocess", default=DEFAULT_PREPROCESS,
                        help="package.module:function(texts) -> list of model inputs")
    parser.add_argument("--index", dest="index_dir", default=None,
                        help="dialogues-job output folder to index (default: demo dialogues made on the spot)")
    parser.add_argument("--request-timeout", type=float, default=defaults.request_timeout_s,
                        help=f"seconds before a request gets 504 (default {defaults.request_timeout_s:g})")
    parser.add_argument("--quiet", action="store_true", help="no live counter")
    add_background_priority_flag(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        port = args.port if args.port != 0 else find_free_port(args.host)
        config = PipelineConfig(
            host=args.host, port=port, preprocess_workers=args.preprocess_workers, receivers=args.receivers,
            replicas=args.replicas, max_batch=args.max_batch, max_delay_ms=args.max_delay_ms, model=args.model,
            batching=args.batching, target_p99_ms=args.target_p99_ms, ingress=args.ingress,
            preprocess=args.preprocess, index_dir=args.index_dir, request_timeout_s=args.request_timeout,
        )
        check_plugins(config)
        check_port_free(config.host, config.port)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_ARGS
    if not is_loopback(config.host):
        print(f"warning: binding {config.host} exposes the service beyond this machine; "
              "there is no authentication", file=sys.stderr)
    print(f"serving {config.url}/v1/predict  (GET /healthz, /metrics; Ctrl-C to stop)", file=sys.stderr)
    apply_background_priority_flag(args)
    finished, _ = run_in_process("pipeline", run_pipeline, config,
                                 ProgressSpec(done="requests_200", total="requests_total", unit="req"),
                                 quiet=args.quiet)
    if finished.ok:
        s = finished.summary
        print(f"stopped after {s['uptime_s']:.1f} s; {s['restarts']} stage restarts, "
              f"{s['lost_items']} requests answered with an error by a dying stage", file=sys.stderr)
    return exit_code(finished, "none")
