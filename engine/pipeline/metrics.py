"""Prometheus text exposition for the service: counters, gauges and fixed-bucket histograms.

Only what ``GET /metrics`` needs (no client library): names follow Prometheus conventions
(``_total`` for counters, ``_seconds`` for durations, ``le`` buckets cumulative, ``+Inf`` last).
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

LATENCY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.5, 5.0, 10.0)
BATCH_SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


class Histogram:
    """Cumulative fixed-bucket histogram (constant memory whatever the traffic)."""

    def __init__(self, bounds: Iterable[float]) -> None:
        self.bounds = tuple(bounds)
        self.counts = [0] * (len(self.bounds) + 1)
        self.total = 0.0
        self.count = 0

    def observe(self, value: float, times: int = 1) -> None:
        self.counts[bisect.bisect_left(self.bounds, value)] += times
        self.total += value * times
        self.count += times

    def lines(self, name: str, labels: str = "") -> list[str]:
        out = []
        cumulative = 0
        sep = "," if labels else ""
        for bound, count in zip(list(self.bounds) + [math.inf], self.counts):
            cumulative += count
            le = "+Inf" if bound == math.inf else repr(float(bound)) if isinstance(bound, float) else str(bound)
            out.append(f'{name}_bucket{{{labels}{sep}le="{le}"}} {cumulative}')
        label_part = f"{{{labels}}}" if labels else ""
        out.append(f"{name}_sum{label_part} {self.total:.6f}")
        out.append(f"{name}_count{label_part} {self.count}")
        return out


@dataclass
class Traffic:
    """An ingress's request and batch figures, counted as they happen: what ``/metrics`` shows and
    ``IngressTally`` shares between ingress processes."""

    requests_by_status: Counter[int] = field(default_factory=Counter)
    batches_by_reason: Counter[str] = field(default_factory=Counter)
    latency: Histogram = field(default_factory=lambda: Histogram(LATENCY_BUCKETS_S))
    batch_size: Histogram = field(default_factory=lambda: Histogram(BATCH_SIZE_BUCKETS))


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def render(
    traffic: Traffic,
    depths: Mapping[str, int],
    bounds: Mapping[str, int],
    gauges: Mapping[str, float],
    batcher: Mapping[str, float] | None = None,
) -> str:
    """The whole ``/metrics`` page."""
    lines = [
        "# HELP mpwatch_requests_total Requests answered, by HTTP status.",
        "# TYPE mpwatch_requests_total counter",
    ]
    for status, count in sorted(traffic.requests_by_status.items()):
        lines.append(f'mpwatch_requests_total{{status="{status}"}} {count}')
    lines += [
        "# HELP mpwatch_batches_total Batches answered, by the reason the batcher let them go.",
        "# TYPE mpwatch_batches_total counter",
    ]
    for reason, count in sorted(traffic.batches_by_reason.items()):
        lines.append(f'mpwatch_batches_total{{reason="{_escape(reason)}"}} {count}')
    lines += [
        "# HELP mpwatch_queue_depth Messages waiting in each hop (each message a list of items).",
        "# TYPE mpwatch_queue_depth gauge",
    ]
    for hop, depth in depths.items():
        lines.append(f'mpwatch_queue_depth{{hop="{_escape(hop)}"}} {depth}')
    lines += ["# HELP mpwatch_queue_bound Bound of each hop, in messages.", "# TYPE mpwatch_queue_bound gauge"]
    for hop, bound in bounds.items():
        lines.append(f'mpwatch_queue_bound{{hop="{_escape(hop)}"}} {bound}')
    for name, value in gauges.items():
        lines += [f"# TYPE mpwatch_{name} gauge", f"mpwatch_{name} {value}"]
    lines += [
        "# HELP mpwatch_request_latency_seconds Time from request to answer.",
        "# TYPE mpwatch_request_latency_seconds histogram",
    ]
    lines += traffic.latency.lines("mpwatch_request_latency_seconds")
    lines += ["# HELP mpwatch_batch_size Items per batch run by the model.", "# TYPE mpwatch_batch_size histogram"]
    lines += traffic.batch_size.lines("mpwatch_batch_size")
    lines += batcher_lines(batcher or {})
    return "\n".join(lines) + "\n"


def batcher_lines(values: Mapping[str, float]) -> list[str]:
    """The batcher's decisions (``BatchReport``): ``mpwatch_batcher_flushes_total{reason}`` and
    ``mpwatch_batcher_shed_items_total`` as counters, every other value as ``mpwatch_batcher_<name>``."""
    lines = [
        "# HELP mpwatch_batcher_flushes_total Batches the batcher let go, by reason (shed: 503s sent).",
        "# TYPE mpwatch_batcher_flushes_total counter",
    ]
    for name, value in values.items():
        if name.startswith("flush_"):
            lines.append(f'mpwatch_batcher_flushes_total{{reason="{_escape(name[6:])}"}} {value:g}')
    lines += [
        "# TYPE mpwatch_batcher_shed_items_total counter",
        f"mpwatch_batcher_shed_items_total {values.get('shed_items', 0):g}",
    ]
    for name, value in values.items():
        if not name.startswith("flush_") and name != "shed_items":
            lines += [f"# TYPE mpwatch_batcher_{name} gauge", f"mpwatch_batcher_{name} {value:g}"]
    return lines


#: Statuses the service answers with, tallied across ingress processes (others stay per process).
TALLY_STATUSES = (200, 400, 413, 499, 500, 503, 504)


class IngressTally:
    """The request and batch figures of every ingress process, in shared memory, so ``/metrics``
    from any of them describes the whole service (``--ingress N``: a scrape reaches one at random).

    Each ingress writes only its own row (``publish``, a few times a second; no lock, so a killed
    ingress leaves nothing held); ``merged`` sums the other rows with the caller's live figures.
    A restarted ingress starts its row again from zero: like any process-local Prometheus counter.
    """

    def __init__(self, ingresses: int, reasons: tuple[str, ...], ctx: object = None) -> None:
        from engine.context import SPAWN

        self.reasons = reasons
        self._shape = (len(TALLY_STATUSES), len(LATENCY_BUCKETS_S) + 3, len(reasons), len(BATCH_SIZE_BUCKETS) + 3)
        self.width = sum(self._shape)
        self.ingresses = ingresses
        self._rows = (ctx or SPAWN).RawArray("d", ingresses * self.width)

    def _row(self, index: int) -> list[float]:
        return self._rows[index * self.width : (index + 1) * self.width]

    def publish(self, index: int, traffic: Traffic) -> None:
        values = (
            [float(traffic.requests_by_status.get(s, 0)) for s in TALLY_STATUSES]
            + _hist_values(traffic.latency)
            + [float(traffic.batches_by_reason.get(r, 0)) for r in self.reasons]
            + _hist_values(traffic.batch_size)
        )
        self._rows[index * self.width : (index + 1) * self.width] = values

    def merged(self, index: int, traffic: Traffic) -> Traffic:
        """The caller's figures (ingress ``index``, live) plus every other ingress's last published."""
        total = Traffic(
            Counter(traffic.requests_by_status),
            Counter(traffic.batches_by_reason),
            _copy(traffic.latency),
            _copy(traffic.batch_size),
        )
        n_status, n_lat, n_reason, _ = self._shape
        for other in range(self.ingresses):
            if other == index:
                continue
            row = self._row(other)
            for status, value in zip(TALLY_STATUSES, row[:n_status]):
                if value:
                    total.requests_by_status[status] += int(value)
            _add_hist(total.latency, row[n_status : n_status + n_lat])
            for reason, value in zip(self.reasons, row[n_status + n_lat : n_status + n_lat + n_reason]):
                if value:
                    total.batches_by_reason[reason] += int(value)
            _add_hist(total.batch_size, row[n_status + n_lat + n_reason :])
        return total


def _hist_values(hist: Histogram) -> list[float]:
    return [float(c) for c in hist.counts] + [hist.total, float(hist.count)]


def _copy(hist: Histogram) -> Histogram:
    out = Histogram(hist.bounds)
    out.counts, out.total, out.count = list(hist.counts), hist.total, hist.count
    return out


def _add_hist(hist: Histogram, values: list[float]) -> None:
    buckets = len(hist.counts)
    hist.counts = [a + int(b) for a, b in zip(hist.counts, values[:buckets])]
    hist.total += values[buckets]
    hist.count += int(values[buckets + 1])
