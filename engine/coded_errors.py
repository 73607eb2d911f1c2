"""Errors a person reads, as a code and its parameters; the English text is built from them.

The engine's messages are English one-liners ("empty file (0 bytes)", "cannot write OUT/x.xlsx: No
space left on device (ENOSPC)"). The CLI prints them as they are; a window in another language
needs to know *which* message it got, without parsing the text back. So the common per-file errors,
the disk fault and the stop carry ``code`` and ``params`` next to their text:

    raise InputError.coded("cannot_open", cause="Permission denied")
        → str(error) == "cannot open: Permission denied"   (the text as before, for the CLI and reports)
        → error.code == "cannot_open", error.params == {"cause": "Permission denied"}

The code and params travel with the failure as data (``ResultItem`` → ``TaskResult`` →
``TaskFailed.code/params``; ``JobFinished.code/params``); a viewer translates the code and formats
the params into it, and shows the English text for a code it does not know or a message without one.
``ENGLISH`` is the one place the texts live; a GUI's catalogue repeats each as its translation source
(tests/test_gui_engine_messages.py checks the two agree).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

#: Code → English template (``str.format`` fields are the params). Codes are stable: reports and
#: translations key on them; a text may be reworded, a code is never reused for another meaning.
ENGLISH: Mapping[str, str] = {
    # an input file that cannot be read (engine.tables.readers.InputError)
    "empty_file": "empty file (0 bytes)",
    "no_header_row": "empty file (no header row)",
    "file_not_found": "file not found (moved or deleted after the run started)",
    "is_a_folder": "is a folder, not a file",
    "cannot_open": "cannot open: {cause}",
    "not_excel_html": "not an Excel file (HTML/XML text saved with an Excel name)",
    "not_excel_pdf": "not an Excel file (a PDF document)",
    "not_excel_binary": "not an Excel file (unknown binary content starting {start})",
    "not_excel_text": "not an Excel file (looks like text: {preview})",
    "empty_workbook": "empty workbook (no sheets)",
    "password_workbook": "password-protected workbook (cannot be read without its password)",
    "encrypted_workbook": "password-protected workbook (encrypted Office file)",
    "no_data_rows": "no data rows (a header and nothing under it)",
    "all_rows_empty": "no data: all {rows} rows are empty in {columns}",
    "missing_column": "missing column {names}{where}; found: {found}",
    "missing_columns": "missing columns {names}{where}; found: {found}",
    # the output folder refuses writes (engine.disk_fault.DiskFault); ``errno``: ENOSPC, EROFS, …
    "disk_fault": "cannot write {target}: {cause}",
    # how a run ended (JobFinished.error)
    "stopped": "stopped",
    # run-wide problems found before a run starts (engine.preflight.PreflightError), then their hints
    "input_not_found": "input not found: {path}",
    "pattern_matches_nothing": "no .xlsx/.xls/.csv/.parquet file matches {pattern}",
    "nothing_to_read": "nothing to read in {described}",
    "out_is_a_file": "output folder {out} is a file, not a folder",
    "out_under_a_file": "output folder {out} is not writable: {existing} is a file, not a folder",
    "out_not_permitted": "output folder {out} is not writable: no permission to write in {existing}",
    "column_not_found": "column {names} not found in {file}; found: {found}",
    "columns_not_found": "columns {names} not found in {file}; found: {found}",
    "column_not_found_in_files": "column {names} not found in {file} or the {others} other file(s) checked; found: {found}",
    "columns_not_found_in_files": (
        "columns {names} not found in {file} or the {others} other file(s) checked; found: {found}"
    ),
    # log lines of an owner whose process ended (``exited``: WorkerExited.describe(), with
    # WorkerExited.as_params() beside it so that a window can say it in its language)
    "restarting": "{exited}; restarting it ({restarts}/{most})",
    "restarts_used_up": "{exited}; restarted {most} times, giving up",
    # a pool worker that died on a task (``exit``: engine.status.describe_exitcode(exitcode))
    "worker_died_retrying": (
        "{worker} (pid {pid}) died on {task}: worker died ({exit}); retrying (attempt {attempt} of {attempts})"
    ),
    "worker_died_task_failed": "{task} failed: worker died ({exit}) on {attempts} attempts",
    "worker_died_on_all_attempts": "worker died ({exit}) on all {attempts} attempts",
    # log lines of a run (``ctx.log_coded``); a param ``X`` with ``X_code``/``X_params`` beside it
    # is a message inside the line (``inner``), translated by its own code
    "clean_resuming": "resuming: {done} of {segments} segments already complete, skipped",
    "segment_written": "segment {segment}/{segments} written: {name} ({rows:,} rows)",
    "segment_error": "segment {segment}: {error}",
    "segment_rows_disagree": "wrote {rows} rows, files counted {expected}",
    "segment_not_written": "output not written: {error}",
    "segment_removed_after_stop": "segment {segment}: {name} was finished after the run stopped; removed",
    "report_not_updated": "{report} not updated: {error}",
    "dialogues_inputs": "dialogues: {files} input file(s) → {out}",
    "dialogues_done": "dialogues: {train} train + {val} val dialogues, {utterances} utterances in {seconds:.1f} s",
    "validation_capped": "validation set capped at {val} dialogues (train keeps at least half of {dialogues})",
    "memory_budget_too_small": (
        "memory budget {budget_mb:.0f} MB is too small: the coordinator uses {resting_mb:.0f} MB at rest and "
        "the largest partition needs about {needed_mb:.0f} MB more; building one partition at a time"
    ),
    "job_failed": "job failed: {reason}\n{traceback}",
    # the pipeline service's log lines (engine/pipeline/); ``worker``: a process role, ``exited``: as above
    "ingress_connection_limit": "ingress {index}: the open-file limit allows {allowed} connections, not {wanted}",
    "ingress_no_defer_accept": "ingress {index}: no TCP_DEFER_ACCEPT here; idle connections are accepted",
    "ingress_listening": "ingress {index} listening on {url} (pid {pid}, {loop} event loop)",
    "model_build_failed": "{worker}: could not build the model {model}: {reason}\n{traceback}",
    "model_ready": "{worker}: model {model} ready in {seconds:.2f} s{size}",
    "model_size": " ({size} indexed pairs)",
    "beyond_loopback": "listening on {host}, beyond loopback: anyone who can reach this machine can send requests",
    "pipeline_starting": (
        "pipeline starting: {ingress} ingress, {preprocess} preprocess, {receivers} receivers, {replicas} "
        "predictors, batching {batching}{target}, max batch {max_batch}, max delay {max_delay_ms:g} ms, "
        "endpoint {url}/v1/predict"
    ),
    "target_p99": " (target p99 {target_p99_ms:g} ms)",
    "batching_fixed": "fixed",
    "batching_idle": "idle",
    "batching_target": "target",
    "ingress_died": "{exited}; its open connections were reset, it is being restarted",
    "lost_not_reported": "could not report {count} lost requests of {worker}",
    "stage_died": "{exited}; {count} in-flight requests answered with an error",
    "lock_released": "{worker} died holding the {lock} of a queue it used; released it",
    "reader_lock": "reader lock",
    "writer_lock": "writer lock",
    "get_counter_lock": "get counter lock",
    "put_counter_lock": "put counter lock",
    "stages_left_after_drain": "stages still running after the drain, ending them: {stages}",
    "load_test": "load test: {result}",
    # the load test's summary (LoadtestResult.lines()), a line each; ``result_lines`` of "load_test"
    "load_offered": "offered {rate:g}/s for {duration_s:.1f} s: sent {sent}, answered {answered} ({statuses}){skipped}",
    "load_skipped": ", {skipped} not sent (concurrency cap)",
    "load_throughput": "throughput {throughput:,.1f} answers/s (status 200){texts}",
    "load_texts": ", {items:,.0f} texts/s ({per_request} per request)",
    "load_latency": (
        "latency of 200s: p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms, max {max:.1f} ms; inside the "
        "service p99 {server:.1f} ms; the generator's own lag p99 {lag:.1f} ms"
    ),
    "load_no_latency": "latency: none (no request succeeded)",
    "load_duplicates": "duplicate answer ids: {duplicates}",
    "load_error": "error ×{count}: {error}",
    # HTTP answers and exceptions inside a line (``http_status``: an int, said with its phrase in a
    # window; ``exception``: an exception's class name, said by a phrase; ``errno``: an errno name)
    "load_status_count": "{http_status}: {count}",
    "load_conn_errors": "conn-error: {count}",
    "http_error": "{http_status}: {reason}",
    # the service's refusals (503 + Retry-After), sent as ``code``/``params`` in the JSON error body
    "shed_predicted": "shed: predicted latency over the {target_ms:g} ms target; retry later",
    "shed_inflight": "shed: more requests in flight than can be answered within the {target_ms:g} ms target; retry later",
    "shed_expired": "shed: not answered within the {target_ms:g} ms target; retry later",
    "shed_batcher": "shed: predicted latency over the {target_ms:g} ms target; retry in {retry_s} s",
    "overloaded_inflight": "overloaded: {inflight} items in flight (limit {limit}); retry later",
    "service_shutting_down": "the service is shutting down",
    "exception_text": "{exception}: {detail}",
    "exception_only": "{exception}",
    "load_other_errors": "other errors",
    "os_error": "[Errno {number}] {cause}",
    "os_error_file": "[Errno {number}] {cause}: {file}",
    "os_error_files": "[Errno {number}] {cause}: {file} -> {file2}",
    # the Dask cluster executor (engine/cluster/): connecting, its workers, its tasks
    "cluster_starting_local": "starting a Dask cluster of {workers} local workers…",
    "cluster_connecting": "connecting to the Dask scheduler at {address}…",
    "cluster_running": (
        "running on the Dask cluster at {scheduler} ({address}): {workers} workers, {threads} threads; "
        "every worker reaches the data"
    ),
    "cluster_failed_in_flight": "{failure} ({tasks} tasks in flight)",
    "cluster_connection_lost": "lost the connection to the Dask scheduler at {address} ({tasks} tasks in flight)",
    "task_run_alone": (
        "{task}: a worker died under it on all {deaths} attempts, with other tasks beside it: run once more "
        "alone on one worker, to tell whether it is the cause"
    ),
    "cluster_no_groups": (
        "the scheduler did not take mpwatch's plugin ({reason}): one task per Dask task, which costs a few ms "
        "more per task"
    ),
    "task_attempts": "{task}: {attempts} attempts ({deaths} worker(s) died under it, {retried} retries after it raised)",
    "task_failed": "{task} failed: {reason}",
    "worker_died_every_attempt": "worker died on all {attempts} attempts",
    "worker_died_every_attempt_alone": "worker died on all {attempts} attempts, the last one alone on it",
    "cancelled_still_running": (
        "{count} cancelled task(s) still running on the cluster after {grace_s:g} s (they stop at their next "
        "stop check): {tasks}"
    ),
    "cluster_worker_joined": "{worker} joined the cluster",
    "cluster_worker_left": "{worker} left the cluster",
    "cluster_worker_rescheduled": "{worker} was running {tasks}: scheduled again on the other workers",
    "local_worker_crash_loop": (
        "local Dask worker {number} of {count} (pid {pid}) ended with {exit} before it started, {failures} "
        "times in a row: not started again"
    ),
    "local_workers_ready": "{ready} of {count} local Dask workers started",
    "local_workers_late": (
        "the {workers} local Dask workers did not start within {timeout_s:g} s ({reason}; exit codes "
        "{exit_codes}, {restarts} restarted)"
    ),
    "scheduler_no_answer_at": "no Dask scheduler answered at {address}: {reason}",
    "scheduler_no_workers": "the Dask scheduler at {address} has no workers (start some with: dask worker {address})",
    "scheduler_timeout": "cannot reach the Dask scheduler at {address}: no answer within {timeout_s:g} s",
    "scheduler_unreachable": "cannot reach the Dask scheduler at {address}: {cause}",
    "scheduler_silent": (
        "{address} accepted the connection but did not answer like a Dask scheduler within {timeout_s:g} s "
        "(is it the scheduler's port?)"
    ),
    "reach_timeout": "the data check did not finish within {timeout_s:g} s on {workers}",
    "reach_failed": (
        "the cluster's workers cannot reach the data (workers read and write by path, so every host needs the "
        "same paths):\n{problems}"
    ),
    "reach_check_failed": "worker {address} could not run the data check: {reason}",
    "reach_cannot_read": "worker {address} cannot read {path}: {cause}",
    "reach_cannot_write": "worker {address} cannot write to {path}: {cause}",
    "reach_more": "… and {more} more",
    "address_local_needs_a_worker": "{text}: a local cluster needs at least 1 worker (local:2)",
    "address_port_out_of_range": "{text}: port {port} is out of range (1-65535)",
    "address_not_a_cluster": (
        "{text} is not a cluster address: use tcp://HOST:PORT for a running Dask scheduler "
        "(e.g. tcp://10.0.0.5:{port}) or local:N for N local worker processes"
    ),
    "connection_test_no_answer": "the connection test ended without an answer ({exit})",
    "connection_test_timeout": "no answer from {address} within {limit:g} s",
    "connection_test_cancelled": "cancelled",
    "hint_check_the_path": "check the path (files, folders or glob patterns in quotes)",
    "hint_inputs_kinds": "the inputs must hold {kinds} files (outside the output folder)",
    "hint_give_a_folder": "give a folder for the output (it is created if missing)",
    "hint_another_folder": "choose another output folder",
    "hint_did_you_mean": "did you mean --columns {spec}?",
    "hint_name_the_columns": "name the columns with --columns KEY=NAME (keys: agent, customer, role, content, time)",
    # Task labels and what a worker is doing now (``TASK_LABEL_CODES``).
    "label_writing": "writing {name}",
    "label_count": "count {group}",
    "label_build": "build {group}",
    "label_group_one": "partition {first}",
    "label_group_range": "partitions {first}–{last}",
    "label_preprocess": "preprocess",
    "label_batching": "batching",
    "label_relay": "relay",
    "label_model_build": "building the model",
    "label_batch": "batch of {n}",
    "label_files": "{n} file(s)",
    "label_groups_on_cluster": "{n} group(s) on the cluster",
}

#: The forms of a task's label (``TaskSpec.label``) and of a worker's current activity
#: (``StatusReporter.begin``) that are words rather than a file's name. They travel as plain text,
#: as the command line prints them; a window in another language recognises a label by its form
#: (``{n}``, ``{first}``, ``{last}``: digits; any other field: any text) and says it in its language.
TASK_LABEL_CODES = tuple(code for code in ENGLISH if code.startswith("label_"))


def english(code: str, params: Mapping[str, Any]) -> str:
    """The English text of ``code`` with ``params`` (a KeyError for an unknown code or a missing param)."""
    return ENGLISH[code].format(**params)


def inner(name: str, text: str, code: str = "", params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Params that put the message ``text`` (coded ``code``/``params``, or none) in the field
    ``name`` of another: ``{name: text, name_code: …, name_params: …}``. The outer English text is
    built from ``text``; a window translates the inner message by its own code."""
    if not code:
        return {name: text}
    return {name: text, f"{name}_code": code, f"{name}_params": dict(params or {})}


def inner_coded(name: str, code: str, **params: Any) -> dict[str, Any]:
    """``inner`` for the message ``code`` with ``params`` (its English text made here)."""
    return inner(name, english(code, params), code, params)


def inner_error(name: str, exc: BaseException) -> dict[str, Any]:
    """``inner`` for an exception: its text, and its code when it carries one."""
    return inner(name, str(exc), *code_and_params(exc))


def inner_lines(name: str, lines: list[tuple[str, dict[str, Any]]], separator: str) -> dict[str, Any]:
    """``inner`` for a message made of several coded ``lines`` joined by ``separator`` ("\\n", "; ",
    ", "): a window says each line by its code and joins them with its own separator."""
    text = separator.join(english(code, params) for code, params in lines)
    return {
        name: text,
        f"{name}_lines": [[code, dict(params)] for code, params in lines],
        f"{name}_separator": separator,
    }


def inner_exception(name: str, exception: str, detail: str) -> dict[str, Any]:
    """``inner`` for an exception said as "Type: detail" (or "Type" alone without a detail); a window
    names the exception's kind in its language and keeps the detail."""
    if detail:
        return inner_coded(name, "exception_text", exception=exception, detail=detail)
    return inner_coded(name, "exception_only", exception=exception)


def exception_code(exc: BaseException) -> tuple[str, dict[str, Any]]:
    """(code, params) of "Type: message" (``engine.status.format_exception``'s reason, a run's
    failure line): the class name, and the message by its own code when it has one."""
    name = type(exc).__name__
    if not str(exc):
        return "exception_only", {"exception": name}
    return "exception_text", {"exception": name, **inner("detail", str(exc), *code_and_params(exc))}


def errno_name(exc: OSError) -> str:
    """ "ECONNREFUSED" for an OSError with that errno, "" for one without a known errno."""
    return errno.errorcode.get(exc.errno, "") if isinstance(exc.errno, int) else ""


@dataclass(frozen=True)
class CodedText:
    """A message as data that crosses processes and goes inside JSON bodies (the service's 503
    reasons): ``code`` and its params as sorted pairs, so that it is hashable (the door makes its
    canned answer once per reason) and pickles small; ``text`` is its English."""

    code: str
    pairs: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, code: str, **params: Any) -> CodedText:
        return cls(code, tuple(sorted(params.items())))

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.pairs)

    @property
    def text(self) -> str:
        return english(self.code, self.params)

    def fields(self) -> dict[str, Any]:
        """A JSON error body's fields: ``error`` (the English, what a plain client reads), ``code``, ``params``."""
        return {"error": self.text, "code": self.code, "params": self.params}

    @classmethod
    def read(cls, body: Mapping[str, Any]) -> CodedText | None:
        """The coded reason of a JSON error body made by ``fields`` (a known ``code`` and its
        ``params``), or None for a plain one (only ``error``) or one from someone else."""
        code, params = body.get("code"), body.get("params")
        if isinstance(code, str) and code in ENGLISH and isinstance(params, dict):
            return cls(code, tuple(sorted(params.items())))
        return None


class CodedError(Exception):
    """An exception whose message is ``ENGLISH[code]`` formatted with ``params``; ``code`` is empty
    for one raised with a plain message (it still works everywhere, untranslated)."""

    code: str = ""
    params: Mapping[str, Any] = {}

    @classmethod
    def coded(cls, code: str, **params: Any) -> Self:
        error = cls(english(code, params))
        error.code, error.params = code, dict(params)
        return error


def code_and_params(exc: BaseException) -> tuple[str, dict[str, Any]]:
    """(code, params) of an exception, ("", {}) when it carries none; an OSError's own text
    ("[Errno 21] Is a directory: 'a' -> 'b'") by its errno."""
    if isinstance(exc, CodedError) and exc.code:
        return exc.code, dict(exc.params)
    if isinstance(exc, OSError):
        return os_error_code(exc)
    return "", {}


def os_error_code(exc: OSError) -> tuple[str, dict[str, Any]]:
    """(code, params) that say ``str(exc)`` of an OSError with an errno and its C-library text;
    ("", {}) for any other (a socket.gaierror, an OSError made from a plain message)."""
    if not isinstance(exc.errno, int) or not exc.strerror:
        return "", {}
    params: dict[str, Any] = {"number": exc.errno, "cause": exc.strerror}
    if exc.strerror == os.strerror(exc.errno):  # the C library's words: a window says them by name
        params["errno"] = errno_name(exc)
    code = "os_error"
    if exc.filename is not None:
        code, params["file"] = "os_error_file", repr(exc.filename)
        if exc.filename2 is not None:
            code, params["file2"] = "os_error_files", repr(exc.filename2)
    return (code, params) if english(code, params) == str(exc) else ("", {})
