"""The train/validation split: which dialogues (by their position in output order) go to val.

The keys pass counts the dialogues that survive de-duplication and ``--min-turns`` (so the
validation set has exactly the size asked for, not "asked for minus the dialogues dropped later"),
then ``choose_val_ordinals`` picks positions with a seeded generator. The build pass walks the
dialogues in the same order and sends the chosen positions to val: same inputs and seed, same
split, whatever the partition count.
"""

from __future__ import annotations

import numpy as np


def val_count(val_size: float, dialogues: int, fraction_cap: int | None = None) -> tuple[int, bool]:
    """(validation dialogues, whether the request was capped at half) for ``dialogues`` in total.

    ``val_size`` ≥ 1 is a count, in (0, 1) a fraction (rounded, at least 1, at most ``fraction_cap``),
    0 none; capped at half so that train keeps at least half of the dialogues.
    """
    if dialogues <= 0 or val_size <= 0:
        return 0, False
    if val_size >= 1:
        wanted = int(val_size)
    else:
        wanted = max(1, int(round(val_size * dialogues)))
        if fraction_cap is not None:
            wanted = min(wanted, fraction_cap)
    cap = dialogues // 2
    return min(wanted, cap), wanted > cap


def choose_val_ordinals(dialogues: int, count: int, seed: int) -> np.ndarray:
    """Sorted positions (0 … dialogues-1) of the validation dialogues; deterministic for ``seed``."""
    if count <= 0:
        return np.zeros(0, dtype=np.int64)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(dialogues, size=count, replace=False)).astype(np.int64)


def is_val(first_ordinal: int, dialogues: int, val_ordinals: np.ndarray) -> np.ndarray:
    """Boolean mask over the dialogues ``first_ordinal … first_ordinal + dialogues - 1``."""
    ordinals = np.arange(first_ordinal, first_ordinal + dialogues, dtype=np.int64)
    pos = np.searchsorted(val_ordinals, ordinals)
    pos_clipped = np.minimum(pos, max(len(val_ordinals) - 1, 0))
    return (
        (pos < len(val_ordinals)) & (val_ordinals[pos_clipped] == ordinals)
        if len(val_ordinals)
        else np.zeros(dialogues, dtype=bool)
    )
