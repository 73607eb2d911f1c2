"""The engine's error messages in the UI language, by their code (engine/coded_errors.py).

A failed file, a full disk or a stopped run reach the window as English text plus, for the common
ones, a ``code`` and ``params``. ``MESSAGES`` holds each code's English text as a translation source
(context ``EngineMessages``); a view shows ``failure_text(message)``: the translation with the
params filled in, or the engine's English text for a message without a code, a code not listed
here or a translation whose fields do not match (a new engine message still shows, untranslated).

The cause of a disk fault is the C library's English ("No space left on device"); it is shown
translated by its errno name (``ERRNO_CAUSES``), with the name kept, as the English text has it.
"""

from __future__ import annotations

import signal
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from engine.coded_errors import code_and_params, english
from engine.status import JobFinished, LogLine, TaskFailed, WorkerExited
from gui.terms import process_role

CONTEXT = "EngineMessages"

# Code → the engine's English text for it (``engine.coded_errors.ENGLISH``, repeated here because
# lupdate reads translation sources from this file; a test checks that the two agree).
MESSAGES: Mapping[str, str] = {
    "empty_file": QT_TRANSLATE_NOOP("EngineMessages", "empty file (0 bytes)"),
    "no_header_row": QT_TRANSLATE_NOOP("EngineMessages", "empty file (no header row)"),
    "file_not_found": QT_TRANSLATE_NOOP("EngineMessages", "file not found (moved or deleted after the run started)"),
    "is_a_folder": QT_TRANSLATE_NOOP("EngineMessages", "is a folder, not a file"),
    "cannot_open": QT_TRANSLATE_NOOP("EngineMessages", "cannot open: {cause}"),
    "not_excel_html": QT_TRANSLATE_NOOP("EngineMessages", "not an Excel file (HTML/XML text saved with an Excel name)"),
    "not_excel_pdf": QT_TRANSLATE_NOOP("EngineMessages", "not an Excel file (a PDF document)"),
    "not_excel_binary": QT_TRANSLATE_NOOP(
        "EngineMessages", "not an Excel file (unknown binary content starting {start})"
    ),
    "not_excel_text": QT_TRANSLATE_NOOP("EngineMessages", "not an Excel file (looks like text: {preview})"),
    "empty_workbook": QT_TRANSLATE_NOOP("EngineMessages", "empty workbook (no sheets)"),
    "password_workbook": QT_TRANSLATE_NOOP(
        "EngineMessages", "password-protected workbook (cannot be read without its password)"
    ),
    "encrypted_workbook": QT_TRANSLATE_NOOP("EngineMessages", "password-protected workbook (encrypted Office file)"),
    "no_data_rows": QT_TRANSLATE_NOOP("EngineMessages", "no data rows (a header and nothing under it)"),
    "all_rows_empty": QT_TRANSLATE_NOOP("EngineMessages", "no data: all {rows} rows are empty in {columns}"),
    "missing_column": QT_TRANSLATE_NOOP("EngineMessages", "missing column {names}{where}; found: {found}"),
    "missing_columns": QT_TRANSLATE_NOOP("EngineMessages", "missing columns {names}{where}; found: {found}"),
    "disk_fault": QT_TRANSLATE_NOOP("EngineMessages", "cannot write {target}: {cause}"),
    "stopped": QT_TRANSLATE_NOOP("EngineMessages", "stopped"),
    "input_not_found": QT_TRANSLATE_NOOP("EngineMessages", "input not found: {path}"),
    "pattern_matches_nothing": QT_TRANSLATE_NOOP(
        "EngineMessages", "no .xlsx/.xls/.csv/.parquet file matches {pattern}"
    ),
    "nothing_to_read": QT_TRANSLATE_NOOP("EngineMessages", "nothing to read in {described}"),
    "out_is_a_file": QT_TRANSLATE_NOOP("EngineMessages", "output folder {out} is a file, not a folder"),
    "out_under_a_file": QT_TRANSLATE_NOOP(
        "EngineMessages", "output folder {out} is not writable: {existing} is a file, not a folder"
    ),
    "out_not_permitted": QT_TRANSLATE_NOOP(
        "EngineMessages", "output folder {out} is not writable: no permission to write in {existing}"
    ),
    "column_not_found": QT_TRANSLATE_NOOP("EngineMessages", "column {names} not found in {file}; found: {found}"),
    "columns_not_found": QT_TRANSLATE_NOOP("EngineMessages", "columns {names} not found in {file}; found: {found}"),
    "column_not_found_in_files": QT_TRANSLATE_NOOP(
        "EngineMessages", "column {names} not found in {file} or the {others} other file(s) checked; found: {found}"
    ),
    "columns_not_found_in_files": QT_TRANSLATE_NOOP(
        "EngineMessages", "columns {names} not found in {file} or the {others} other file(s) checked; found: {found}"
    ),
    "restarting": QT_TRANSLATE_NOOP("EngineMessages", "{exited}; restarting it ({restarts}/{most})"),
    "restarts_used_up": QT_TRANSLATE_NOOP("EngineMessages", "{exited}; restarted {most} times, giving up"),
    "worker_died_retrying": QT_TRANSLATE_NOOP(
        "EngineMessages",
        "{worker} (pid {pid}) died on {task}: worker died ({exit}); retrying (attempt {attempt} of {attempts})",
    ),
    "worker_died_task_failed": QT_TRANSLATE_NOOP(
        "EngineMessages", "{task} failed: worker died ({exit}) on {attempts} attempts"
    ),
    "worker_died_on_all_attempts": QT_TRANSLATE_NOOP(
        "EngineMessages", "worker died ({exit}) on all {attempts} attempts"
    ),
    "clean_resuming": QT_TRANSLATE_NOOP(
        "EngineMessages", "resuming: {done} of {segments} segments already complete, skipped"
    ),
    "segment_written": QT_TRANSLATE_NOOP(
        "EngineMessages", "segment {segment}/{segments} written: {name} ({rows:,} rows)"
    ),
    "segment_error": QT_TRANSLATE_NOOP("EngineMessages", "segment {segment}: {error}"),
    "segment_rows_disagree": QT_TRANSLATE_NOOP("EngineMessages", "wrote {rows} rows, files counted {expected}"),
    "segment_not_written": QT_TRANSLATE_NOOP("EngineMessages", "output not written: {error}"),
    "segment_removed_after_stop": QT_TRANSLATE_NOOP(
        "EngineMessages", "segment {segment}: {name} was finished after the run stopped; removed"
    ),
    "report_not_updated": QT_TRANSLATE_NOOP("EngineMessages", "{report} not updated: {error}"),
    "dialogues_inputs": QT_TRANSLATE_NOOP("EngineMessages", "dialogues: {files} input file(s) → {out}"),
    "dialogues_done": QT_TRANSLATE_NOOP(
        "EngineMessages", "dialogues: {train} train + {val} val dialogues, {utterances} utterances in {seconds:.1f} s"
    ),
    "validation_capped": QT_TRANSLATE_NOOP(
        "EngineMessages", "validation set capped at {val} dialogues (train keeps at least half of {dialogues})"
    ),
    "memory_budget_too_small": QT_TRANSLATE_NOOP(
        "EngineMessages",
        "memory budget {budget_mb:.0f} MB is too small: the coordinator uses {resting_mb:.0f} MB at rest and "
        "the largest partition needs about {needed_mb:.0f} MB more; building one partition at a time",
    ),
    "job_failed": QT_TRANSLATE_NOOP("EngineMessages", "job failed: {reason}\n{traceback}"),
    "ingress_connection_limit": QT_TRANSLATE_NOOP(
        "EngineMessages", "ingress {index}: the open-file limit allows {allowed} connections, not {wanted}"
    ),
    "ingress_no_defer_accept": QT_TRANSLATE_NOOP(
        "EngineMessages", "ingress {index}: no TCP_DEFER_ACCEPT here; idle connections are accepted"
    ),
    "ingress_listening": QT_TRANSLATE_NOOP(
        "EngineMessages", "ingress {index} listening on {url} (pid {pid}, {loop} event loop)"
    ),
    "model_build_failed": QT_TRANSLATE_NOOP(
        "EngineMessages", "{worker}: could not build the model {model}: {reason}\n{traceback}"
    ),
    "model_ready": QT_TRANSLATE_NOOP("EngineMessages", "{worker}: model {model} ready in {seconds:.2f} s{size}"),
    "model_size": QT_TRANSLATE_NOOP("EngineMessages", " ({size} indexed pairs)"),
    "beyond_loopback": QT_TRANSLATE_NOOP(
        "EngineMessages", "listening on {host}, beyond loopback: anyone who can reach this machine can send requests"
    ),
    "pipeline_starting": QT_TRANSLATE_NOOP(
        "EngineMessages",
        "pipeline starting: {ingress} ingress, {preprocess} preprocess, {receivers} receivers, {replicas} "
        "predictors, batching {batching}{target}, max batch {max_batch}, max delay {max_delay_ms:g} ms, "
        "endpoint {url}/v1/predict",
    ),
    "target_p99": QT_TRANSLATE_NOOP("EngineMessages", " (target p99 {target_p99_ms:g} ms)"),
    "batching_fixed": QT_TRANSLATE_NOOP("EngineMessages", "fixed"),
    "batching_idle": QT_TRANSLATE_NOOP("EngineMessages", "idle"),
    "batching_target": QT_TRANSLATE_NOOP("EngineMessages", "target"),
    "ingress_died": QT_TRANSLATE_NOOP(
        "EngineMessages", "{exited}; its open connections were reset, it is being restarted"
    ),
    "lost_not_reported": QT_TRANSLATE_NOOP("EngineMessages", "could not report {count} lost requests of {worker}"),
    "stage_died": QT_TRANSLATE_NOOP("EngineMessages", "{exited}; {count} in-flight requests answered with an error"),
    "lock_released": QT_TRANSLATE_NOOP(
        "EngineMessages", "{worker} died holding the {lock} of a queue it used; released it"
    ),
    "reader_lock": QT_TRANSLATE_NOOP("EngineMessages", "reader lock"),
    "writer_lock": QT_TRANSLATE_NOOP("EngineMessages", "writer lock"),
    "get_counter_lock": QT_TRANSLATE_NOOP("EngineMessages", "get counter lock"),
    "put_counter_lock": QT_TRANSLATE_NOOP("EngineMessages", "put counter lock"),
    "stages_left_after_drain": QT_TRANSLATE_NOOP(
        "EngineMessages", "stages still running after the drain, ending them: {stages}"
    ),
    "load_test": QT_TRANSLATE_NOOP("EngineMessages", "load test: {result}"),
    "load_offered": QT_TRANSLATE_NOOP(
        "EngineMessages",
        "offered {rate:g}/s for {duration_s:.1f} s: sent {sent}, answered {answered} ({statuses}){skipped}",
    ),
    "load_skipped": QT_TRANSLATE_NOOP("EngineMessages", ", {skipped} not sent (concurrency cap)"),
    "load_throughput": QT_TRANSLATE_NOOP(
        "EngineMessages", "throughput {throughput:,.1f} answers/s (status 200){texts}"
    ),
    "load_texts": QT_TRANSLATE_NOOP("EngineMessages", ", {items:,.0f} texts/s ({per_request} per request)"),
    "load_latency": QT_TRANSLATE_NOOP(
        "EngineMessages",
        "latency of 200s: p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms, max {max:.1f} ms; inside the "
        "service p99 {server:.1f} ms; the generator's own lag p99 {lag:.1f} ms",
    ),
    "load_no_latency": QT_TRANSLATE_NOOP("EngineMessages", "latency: none (no request succeeded)"),
    "load_duplicates": QT_TRANSLATE_NOOP("EngineMessages", "duplicate answer ids: {duplicates}"),
    "load_error": QT_TRANSLATE_NOOP("EngineMessages", "error ×{count}: {error}"),
    "hint_check_the_path": QT_TRANSLATE_NOOP(
        "EngineMessages", "check the path (files, folders or glob patterns in quotes)"
    ),
    "hint_inputs_kinds": QT_TRANSLATE_NOOP(
        "EngineMessages", "the inputs must hold {kinds} files (outside the output folder)"
    ),
    "hint_give_a_folder": QT_TRANSLATE_NOOP(
        "EngineMessages", "give a folder for the output (it is created if missing)"
    ),
    "hint_another_folder": QT_TRANSLATE_NOOP("EngineMessages", "choose another output folder"),
    "hint_did_you_mean": QT_TRANSLATE_NOOP("EngineMessages", "did you mean --columns {spec}?"),
    "hint_name_the_columns": QT_TRANSLATE_NOOP(
        "EngineMessages", "name the columns with --columns KEY=NAME (keys: agent, customer, role, content, time)"
    ),
}

# How a process ended (engine.status.WorkerExited.describe, said again here in the UI language).
EXITED_WITH_CODE = QT_TRANSLATE_NOOP("EngineMessages", "{role} (pid {pid}) exited with code {code}")
KILLED_BY = QT_TRANSLATE_NOOP("EngineMessages", "{role} (pid {pid}) killed by {signal}")
DASK_WORKER_DIED = QT_TRANSLATE_NOOP("EngineMessages", "{role} (pid {pid}) died")
DASK_WORKER_LEFT = QT_TRANSLATE_NOOP("EngineMessages", "{role} (pid {pid}) left")
DASK_WORKER_DIED_NO_PID = QT_TRANSLATE_NOOP("EngineMessages", "{role} died")
DASK_WORKER_LEFT_NO_PID = QT_TRANSLATE_NOOP("EngineMessages", "{role} left")

# A process's exit code (engine.status.describe_exitcode).
SIGNAL_NAMED = QT_TRANSLATE_NOOP("EngineMessages", "signal {number} ({name})")
SIGNAL_NUMBER = QT_TRANSLATE_NOOP("EngineMessages", "signal {number}")
EXIT_CODE = QT_TRANSLATE_NOOP("EngineMessages", "exit code {code}")

# Between the lines of a message said on one log line ("load test: offered …; throughput …").
LINES_SEPARATOR = QT_TRANSLATE_NOOP("EngineMessages", "; ")

# How a window shows a run-wide problem and its hint (engine.preflight.PreflightError).
PROBLEM_AND_HINT = QT_TRANSLATE_NOOP("EngineMessages", "{problem}\nhint: {hint}")

# ``where`` of a missing column, in a workbook read sheet by sheet (engine.tables.readers).
SHEET = QT_TRANSLATE_NOOP("EngineMessages", " in sheet {sheet}")

# errno name → the cause as the C library says it in English (what ``os.strerror`` gives on Linux).
ERRNO_CAUSES: Mapping[str, str] = {
    "ENOSPC": QT_TRANSLATE_NOOP("EngineMessages", "No space left on device"),
    "EDQUOT": QT_TRANSLATE_NOOP("EngineMessages", "Disk quota exceeded"),
    "EFBIG": QT_TRANSLATE_NOOP("EngineMessages", "File too large"),
    "EROFS": QT_TRANSLATE_NOOP("EngineMessages", "Read-only file system"),
    "EACCES": QT_TRANSLATE_NOOP("EngineMessages", "Permission denied"),
    "EPERM": QT_TRANSLATE_NOOP("EngineMessages", "Operation not permitted"),
    "EIO": QT_TRANSLATE_NOOP("EngineMessages", "Input/output error"),
    "ENODEV": QT_TRANSLATE_NOOP("EngineMessages", "No such device"),
    "ENXIO": QT_TRANSLATE_NOOP("EngineMessages", "No such device or address"),
}


def _translate(source: str) -> str:
    return QCoreApplication.translate(CONTEXT, source)


def _english(code: str, params: Mapping[str, Any]) -> str:
    """The engine's English text of a line carried by code alone; the code itself if that fails."""
    try:
        return english(code, params)
    except (KeyError, IndexError, ValueError):
        return code


def _signal_text(number: int, named: str) -> str:
    """A signal as ``named`` says it ("{name}" alone, or "signal {number} ({name})"), by its number
    where Python has no name for it."""
    try:
        return _translate(named).format(number=number, name=signal.Signals(number).name)
    except ValueError:
        return _translate(SIGNAL_NUMBER).format(number=number)


def exitcode_text(exitcode: int) -> str:
    """'signal 9 (SIGKILL)' / 'exit code 3' in the UI language."""
    if exitcode >= 0:
        return _translate(EXIT_CODE).format(code=exitcode)
    return _signal_text(-exitcode, SIGNAL_NAMED)


def exited_text(role: str, pid: int, exitcode: int | None, expected: bool) -> str:
    """How a process ended, in the UI language (``WorkerExited.describe()`` in English)."""
    fields = {"role": process_role(role), "pid": pid}
    if exitcode is None:  # a Dask worker the scheduler saw go
        if pid:
            source = DASK_WORKER_LEFT if expected else DASK_WORKER_DIED
        else:
            source = DASK_WORKER_LEFT_NO_PID if expected else DASK_WORKER_DIED_NO_PID
        return _translate(source).format(**fields)
    if exitcode < 0:
        return _translate(KILLED_BY).format(signal=_signal_text(-exitcode, "{name}"), **fields)
    return _translate(EXITED_WITH_CODE).format(code=exitcode, **fields)


def worker_exited_text(message: WorkerExited) -> str:
    return exited_text(message.role, message.pid, message.exitcode, message.expected)


def _shown_params(code: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` as shown: a disk fault's cause translated by its errno name, how a process ended
    (``WorkerExited.as_params()``, an exit code, a worker's role) and a message inside the message
    said again in the UI language."""
    shown = dict(params)
    for name in params:  # a message inside the message (engine.coded_errors.inner), by its own code
        if f"{name}_code" in params:
            shown[name] = engine_text(params[f"{name}_code"], params.get(f"{name}_params", {}), params[name])
    if {"role", "pid", "exitcode", "expected"} <= params.keys():
        shown["exited"] = exited_text(params["role"], params["pid"], params["exitcode"], params["expected"])
    for name in params:  # a message of several lines, each by its code ("load test: …")
        if isinstance(params.get(f"{name}_lines"), list):
            lines = [engine_text(code, line, _english(code, line)) for code, line in params[f"{name}_lines"]]
            shown[name] = _translate(LINES_SEPARATOR).join(lines)
    if "worker" in params:
        shown["worker"] = process_role(params["worker"])
    if isinstance(params.get("roles"), list):  # a list of processes ("stages still running …")
        shown["stages"] = ", ".join(process_role(role) for role in params["roles"])
    if "exit" in params and isinstance(params.get("exitcode"), int):
        shown["exit"] = exitcode_text(params["exitcode"])
    if "sheet" in params:  # "missing column …{where}": the English " in sheet 'Sheet2'" in the UI language
        shown["where"] = _translate(SHEET).format(sheet=params["sheet"])
    if code == "disk_fault" and params.get("errno") in ERRNO_CAUSES:
        shown["cause"] = f"{_translate(ERRNO_CAUSES[params['errno']])} ({params['errno']})"
    return shown


def engine_text(code: str, params: Mapping[str, Any], english: str) -> str:
    """The message of ``code`` with ``params`` in the UI language; ``english`` (the engine's own
    text) when the code is empty or unknown, or the translation does not format."""
    source = MESSAGES.get(code) if code else None
    if source is None:
        return english
    translated = _translate(source)
    if translated == source:  # the English UI (or no translation yet): the engine's own words
        return english
    try:
        return translated.format(**_shown_params(code, params))
    except (KeyError, IndexError, ValueError):
        return english


def failure_text(message: TaskFailed | JobFinished | LogLine) -> str:
    """Why a task failed (``TaskFailed.reason``), a run ended (``JobFinished.error``) or what a log
    line says (``LogLine.text``), translated."""
    if isinstance(message, LogLine):
        english = message.text
    else:
        english = message.reason if isinstance(message, TaskFailed) else message.error
    return engine_text(message.code, message.params, english)


def preflight_text(error: ValueError) -> str:
    """Why a run cannot start (a PreflightError, or a form's ValueError), in the UI language: the
    problem and the hint each by its code; the engine's own text for what carries no code."""
    code, params = code_and_params(error)
    hint_code = getattr(error, "hint_code", "")
    if not code or not hint_code:
        return engine_text(code, params, str(error))
    problem = engine_text(code, params, error.problem)  # type: ignore[attr-defined]
    hint = engine_text(hint_code, params, error.hint)  # type: ignore[attr-defined]
    return _translate(PROBLEM_AND_HINT).format(problem=problem, hint=hint)
