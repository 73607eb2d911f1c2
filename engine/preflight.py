"""Run-wide errors, found once before anything starts: one message and a hint, not one per file.

A wrong column name, a folder with nothing to read, an ``--out`` that is a file, a missing input or
an output folder holding another run's outputs would fail every file (or the whole run) the same
way. The CLI (exit 2) and the GUI (a message in the panel, before any process) ask here first;
nothing is created on disk until every check passed. Only the header of the first few input
files is read.

``preflight_clean`` / ``preflight_dialogues`` / ``preflight_demo`` raise ``PreflightError`` (or
``OutputInUse``, which the GUI turns into a question); both are ValueErrors whose text is
``problem\\nhint: what to do``.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from engine.clean.config import ColumnMap
from engine.coded_errors import CodedError, english
from engine.output_folder import check_output_folder
from engine.tables.inputs import SUPPORTED_SUFFIXES, InputsNotFound, expand_inputs, scan_folder

if TYPE_CHECKING:
    from engine.clean.config import CleanConfig
    from engine.demo.job import DemoConfig
    from engine.dialogues.config import DialoguesConfig

#: Headers read to decide that a column is missing run-wide (a column absent from all of them).
HEADERS_CHECKED = 3
#: Files tried to find those headers (an unreadable file is skipped: its own task reports it).
FILES_TRIED = 9


class PreflightError(CodedError, ValueError):
    """A run-wide problem: ``problem`` says what, ``hint`` what to do. Raised ``coded`` (the problem
    and the hint each a code of ``engine.coded_errors``, one set of params for both) so that a
    window can show both in its own language."""

    hint_code: str = ""

    def __init__(self, problem: str, hint: str = "") -> None:
        self.problem = problem
        self.hint = hint
        super().__init__(problem + (f"\nhint: {hint}" if hint else ""))

    @classmethod
    def coded(cls, code: str, hint_code: str = "", **params: Any) -> Self:
        error = cls(english(code, params), english(hint_code, params) if hint_code else "")
        error.code, error.hint_code, error.params = code, hint_code, dict(params)
        return error


def check_out_dir(out_dir: Path) -> None:
    """The output folder is a folder (or can be made one) we may write in; creates nothing."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise PreflightError.coded("out_is_a_file", "hint_give_a_folder", out=str(out))
    existing = out
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        raise PreflightError.coded("out_under_a_file", "hint_another_folder", out=str(out), existing=str(existing))
    if not os.access(existing, os.W_OK | os.X_OK):
        raise PreflightError.coded("out_not_permitted", "hint_another_folder", out=str(out), existing=str(existing))


def check_inputs(inputs: tuple[Path, ...], out_dir: Path) -> list[Path]:
    """The files to read; a missing name, or nothing to read (naming each folder and what in it
    was passed over), is a PreflightError."""
    try:
        files = expand_inputs(inputs, exclude_dir=out_dir)
    except InputsNotFound as exc:
        raise PreflightError.coded(exc.code, "hint_check_the_path", **exc.params) from None
    if files:
        return files
    kinds = "/".join(SUPPORTED_SUFFIXES)
    described = []
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            described.append(f"folder {path}: {scan_folder(path, out_dir).describe_skipped()}")
        else:
            described.append(str(path))
    raise PreflightError.coded("nothing_to_read", "hint_inputs_kinds", described="; ".join(described), kinds=kinds)


def _suggest(name: str, key: str, found: list[str], taken: set[str]) -> str | None:
    """The real column meant by ``name``: the key's default name when the files have it, else
    the closest name (difflib) not used by another key."""
    default = getattr(ColumnMap(), key)
    if default in found and default not in taken:
        return default
    close = difflib.get_close_matches(name, [f for f in found if f not in taken], n=1, cutoff=0.4)
    return close[0] if close else None


def check_columns(files: list[Path], columns: ColumnMap) -> None:
    """A required column absent from the header of every one of the first few readable files is
    a run-wide error, named with the closest real name. A column missing from some files only is
    left to those files' tasks (they fail with the reason, the others go on)."""
    from engine.tables.readers import InputError, read_header

    headers: list[tuple[Path, list[str]]] = []
    for path in files[:FILES_TRIED]:
        try:
            headers.append((path, read_header(path)))
        except InputError:
            continue
        if len(headers) == HEADERS_CHECKED:
            break
    if not headers:
        return
    missing = [name for name in columns.required if all(name not in header for _, header in headers)]
    if not missing:
        return
    found = list(dict.fromkeys(h for _, header in headers for h in header if h))
    key_of = {name: key for key, name in asdict(columns).items() if name}
    taken = {name for name in columns.output if name not in missing}
    suggestions = {name: _suggest(name, key_of[name], found, taken) for name in missing}
    code = "column_not_found" if len(missing) == 1 else "columns_not_found"
    params: dict[str, Any] = {
        "names": ", ".join(f"{n} ({key_of[n]})" for n in missing),
        "file": headers[0][0].name,
        "found": ", ".join(found) or "no column names",
    }
    if len(headers) > 1:
        code, params["others"] = f"{code}_in_files", len(headers) - 1
    if all(suggestions.values()):
        spec = ",".join(f"{key_of[n]}={suggestions[n]}" for n in missing)
        raise PreflightError.coded(code, "hint_did_you_mean", spec=spec, **params)
    raise PreflightError.coded(code, "hint_name_the_columns", **params)


def preflight_clean(config: CleanConfig) -> list[Path]:
    """Every run-wide check of a clean run; returns the files it will read."""
    from engine.clean.report import load_report
    from engine.clean.resume import check_resume

    files = check_inputs(config.inputs, config.out_dir)
    check_out_dir(config.out_dir)
    check_columns(files, config.columns)
    check_resume(config)
    earlier = load_report(config.out_dir) if config.out_dir.is_dir() else None
    resumable = earlier is not None and earlier.get("fingerprint") == config.fingerprint()
    check_output_folder(config.out_dir, "clean", config.overwrite, config.resume, resumable)
    return files


def preflight_dialogues(config: DialoguesConfig) -> list[Path]:
    """Every run-wide check of a dialogues run; returns the files it will read."""
    files = check_inputs(config.inputs, config.out_dir)
    check_out_dir(config.out_dir)
    check_columns(files, config.columns)
    check_output_folder(config.out_dir, "dialogues", overwrite=config.overwrite)
    return files


def preflight_demo(config: DemoConfig) -> None:
    """Every run-wide check of a demo run (it reads nothing: the output folder only)."""
    check_out_dir(config.out_dir)
    check_output_folder(config.out_dir, "demo", overwrite=config.overwrite)
