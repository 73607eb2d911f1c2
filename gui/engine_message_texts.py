"""The engine's messages by code as translation sources (context ``EngineMessages``).

``MESSAGES`` repeats ``engine.coded_errors.ENGLISH`` word for word because lupdate reads translation
sources from the GUI's files (tests/test_gui_engine_messages.py checks that the two agree);
gui/engine_messages.py says a message in the UI language with them.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QT_TRANSLATE_NOOP

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
    "load_status_count": QT_TRANSLATE_NOOP("EngineMessages", "{http_status}: {count}"),
    "load_conn_errors": QT_TRANSLATE_NOOP("EngineMessages", "conn-error: {count}"),
    "http_error": QT_TRANSLATE_NOOP("EngineMessages", "{http_status}: {reason}"),
    "shed_predicted": QT_TRANSLATE_NOOP(
        "EngineMessages", "shed: predicted latency over the {target_ms:g} ms target; retry later"
    ),
    "shed_inflight": QT_TRANSLATE_NOOP(
        "EngineMessages",
        "shed: more requests in flight than can be answered within the {target_ms:g} ms target; retry later",
    ),
    "shed_expired": QT_TRANSLATE_NOOP(
        "EngineMessages", "shed: not answered within the {target_ms:g} ms target; retry later"
    ),
    "shed_batcher": QT_TRANSLATE_NOOP(
        "EngineMessages", "shed: predicted latency over the {target_ms:g} ms target; retry in {retry_s} s"
    ),
    "overloaded_inflight": QT_TRANSLATE_NOOP(
        "EngineMessages", "overloaded: {inflight} items in flight (limit {limit}); retry later"
    ),
    "service_shutting_down": QT_TRANSLATE_NOOP("EngineMessages", "the service is shutting down"),
    "exception_text": QT_TRANSLATE_NOOP("EngineMessages", "{exception}: {detail}"),
    "exception_only": QT_TRANSLATE_NOOP("EngineMessages", "{exception}"),
    "load_other_errors": QT_TRANSLATE_NOOP("EngineMessages", "other errors"),
    "os_error": QT_TRANSLATE_NOOP("EngineMessages", "[Errno {number}] {cause}"),
    "os_error_file": QT_TRANSLATE_NOOP("EngineMessages", "[Errno {number}] {cause}: {file}"),
    "os_error_files": QT_TRANSLATE_NOOP("EngineMessages", "[Errno {number}] {cause}: {file} -> {file2}"),
    "cluster_starting_local": QT_TRANSLATE_NOOP(
        "EngineMessages", "starting a Dask cluster of {workers} local workers…"
    ),
    "cluster_connecting": QT_TRANSLATE_NOOP("EngineMessages", "connecting to the Dask scheduler at {address}…"),
    "cluster_running": QT_TRANSLATE_NOOP(
        "EngineMessages",
        "running on the Dask cluster at {scheduler} ({address}): {workers} workers, {threads} threads; every worker reaches the data",
    ),
    "cluster_failed_in_flight": QT_TRANSLATE_NOOP("EngineMessages", "{failure} ({tasks} tasks in flight)"),
    "cluster_connection_lost": QT_TRANSLATE_NOOP(
        "EngineMessages", "lost the connection to the Dask scheduler at {address} ({tasks} tasks in flight)"
    ),
    "task_run_alone": QT_TRANSLATE_NOOP(
        "EngineMessages",
        "{task}: a worker died under it on all {deaths} attempts, with other tasks beside it: run once more alone on one worker, to tell whether it is the cause",
    ),
    "cluster_no_groups": QT_TRANSLATE_NOOP(
        "EngineMessages",
        "the scheduler did not take mpwatch's plugin ({reason}): one task per Dask task, which costs a few ms more per task",
    ),
    "task_attempts": QT_TRANSLATE_NOOP(
        "EngineMessages",
        "{task}: {attempts} attempts ({deaths} worker(s) died under it, {retried} retries after it raised)",
    ),
    "task_failed": QT_TRANSLATE_NOOP("EngineMessages", "{task} failed: {reason}"),
    "worker_died_every_attempt": QT_TRANSLATE_NOOP("EngineMessages", "worker died on all {attempts} attempts"),
    "worker_died_every_attempt_alone": QT_TRANSLATE_NOOP(
        "EngineMessages", "worker died on all {attempts} attempts, the last one alone on it"
    ),
    "cancelled_still_running": QT_TRANSLATE_NOOP(
        "EngineMessages",
        "{count} cancelled task(s) still running on the cluster after {grace_s:g} s (they stop at their next stop check): {tasks}",
    ),
    "cluster_worker_joined": QT_TRANSLATE_NOOP("EngineMessages", "{worker} joined the cluster"),
    "cluster_worker_left": QT_TRANSLATE_NOOP("EngineMessages", "{worker} left the cluster"),
    "cluster_worker_rescheduled": QT_TRANSLATE_NOOP(
        "EngineMessages", "{worker} was running {tasks}: scheduled again on the other workers"
    ),
    "local_worker_crash_loop": QT_TRANSLATE_NOOP(
        "EngineMessages",
        "local Dask worker {number} of {count} (pid {pid}) ended with {exit} before it started, {failures} times in a row: not started again",
    ),
    "local_workers_ready": QT_TRANSLATE_NOOP("EngineMessages", "{ready} of {count} local Dask workers started"),
    "local_workers_late": QT_TRANSLATE_NOOP(
        "EngineMessages",
        "the {workers} local Dask workers did not start within {timeout_s:g} s ({reason}; exit codes {exit_codes}, {restarts} restarted)",
    ),
    "scheduler_no_answer_at": QT_TRANSLATE_NOOP("EngineMessages", "no Dask scheduler answered at {address}: {reason}"),
    "scheduler_no_workers": QT_TRANSLATE_NOOP(
        "EngineMessages", "the Dask scheduler at {address} has no workers (start some with: dask worker {address})"
    ),
    "scheduler_timeout": QT_TRANSLATE_NOOP(
        "EngineMessages", "cannot reach the Dask scheduler at {address}: no answer within {timeout_s:g} s"
    ),
    "scheduler_unreachable": QT_TRANSLATE_NOOP(
        "EngineMessages", "cannot reach the Dask scheduler at {address}: {cause}"
    ),
    "scheduler_silent": QT_TRANSLATE_NOOP(
        "EngineMessages",
        "{address} accepted the connection but did not answer like a Dask scheduler within {timeout_s:g} s (is it the scheduler's port?)",
    ),
    "reach_timeout": QT_TRANSLATE_NOOP(
        "EngineMessages", "the data check did not finish within {timeout_s:g} s on {workers}"
    ),
    "reach_failed": QT_TRANSLATE_NOOP(
        "EngineMessages",
        "the cluster's workers cannot reach the data (workers read and write by path, so every host needs the same paths):\n{problems}",
    ),
    "reach_check_failed": QT_TRANSLATE_NOOP(
        "EngineMessages", "worker {address} could not run the data check: {reason}"
    ),
    "reach_cannot_read": QT_TRANSLATE_NOOP("EngineMessages", "worker {address} cannot read {path}: {cause}"),
    "reach_cannot_write": QT_TRANSLATE_NOOP("EngineMessages", "worker {address} cannot write to {path}: {cause}"),
    "reach_more": QT_TRANSLATE_NOOP("EngineMessages", "… and {more} more"),
    "address_local_needs_a_worker": QT_TRANSLATE_NOOP(
        "EngineMessages", "{text}: a local cluster needs at least 1 worker (local:2)"
    ),
    "address_port_out_of_range": QT_TRANSLATE_NOOP("EngineMessages", "{text}: port {port} is out of range (1-65535)"),
    "address_not_a_cluster": QT_TRANSLATE_NOOP(
        "EngineMessages",
        "{text} is not a cluster address: use tcp://HOST:PORT for a running Dask scheduler (e.g. tcp://10.0.0.5:{port}) or local:N for N local worker processes",
    ),
    "connection_test_no_answer": QT_TRANSLATE_NOOP(
        "EngineMessages", "the connection test ended without an answer ({exit})"
    ),
    "connection_test_timeout": QT_TRANSLATE_NOOP("EngineMessages", "no answer from {address} within {limit:g} s"),
    "connection_test_cancelled": QT_TRANSLATE_NOOP("EngineMessages", "cancelled"),
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
    "label_writing": QT_TRANSLATE_NOOP("EngineMessages", "writing {name}"),
    "label_count": QT_TRANSLATE_NOOP("EngineMessages", "count {group}"),
    "label_build": QT_TRANSLATE_NOOP("EngineMessages", "build {group}"),
    "label_group_one": QT_TRANSLATE_NOOP("EngineMessages", "partition {first}"),
    "label_group_range": QT_TRANSLATE_NOOP("EngineMessages", "partitions {first}–{last}"),
    "label_preprocess": QT_TRANSLATE_NOOP("EngineMessages", "preprocess"),
    "label_batching": QT_TRANSLATE_NOOP("EngineMessages", "batching"),
    "label_relay": QT_TRANSLATE_NOOP("EngineMessages", "relay"),
    "label_model_build": QT_TRANSLATE_NOOP("EngineMessages", "building the model"),
    "label_batch": QT_TRANSLATE_NOOP("EngineMessages", "batch of {n}"),
    "label_files": QT_TRANSLATE_NOOP("EngineMessages", "{n} file(s)"),
    "label_groups_on_cluster": QT_TRANSLATE_NOOP("EngineMessages", "{n} group(s) on the cluster"),
}


# An HTTP status said with its phrase ("503 Service Unavailable"): the statuses the service and the
# HTTP stack send; any other is said by its number alone.
HTTP_STATUS_PHRASES: Mapping[int, str] = {
    200: QT_TRANSLATE_NOOP("EngineMessages", "OK"),
    400: QT_TRANSLATE_NOOP("EngineMessages", "Bad Request"),
    401: QT_TRANSLATE_NOOP("EngineMessages", "Unauthorized"),
    404: QT_TRANSLATE_NOOP("EngineMessages", "Not Found"),
    405: QT_TRANSLATE_NOOP("EngineMessages", "Method Not Allowed"),
    408: QT_TRANSLATE_NOOP("EngineMessages", "Request Timeout"),
    413: QT_TRANSLATE_NOOP("EngineMessages", "Payload Too Large"),
    429: QT_TRANSLATE_NOOP("EngineMessages", "Too Many Requests"),
    500: QT_TRANSLATE_NOOP("EngineMessages", "Internal Server Error"),
    502: QT_TRANSLATE_NOOP("EngineMessages", "Bad Gateway"),
    503: QT_TRANSLATE_NOOP("EngineMessages", "Service Unavailable"),
    504: QT_TRANSLATE_NOOP("EngineMessages", "Gateway Timeout"),
}

# An exception's class name → what it means, for "Type: detail" inside a line (the load generator's
# connection errors, a task's OSError); the class name is kept beside it, the detail as it is.
EXCEPTION_PHRASES: Mapping[str, str] = {
    "ConnectionRefusedError": QT_TRANSLATE_NOOP("EngineMessages", "connection refused"),
    "ConnectionResetError": QT_TRANSLATE_NOOP("EngineMessages", "connection reset"),
    "ConnectionAbortedError": QT_TRANSLATE_NOOP("EngineMessages", "connection aborted"),
    "BrokenPipeError": QT_TRANSLATE_NOOP("EngineMessages", "connection closed while sending"),
    "ConnectionError": QT_TRANSLATE_NOOP("EngineMessages", "connection error"),
    "TimeoutError": QT_TRANSLATE_NOOP("EngineMessages", "timed out"),
    "IncompleteReadError": QT_TRANSLATE_NOOP("EngineMessages", "the answer was cut short"),
    "OSError": QT_TRANSLATE_NOOP("EngineMessages", "system error"),
    "ValueError": QT_TRANSLATE_NOOP("EngineMessages", "unreadable answer"),
    "JSONDecodeError": QT_TRANSLATE_NOOP("EngineMessages", "unreadable answer"),
    "FileNotFoundError": QT_TRANSLATE_NOOP("EngineMessages", "file not found"),
    "IsADirectoryError": QT_TRANSLATE_NOOP("EngineMessages", "is a folder"),
    "NotADirectoryError": QT_TRANSLATE_NOOP("EngineMessages", "not a folder"),
    "PermissionError": QT_TRANSLATE_NOOP("EngineMessages", "permission denied"),
}

# "{phrase} ({name})": an exception said by its phrase, its class name kept for a search.
EXCEPTION_NAMED = QT_TRANSLATE_NOOP("EngineMessages", "{phrase} ({name})")

# "{status} {phrase}": an HTTP status with its phrase ("503 Service Unavailable").
HTTP_STATUS_NAMED = QT_TRANSLATE_NOOP("EngineMessages", "{status} {phrase}")

# Between the items of a list said on one line ("200: 5, 503: 2").
LIST_SEPARATOR = QT_TRANSLATE_NOOP("EngineMessages", ", ")
