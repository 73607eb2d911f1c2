"""``mpwatch serve [--host 127.0.0.1] [--port 8000] …``: run the inference service until Ctrl-C.

The service's owner runs in this process; its stages are children. Ctrl-C, SIGTERM or SIGHUP
(to this process or its group: the stages are outside the group, engine/stop_signals.py) makes
the owner drain the stages in order and end every process; exit 130 / 143 / 129. The "serving …"
line is printed once /healthz answers ok (a thread polls it), so a script may wait for that line.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading

from engine.cli import EXIT_BAD_ARGS
from engine.cli.arguments import (
    HelpFormatter,
    add_option_with_default,
    config_from_options,
    help_epilog,
    positive_float,
    positive_int,
)
from engine.cli.common import ProgressSpec, exit_code, run_in_process, stop_cause
from engine.pipeline.config import (
    DEFAULT_MODEL,
    DEFAULT_PREPROCESS,
    MAX_BATCH_LIMIT,
    MAX_INGRESS,
    POLICIES,
    TOKEN_ENV,
    PipelineConfig,
    exposure_problem,
)
from engine.priority import add_background_priority_flag, apply_background_priority_flag
from engine.stop_signals import installed

#: How often the readiness thread asks /healthz.
HEALTH_POLL_S = 0.2

#: A stop signal's watchdog allows the drain timeout plus this (terminate and kill stages).
DRAIN_MARGIN_S = 4.0


def register(subparsers: argparse._SubParsersAction) -> None:
    defaults = PipelineConfig()
    parser = subparsers.add_parser(
        "serve",
        help="run the inference service (HTTP, dynamic batching) until Ctrl-C",
        description='Serve reply suggestions over HTTP: POST /v1/predict {"text": ...}; GET /healthz; '
        "GET /metrics. Stages run as separate processes with bounded queues between them.",
        epilog=help_epilog(
            [
                "mpwatch serve --port 8000",
                'curl -s localhost:8000/v1/predict -d \'{"text": "请问还有货吗"}\'',
                'mpwatch serve --host 0.0.0.0 --token "$(openssl rand -hex 16)"   # reachable from other machines',
            ],
            {
                1: "the service failed",
                2: "bad arguments, port in use, or a non-loopback --host without --token",
                130: "stopped by Ctrl-C (SIGINT) after draining; 143 SIGTERM, 129 SIGHUP",
            },
        ),
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--host", default=defaults.host, help="address to bind (default 127.0.0.1, loopback only)")
    parser.add_argument("--port", type=int, default=defaults.port, help="port (default 8000; 0 picks a free one)")
    add_option_with_default(
        parser,
        "--preprocess-workers",
        positive_int,
        defaults.preprocess_workers,
        "preprocess processes, each with its own queue",
    )
    add_option_with_default(
        parser, "--receivers", positive_int, defaults.receivers, "receiver processes fanning in to the batcher"
    )
    add_option_with_default(
        parser, "--replicas", positive_int, defaults.replicas, "predictor processes, each with its own model"
    )
    parser.add_argument(
        "--batching",
        choices=POLICIES,
        default=defaults.batching,
        help="idle (default): a free predictor gets whatever waits at once, so a lone request never "
        "waits; items wait only while every predictor is busy, until max batch or max delay. "
        "fixed: a batch leaves only at max batch or max delay (the old rule). "
        "target: like idle, but batch sizes keep the predicted p99 within --target-p99-ms and "
        "what cannot meet it is answered 503 + Retry-After at once instead of queueing",
    )
    add_option_with_default(
        parser,
        "--target-p99-ms",
        positive_float,
        defaults.target_p99_ms,
        "latency target of --batching target, admission to answer",
    )
    add_option_with_default(
        parser, "--max-batch", positive_int, defaults.max_batch, f"most items in one batch, 1..{MAX_BATCH_LIMIT}"
    )
    add_option_with_default(
        parser,
        "--max-delay-ms",
        float,
        defaults.max_delay_ms,
        "longest an item waits for a batch while every predictor is busy (fixed: whatever the predictors do)",
    )
    add_option_with_default(
        parser,
        "--ingress",
        positive_int,
        defaults.ingress,
        f"HTTP processes sharing the port (SO_REUSEPORT; elsewhere one shared socket), 1..{MAX_INGRESS}",
    )
    parser.add_argument("--model", default=DEFAULT_MODEL, help="package.module:factory returning obj.predict(batch)")
    parser.add_argument(
        "--preprocess", default=DEFAULT_PREPROCESS, help="package.module:function(texts) -> list of model inputs"
    )
    parser.add_argument(
        "--index",
        dest="index_dir",
        default=None,
        help="dialogues-job output folder to index (default: demo dialogues made on the spot)",
    )
    add_option_with_default(
        parser,
        "--request-timeout",
        float,
        defaults.request_timeout_s,
        "seconds before a request gets 504",
        metavar="REQUEST_TIMEOUT",
        dest="request_timeout_s",
    )
    guard = parser.add_argument_group("hostile clients and authentication")
    guard.add_argument(
        "--token",
        default=None,
        help=f"require 'Authorization: Bearer TOKEN' on /v1/predict and /metrics (401 otherwise); "
        f"/healthz stays open (default: ${TOKEN_ENV} if set, else none)",
    )
    guard.add_argument(
        "--allow-unauthenticated",
        action="store_true",
        help="serve a non-loopback --host without a token (refused otherwise)",
    )
    for flag, field, what in (
        ("--header-timeout", "header_timeout_s", "for a request head to arrive, else 408"),
        ("--body-timeout", "body_timeout_s", "for a request body to arrive, else 408"),
        ("--keepalive-timeout", "keepalive_timeout_s", "an idle keep-alive connection stays open"),
    ):
        default_s = getattr(defaults, field)
        add_option_with_default(guard, flag, positive_float, default_s, f"seconds {what}", metavar="S", dest=field)
    add_option_with_default(
        guard,
        "--max-connections",
        positive_int,
        defaults.max_connections,
        "open connections per ingress process; at the limit the longest-idle one is closed, or the newcomer gets 503",
        metavar="N",
    )
    guard.add_argument(
        "--no-defer-accept",
        dest="defer_accept",
        action="store_false",
        help="hand every connection to the ingress at once, even before it sends anything (default: "
        "on Linux, TCP_DEFER_ACCEPT waits for its first data, up to about --header-timeout)",
    )
    parser.add_argument("--quiet", action="store_true", help="no live counter")
    add_background_priority_flag(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from engine.pipeline.service import check_plugins, check_port_free, find_free_port, run_pipeline

    try:
        port = args.port if args.port != 0 else find_free_port(args.host)
        token = args.token if args.token is not None else os.environ.get(TOKEN_ENV) or None
        config = config_from_options(PipelineConfig, args, port=port, token=token)
        problem = exposure_problem(config, args.allow_unauthenticated)
        if problem:
            raise ValueError(problem)
        check_plugins(config)
        check_port_free(config.host, config.port)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_ARGS
    apply_background_priority_flag(args)
    signals = installed()
    if signals is not None:  # the drain's own bound, plus the supervisor's terminate and kill stages
        signals.drain_limit_s = config.drain_timeout_s + DRAIN_MARGIN_S
    ready = threading.Event()
    done = threading.Event()
    threading.Thread(target=announce_when_healthy, args=(config, ready, done), name="serve-ready", daemon=True).start()
    try:
        finished, _ = run_in_process(
            "pipeline",
            run_pipeline,
            config,
            ProgressSpec(done="requests_200", total="requests_total", unit="req"),
            quiet=args.quiet,
        )
    finally:
        done.set()
    if finished.ok:
        s = finished.summary
        print(
            f"stopped ({stop_cause()}) after {s['uptime_s']:.1f} s; {s['restarts']} stage restarts, "
            f"{s['lost_items']} requests answered with an error by a dying stage",
            file=sys.stderr,
        )
    return exit_code(finished, "none")


def batching_note(config: PipelineConfig) -> str:
    """One line on what the batching policy does to a lone request (the question every first user has)."""
    if config.batching == "fixed":
        return (
            f"batching fixed: a lone request waits up to {config.max_delay_ms:g} ms (--max-delay-ms) for its "
            f"batch to fill to {config.max_batch}; --batching idle answers it at once"
        )
    if config.batching == "target":
        return (
            f"batching target: a lone request is answered at once; under load, requests that would miss "
            f"the {config.target_p99_ms:g} ms p99 target get 503 + Retry-After"
        )
    return (
        f"batching idle: a lone request is answered at once; requests wait (at most {config.max_delay_ms:g} ms) "
        f"only while every predictor is busy"
    )


def announce_when_healthy(config: PipelineConfig, ready: threading.Event, done: threading.Event) -> None:
    """Thread: poll /healthz until it answers ok, then print the "serving" line (once) and the batching note."""
    import urllib.error
    import urllib.request

    host = "127.0.0.1" if config.host in ("0.0.0.0", "") else "::1" if config.host == "::" else config.host
    probe = config.url.replace(config.host, host, 1) if host != config.host else config.url
    while not done.wait(HEALTH_POLL_S):
        try:
            with urllib.request.urlopen(probe + "/healthz", timeout=2) as response:
                healthy = response.status == 200
        except (urllib.error.URLError, OSError, ValueError):
            healthy = False
        if healthy:
            from tqdm import tqdm

            tqdm.write(
                f"serving {config.url}/v1/predict  (GET /healthz, /metrics"
                f"{'; Bearer token required' if config.token else ''}; Ctrl-C to stop)",
                file=sys.stderr,
            )
            tqdm.write(batching_note(config), file=sys.stderr)
            ready.set()
            return
