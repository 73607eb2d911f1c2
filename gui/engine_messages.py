"""The engine's error messages in the UI language, by their code (engine/coded_errors.py).

A failed file, a full disk or a stopped run reach the window as English text plus, for the common
ones, a ``code`` and ``params``. ``MESSAGES`` (gui/engine_message_texts.py) holds each code's English
text as a translation source (context ``EngineMessages``); a view shows ``failure_text(message)``:
the translation with the params filled in, or the engine's English text for a message without a
code, a code not listed here or a translation whose fields do not match (a new engine message still
shows, untranslated).

The cause of a disk fault or an unreachable path is the C library's English ("No space left on
device"); it is shown translated by its errno name (``ERRNO_CAUSES``), with the name kept where the
English text has it. An HTTP status is said with its phrase ("503 服务不可用"), an exception's class
name ("ConnectionRefusedError") by what it means, the name kept beside it. A task's label or a
worker's current activity ("writing clean_00000-00024.csv", "batch of 64") is recognised by its form
(``task_text``); a file's name stays as it is.
"""

from __future__ import annotations

import functools
import re
import signal
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from engine.coded_errors import ENGLISH, TASK_LABEL_CODES, code_and_params, english
from engine.status import JobFinished, LogLine, TaskFailed, WorkerExited
from gui.engine_message_texts import (
    EXCEPTION_NAMED,
    EXCEPTION_PHRASES,
    HTTP_STATUS_NAMED,
    HTTP_STATUS_PHRASES,
    LIST_SEPARATOR,
    MESSAGES,
)
from gui.i18n import SOURCE_LANGUAGE, current_language
from gui.terms import process_role

CONTEXT = "EngineMessages"

# A message made of fields alone, with no word to translate.
FIELDS_ONLY = re.compile(r"(?:\{\w+\})+")

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
    "ENOENT": QT_TRANSLATE_NOOP("EngineMessages", "No such file or directory"),
    "ENOTDIR": QT_TRANSLATE_NOOP("EngineMessages", "Not a directory"),
    "EISDIR": QT_TRANSLATE_NOOP("EngineMessages", "Is a directory"),
    "ECONNREFUSED": QT_TRANSLATE_NOOP("EngineMessages", "Connection refused"),
    "ECONNRESET": QT_TRANSLATE_NOOP("EngineMessages", "Connection reset by peer"),
    "EHOSTUNREACH": QT_TRANSLATE_NOOP("EngineMessages", "No route to host"),
    "ENETUNREACH": QT_TRANSLATE_NOOP("EngineMessages", "Network is unreachable"),
    "ETIMEDOUT": QT_TRANSLATE_NOOP("EngineMessages", "Connection timed out"),
}

# How a message made of lines is joined (``inner_lines``' separator) in the UI language.
SEPARATORS: Mapping[str, str] = {"; ": LINES_SEPARATOR, ", ": LIST_SEPARATOR}


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


#: What a field of a label form matches: a count or a partition number is digits, a name any text.
_LABEL_FIELDS = {"n": r"\d+", "first": r"\d+", "last": r"\d+"}


@functools.cache
def _label_forms() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Each label code with a pattern of its English form ("writing {name}" → ``writing (?P<name>.+)``)."""
    forms = []
    for code in TASK_LABEL_CODES:
        pieces = re.split(r"\{(\w+)\}", ENGLISH[code])  # text, field, text, field, …, text
        pattern = "".join(
            re.escape(piece) if i % 2 == 0 else f"(?P<{piece}>{_LABEL_FIELDS.get(piece, '.+')})"
            for i, piece in enumerate(pieces)
        )
        forms.append((code, re.compile(pattern)))
    return tuple(forms)


def task_text(label: str) -> str:
    """A task's label or a worker's current activity in the UI language, recognised by its form
    (``engine.coded_errors.TASK_LABEL_CODES``); any other label (a file: "#3 chat.xlsx") as it is."""
    for code, pattern in _label_forms():
        match = pattern.fullmatch(label)
        if match is not None:
            return engine_text(code, match.groupdict(), label)
    return label


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
            shown[name] = _separator(params.get(f"{name}_separator", "; ")).join(lines)
    if "worker" in params:
        shown["worker"] = process_role(params["worker"])
    for name in ("task", "group"):  # a task's label inside the message ("writing x.csv failed: …")
        if isinstance(params.get(name), str):
            shown[name] = task_text(params[name])
    if isinstance(params.get("roles"), list):  # a list of processes ("stages still running …")
        shown["stages"] = ", ".join(process_role(role) for role in params["roles"])
    if "exit" in params and isinstance(params.get("exitcode"), int):
        shown["exit"] = exitcode_text(params["exitcode"])
    if "sheet" in params:  # "missing column …{where}": the English " in sheet 'Sheet2'" in the UI language
        shown["where"] = _translate(SHEET).format(sheet=params["sheet"])
    if params.get("errno") in ERRNO_CAUSES and "cause" in params:
        name = params["errno"]
        named = str(params["cause"]).endswith(f"({name})")  # "No space left on device (ENOSPC)"
        shown["cause"] = f"{_translate(ERRNO_CAUSES[name])} ({name})" if named else _translate(ERRNO_CAUSES[name])
    if isinstance(params.get("http_status"), int):
        shown["http_status"] = http_status_text(params["http_status"])
    if isinstance(params.get("exception"), str) and not str(params.get("detail_code", "")).startswith("os_error"):
        shown["exception"] = exception_text(params["exception"])  # an OSError's detail says it already
    return shown


def _separator(english: str) -> str:
    """The UI language's ``english`` separator between lines ("; ", ", "); a line break as it is."""
    return _translate(SEPARATORS[english]) if english in SEPARATORS else english


def http_status_text(status: int) -> str:
    """ "503 服务不可用": an HTTP status and its phrase in the UI language (the number alone for a
    status without one, as in the English window, which says "503")."""
    phrase = HTTP_STATUS_PHRASES.get(status)
    translated = _translate(phrase) if phrase else ""
    if not translated or translated == phrase:
        return str(status)
    return _translate(HTTP_STATUS_NAMED).format(status=status, phrase=translated)


def exception_text(name: str) -> str:
    """ "连接被拒绝 (ConnectionRefusedError)": an exception's class name said by what it means in the
    UI language, the name kept; the name alone where there is no phrase for it."""
    phrase = EXCEPTION_PHRASES.get(name)
    translated = _translate(phrase) if phrase else ""
    if not translated or translated == phrase:
        return name
    return _translate(EXCEPTION_NAMED).format(phrase=translated, name=name)


def engine_text(code: str, params: Mapping[str, Any], english: str) -> str:
    """The message of ``code`` with ``params`` in the UI language; ``english`` (the engine's own
    text) when the code is empty or unknown, or the translation does not format."""
    source = MESSAGES.get(code) if code else None
    if source is None:
        return english
    translated = _translate(source)
    # the English UI (or no translation yet): the engine's own words; a message that is only its
    # fields ("{exception}") is the same in every language, its fields said in the UI language
    if translated == source and (current_language() == SOURCE_LANGUAGE or not FIELDS_ONLY.fullmatch(source)):
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
