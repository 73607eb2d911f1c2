"""What a clean run is asked to do: inputs, output, column names, rules. Frozen, so it pickles to
every process unchanged and two runs with equal configs do the same thing (``--resume`` relies on
``CleanConfig.fingerprint``).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from engine.cluster.address import parse_cluster_address
from engine.system_messages import SYSTEM_MESSAGES

OUTPUT_FORMATS = ("xlsx", "csv", "parquet")
DEDUPE_SCOPES = ("file", "run")

#: Excel's hard limit of characters in one cell; a longer message cannot be written to .xlsx.
XLSX_MAX_CELL_CHARS = 32_767


class DropReason:
    """Why a row was not kept; each is counted separately (report.json ``dropped``)."""

    MISSING_VALUE = "missing_value"
    UNKNOWN_ROLE = "unknown_role"
    SYSTEM_MESSAGE = "system_message"
    EMPTY_AFTER_CLEAN = "empty_after_clean"
    TOO_SHORT = "too_short"
    TOO_LONG_FOR_XLSX = "too_long_for_xlsx"
    DUPLICATE = "duplicate"
    DUPLICATE_IN_RUN = "duplicate_in_run"

    ALL = (
        MISSING_VALUE,
        UNKNOWN_ROLE,
        SYSTEM_MESSAGE,
        EMPTY_AFTER_CLEAN,
        TOO_SHORT,
        TOO_LONG_FOR_XLSX,
        DUPLICATE,
        DUPLICATE_IN_RUN,
    )


def normalise_job_paths(config: Any) -> None:
    """The first step of a job config's ``__post_init__`` (clean, dialogues): ``inputs`` as a tuple
    of Paths, ``out_dir`` as a Path and ``cluster`` in its canonical form, whatever the caller
    passed (strings from a form or the command line), so that equal settings compare equal."""
    object.__setattr__(config, "inputs", tuple(Path(p) for p in config.inputs))
    object.__setattr__(config, "out_dir", Path(config.out_dir))
    if config.cluster is not None:
        object.__setattr__(config, "cluster", str(parse_cluster_address(config.cluster)))


@dataclass(frozen=True)
class ColumnMap:
    """Names of the columns the clean job reads; ``time`` may be empty (no time column)."""

    agent: str = "坐席id"
    customer: str = "客户微信id"
    role: str = "是否客服"
    content: str = "消息内容"
    time: str = "消息时间"

    @property
    def required(self) -> tuple[str, ...]:
        """Columns every input must have (a file without one of them fails)."""
        return (self.agent, self.customer, self.role, self.content)

    @property
    def output(self) -> tuple[str, ...]:
        """Columns of the cleaned output, in this order (time only when configured)."""
        return self.required + ((self.time,) if self.time else ())

    @classmethod
    def parse(cls, spec: str) -> ColumnMap:
        """``"agent=坐席,content=内容,time="`` → a ColumnMap (unnamed keys keep their defaults).

        Raises ValueError naming the bad key or an empty required name.
        """
        values: dict[str, str] = {}
        keys = {f.name for f in fields(cls)}
        for item in filter(None, (part.strip() for part in spec.split(","))):
            key, sep, value = item.partition("=")
            key = key.strip()
            if not sep or key not in keys:
                raise ValueError(
                    f"bad column spec {item!r}: expected KEY=NAME with KEY one of {', '.join(sorted(keys))}"
                )
            values[key] = value.strip()
        columns = replace(cls(), **values)
        for key in ("agent", "customer", "role", "content"):
            if not getattr(columns, key):
                raise ValueError(f"column {key} needs a name")
        if len(set(columns.output)) != len(columns.output):
            raise ValueError(f"two roles share one column name: {columns.output}")
        return columns


@dataclass(frozen=True)
class CleanRules:
    """Rule switches. Each rule that drops rows counts its drops under its own ``DropReason``."""

    drop_missing: bool = True
    check_role: bool = True
    remove_emoji: bool = True
    collapse_whitespace: bool = True
    drop_system: bool = True
    system_messages: tuple[str, ...] = SYSTEM_MESSAGES
    system_contains: tuple[str, ...] = ()
    drop_empty: bool = True
    min_length: int = 0
    drop_duplicates: bool = True
    dedupe_scope: str = "file"
    #: Longest message kept; set by the job to ``XLSX_MAX_CELL_CHARS`` for .xlsx output.
    max_length: int | None = None

    def __post_init__(self) -> None:
        if self.dedupe_scope not in DEDUPE_SCOPES:
            raise ValueError(f"dedupe scope must be one of {DEDUPE_SCOPES}, not {self.dedupe_scope!r}")
        if self.min_length < 0:
            raise ValueError("min_length must not be negative")
        object.__setattr__(self, "system_messages", tuple(self.system_messages))
        object.__setattr__(self, "system_contains", tuple(self.system_contains))

    @property
    def dedupe_run(self) -> bool:
        return self.drop_duplicates and self.dedupe_scope == "run"


@dataclass(frozen=True)
class CleanConfig:
    """One clean run. ``inputs`` are files, folders (searched recursively) or glob patterns."""

    inputs: tuple[Path, ...]
    out_dir: Path
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    out_format: str = "xlsx"
    segment_files: int = 25
    columns: ColumnMap = ColumnMap()
    rules: CleanRules = CleanRules()
    all_sheets: bool = False
    resume: bool = False
    csv_formula_guard: bool = True
    #: Where the tasks run: None (this machine's pool), "tcp://HOST:PORT" or "local:N"
    #: (engine/cluster). Not part of ``settings()``: a run resumes whatever ran the first one.
    cluster: str | None = None
    #: Remove the outputs an earlier run's report.json lists before starting (engine.output_folder);
    #: without it (or ``resume``) a folder holding them is refused. Not part of ``settings()``.
    overwrite: bool = False

    def __post_init__(self) -> None:
        normalise_job_paths(self)
        if not self.inputs:
            raise ValueError("no input given")
        if self.workers < 1:
            raise ValueError("workers must be at least 1")
        if self.segment_files < 1:
            raise ValueError("segment_files must be at least 1")
        if self.out_format not in OUTPUT_FORMATS:
            raise ValueError(f"format must be one of {', '.join(OUTPUT_FORMATS)}, not {self.out_format!r}")
        if self.overwrite and self.resume:
            raise ValueError("overwrite and resume exclude each other: resume continues the earlier run")

    @property
    def effective_rules(self) -> CleanRules:
        """The rules as applied: .xlsx output adds Excel's cell-size limit as a counted drop."""
        if self.out_format == "xlsx":
            limit = (
                XLSX_MAX_CELL_CHARS
                if self.rules.max_length is None
                else min(self.rules.max_length, XLSX_MAX_CELL_CHARS)
            )
            return replace(self.rules, max_length=limit)
        return self.rules

    def settings(self) -> dict:
        """The JSON-friendly settings recorded in report.json (everything that shapes the output)."""
        rules = asdict(self.effective_rules)
        rules["system_messages"] = list(rules["system_messages"])
        rules["system_contains"] = list(rules["system_contains"])
        return {
            "format": self.out_format,
            "segment_files": self.segment_files,
            "columns": asdict(self.columns),
            "rules": rules,
            "all_sheets": self.all_sheets,
            "csv_formula_guard": self.csv_formula_guard if self.out_format == "csv" else None,
        }

    def fingerprint(self) -> str:
        """Hash of ``settings()``: a resumed run continues only a run with the same settings."""
        text = json.dumps(self.settings(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
