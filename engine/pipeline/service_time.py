"""The cost of one batch on one replica, fitted as ``a·n + b`` from recent batches.

Least squares over the batches the replicas reported last (``ReplicaBoard.recent``; all replicas
run the same model on the same machine, so their batches are pooled into one fit of the time one
replica needs for n items). ``a`` is the cost per item, ``b`` the cost of a batch whatever its
size (call overhead, fixed work). The residual spread ``sigma`` turns the mean into a p99:
``p99(n) = a·n + b + 2.33·sigma`` (normal residuals).

Degenerate windows are handled, not guessed at: no batch yet → every prediction is 0 (the policy
then behaves like ``idle`` until the first batches report); every batch the same size → the line
goes through the origin and that point (``b = 0``), which is exact at that size and errs on the
side of small batches elsewhere; a negative slope from noise is clamped to 0 (cost never falls
with size).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

#: z of the 99th percentile of a normal distribution.
Z_P99 = 2.326


@dataclass(frozen=True)
class ServiceTimeFit:
    a_s: float = 0.0
    b_s: float = 0.0
    sigma_s: float = 0.0
    batches: int = 0

    def mean_s(self, items: int) -> float:
        return self.a_s * items + self.b_s

    def p99_s(self, items: int) -> float:
        return self.mean_s(items) + Z_P99 * self.sigma_s

    @classmethod
    def from_batches(cls, batches: Iterable[tuple[float, float]]) -> ServiceTimeFit:
        """Least squares of seconds on items over ``(items, seconds)`` pairs."""
        points = [(float(n), float(s)) for n, s in batches if n > 0]
        count = len(points)
        if count == 0:
            return cls()
        mean_n = sum(n for n, _ in points) / count
        mean_s = sum(s for _, s in points) / count
        var_n = sum((n - mean_n) ** 2 for n, _ in points)
        if var_n < 1e-9:
            a, b = mean_s / mean_n, 0.0
        else:
            a = sum((n - mean_n) * (s - mean_s) for n, s in points) / var_n
            b = mean_s - a * mean_n
            if a < 0:
                a, b = 0.0, mean_s
            elif b < 0:
                a, b = mean_s / mean_n, 0.0
        residuals = [s - (a * n + b) for n, s in points]
        sigma = math.sqrt(sum(r * r for r in residuals) / max(1, count - 2)) if count > 2 else 0.0
        return cls(a, b, sigma, count)
