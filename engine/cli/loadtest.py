"""``mpwatch loadtest URL --rate R --duration S [--concurrency C]``: open-loop load, then the figures."""

from __future__ import annotations

import argparse
import os
import sys

from engine.cli import EXIT_BAD_ARGS, EXIT_FAILED, EXIT_OK
from engine.cli.arguments import HelpFormatter, help_epilog, positive_float, positive_int
from engine.cli.common import print_interrupted
from engine.pipeline.config import MAX_TEXTS_PER_REQUEST, TOKEN_ENV
from engine.priority import add_background_priority_flag, apply_background_priority_flag
from engine.stop_signals import installed


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "loadtest",
        help="send open-loop Poisson load to the service and print latency and throughput",
        description="Open-loop load: requests arrive at RATE per second (Poisson) whatever the answers do; "
        "texts are customer messages from demo chat data.",
        epilog=help_epilog(
            ["mpwatch loadtest http://127.0.0.1:8000 --rate 200 --duration 10"],
            {
                0: "at least one request was answered 200",
                1: "no request succeeded (or nothing answers at URL)",
                2: "bad arguments",
                130: "stopped by Ctrl-C (SIGINT), figures so far printed; 143 SIGTERM, 129 SIGHUP",
            },
        ),
        formatter_class=HelpFormatter,
    )
    parser.add_argument("url", help="service URL, e.g. http://127.0.0.1:8000 (/v1/predict is added if missing)")
    parser.add_argument("--rate", type=positive_float, required=True, help="requests per second offered")
    parser.add_argument("--duration", type=positive_float, required=True, help="seconds of load")
    parser.add_argument(
        "--concurrency",
        type=positive_int,
        default=256,
        help="most requests open at once; arrivals beyond it are counted, not sent (default 256)",
    )
    parser.add_argument(
        "--texts-per-request",
        type=positive_int,
        default=1,
        metavar="N",
        help=f'texts in each request: 1 sends {{"text": …}}, more sends {{"texts": [...]}} '
        f"(up to {MAX_TEXTS_PER_REQUEST}; default 1)",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed of arrivals and texts (default 1)")
    parser.add_argument(
        "--token", default=None, help=f"bearer token of a service started with --token (default: ${TOKEN_ENV} if set)"
    )
    add_background_priority_flag(parser)
    parser.set_defaults(func=run)


def endpoint(url: str) -> str:
    url = url.rstrip("/")
    if "://" not in url:
        url = "http://" + url
    return url if url.endswith("/v1/predict") else url + "/v1/predict"


def run(args: argparse.Namespace) -> int:
    import asyncio

    from engine.pipeline.loadtest import LoadtestConfig, probe, run_loadtest

    url = endpoint(args.url)
    if not url.startswith("http://"):
        print(f"error: not a plain http URL (the load generator speaks http only): {args.url}", file=sys.stderr)
        return EXIT_BAD_ARGS
    if args.texts_per_request > MAX_TEXTS_PER_REQUEST:
        print(
            f"error: --texts-per-request: the service takes at most {MAX_TEXTS_PER_REQUEST} texts per request",
            file=sys.stderr,
        )
        return EXIT_BAD_ARGS
    problem = asyncio.run(probe(url))
    if problem is not None:
        base = url.removesuffix("/v1/predict")
        print(
            f"error: nothing answers at {base} ({problem}): is the service running at {base}? "
            "(start it with: mpwatch serve)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    config = LoadtestConfig(
        url=url,
        rate_per_s=args.rate,
        duration_s=args.duration,
        concurrency=args.concurrency,
        seed=args.seed,
        texts_per_request=args.texts_per_request,
        token=args.token if args.token is not None else os.environ.get(TOKEN_ENV) or None,
    )
    apply_background_priority_flag(args)
    signals = installed()
    if signals is None:
        result = run_loadtest(config)
    else:
        with signals.polled():  # a stop signal ends the load; the figures so far are printed
            result = run_loadtest(config, stop=signals.stop_requested)
    print(result.describe())
    if signals is not None and signals.stop_requested():
        print_interrupted(
            f"load sent for {result.duration_s:.1f} of {args.duration:g} s (the figures above)",
            "rerun for the full run",
        )
    return EXIT_OK if result.by_status.get(200, 0) else EXIT_FAILED
