"""What a Dialogues run is asked to do: inputs, output folder, split, formatting and memory budget.

Frozen so that the coordinator, the mmi writer and the report all see the same settings; it is
handed to the coordinator process whole (it pickles) and echoed into ``dialogues-report.json``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from engine.clean.config import ColumnMap, normalise_job_paths
from engine.system_messages import SYSTEM_MESSAGES

#: Marks after which a piece of a turn needs no synthetic ``;`` (Chinese and ASCII sentence and
#: clause punctuation, ellipses, tildes, closing brackets/quotes that end a sentence).
DEFAULT_PUNCTUATION = "，。！？；：、…,.!?;:~～—·)）」』】》”’\"'"

#: Separator put between two pieces of one turn when the first does not end in punctuation.
JOIN_MARK = ";"

AGENT_PREFIX = "坐席:"
CUSTOMER_PREFIX = "客户:"

#: Default validation set: 5 % of the dialogues, at most DEFAULT_VAL_CAP, so that small inputs
#: get a proportionate split (a fixed 10,000 took half of a 900-dialogue input).
DEFAULT_VAL_SIZE = 0.05
DEFAULT_VAL_CAP = 10_000
DEFAULT_MEMORY_BUDGET_BYTES = 512 * 1024**2


def parse_val_size(text: str) -> int | float:
    """'10000' → 10000 dialogues, '0.05' → 5 % of them; raises ValueError for anything else
    (not a number, negative, a count that is not whole)."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"not a number: {text!r}") from None
    if value < 0 or (value >= 1 and not value.is_integer()):
        raise ValueError(f"give a whole count (e.g. 10000) or a fraction in (0, 1): {text!r}")
    return int(value) if value >= 1 else value


@dataclass(frozen=True)
class DialoguesConfig:
    """Settings of one Dialogues run.

    ``val_size``: a whole number ≥ 1 is a count of dialogues, a number in (0, 1) a fraction of the
    dialogues kept (at most ``val_cap``, and at least one when there are two dialogues or more); 0
    means no validation set. Either way the validation set is capped so that train keeps at least
    half of the dialogues.
    """

    inputs: tuple[Path, ...]
    out_dir: Path
    val_size: float = DEFAULT_VAL_SIZE
    val_cap: int = DEFAULT_VAL_CAP
    seed: int = 1
    role_prefix: bool = True
    min_turns: int = 2
    memory_budget_bytes: int = DEFAULT_MEMORY_BUDGET_BYTES
    #: The clean job's column names (the same class and --columns spelling: one definition).
    columns: ColumnMap = field(default_factory=ColumnMap)
    punctuation: str = DEFAULT_PUNCTUATION
    system_messages: tuple[str, ...] = SYSTEM_MESSAGES
    #: Batches of std text in flight to the mmi writer at most (the bounded queue's maxsize).
    writer_queue_bound: int = 8
    #: Rows of input whose text goes to the mmi writer in one message (cut at dialogue boundaries).
    writer_batch_rows: int = 20000
    #: Rows of a file normalised at a time (bounds the temporaries of textnorm and Arrow).
    read_chunk_rows: int = 100000
    #: Reader processes of the partition phase (reading .xlsx dominates the job; files are independent).
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    #: Fixed partition count (tests and benchmarks); None derives it from ``memory_budget_bytes``.
    partitions: int | None = None
    #: Where the readers and the builds run: None (this machine: a pool of readers, the build in
    #: the coordinator, the mmi writer process), "tcp://HOST:PORT" or "local:N" (engine/cluster).
    cluster: str | None = None
    #: Remove the four files an earlier run's dialogues-report.json lists before starting
    #: (engine.output_folder); without it a folder holding them is refused.
    overwrite: bool = False

    def __post_init__(self) -> None:
        normalise_job_paths(self)
        if self.val_size < 0:
            raise ValueError(f"val_size must be ≥ 0, got {self.val_size}")
        if self.val_size >= 1 and float(self.val_size) != int(self.val_size):
            raise ValueError(f"val_size ≥ 1 is a count and must be whole, got {self.val_size}")
        if self.min_turns < 1:
            raise ValueError(f"min_turns must be ≥ 1, got {self.min_turns}")
        if self.memory_budget_bytes < 16 * 1024**2:
            raise ValueError("memory budget below 16 MB cannot hold even the interpreter and pandas")
        if self.writer_queue_bound < 1:
            raise ValueError("the writer queue must be bounded (≥ 1)")
        if self.workers < 1:
            raise ValueError("workers must be ≥ 1")
        if self.partitions is not None and self.partitions < 1:
            raise ValueError("partitions must be ≥ 1")
