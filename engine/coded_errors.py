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

from collections.abc import Mapping
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
    "hint_check_the_path": "check the path (files, folders or glob patterns in quotes)",
    "hint_inputs_kinds": "the inputs must hold {kinds} files (outside the output folder)",
    "hint_give_a_folder": "give a folder for the output (it is created if missing)",
    "hint_another_folder": "choose another output folder",
    "hint_did_you_mean": "did you mean --columns {spec}?",
    "hint_name_the_columns": "name the columns with --columns KEY=NAME (keys: agent, customer, role, content, time)",
}


def english(code: str, params: Mapping[str, Any]) -> str:
    """The English text of ``code`` with ``params`` (a KeyError for an unknown code or a missing param)."""
    return ENGLISH[code].format(**params)


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
    """(code, params) of an exception, ("", {}) when it carries none."""
    return (exc.code, dict(exc.params)) if isinstance(exc, CodedError) and exc.code else ("", {})
