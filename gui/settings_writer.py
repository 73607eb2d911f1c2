"""Settings written off the GUI thread, so that pressing Start never waits for the disk.

Data flow::

    GUI thread: save_settings({key: value, …}) ──► pending dict (the latest value of a key wins)
                                                       │ Condition
    "settings-writer" thread ◄─────────────────────────┘
        a QSettings of its own: setValue(…) for each, sync() (lock file, temporary file, fsync, rename)

Why: a QSettings made on the GUI thread writes its changes when it is deleted (and any QSettings
made while changes wait writes them), and each write ends in an fsync: measured 3-77 ms on a busy
disk. Start remembered its form with four to six such writes, which was the tick-lag spike at the
start of every run (issue 16). Qt guarantees distinct QSettings objects in different threads are
safe, even over the same file, and changes made through one are visible to every other QSettings
of the process, so readers see a value once the writer has set it; ``pending_value`` covers the
short time before that (File ▸ Recent folders right after a Start). ``flush`` waits until
everything handed over is written (the window's close, tests).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QSettings

log = logging.getLogger(__name__)

_MISSING = object()


class SettingsWriter:
    """One writer thread for the process's settings; ``save`` never blocks on the disk."""

    def __init__(self) -> None:
        self._pending: dict[str, Any] = {}
        self._in_flight: dict[str, Any] = {}  # taken by the writer, not yet written
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the writer thread now (the window does at start-up, so the first Start does not
        wait for a thread to start: 10-20 ms on a loaded machine)."""
        with self._changed:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="settings-writer", daemon=True)
                self._thread.start()

    def save(self, values: Mapping[str, Any]) -> None:
        """Hand ``values`` to the writer thread; returns at once."""
        self.start()
        with self._changed:
            self._pending.update(values)
            self._changed.notify_all()

    def pending_value(self, key: str, default: Any = None) -> Any:
        """The value of ``key`` handed over but perhaps not yet written, else ``default``."""
        with self._changed:
            value = self._pending.get(key, self._in_flight.get(key, _MISSING))
        return default if value is _MISSING else value

    def flush(self, timeout_s: float = 5.0) -> bool:
        """Wait until everything handed over is written; False after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while self._pending or self._in_flight:
                left = deadline - time.monotonic()
                if left <= 0 or self._thread is None:
                    return False
                self._changed.wait(left)
        return True

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._pending:
                    self._changed.wait()
                self._in_flight, self._pending = self._pending, {}
                values = self._in_flight
            try:
                settings = QSettings()
                for key, value in values.items():
                    settings.setValue(key, value)
                settings.sync()
                del settings
            except Exception:  # noqa: BLE001 - a failed write must not end the writer
                log.exception("could not write settings %s", sorted(values))
            with self._changed:
                self._in_flight = {}
                self._changed.notify_all()


_writer = SettingsWriter()


def start_settings_writer() -> None:
    """Start the writer thread ahead of the first save (see ``SettingsWriter.start``)."""
    _writer.start()


def save_settings(values: Mapping[str, Any]) -> None:
    """Remember ``values`` ({key: value}) in the app's settings, written off this thread."""
    _writer.save(values)


def pending_setting(key: str, default: Any = None) -> Any:
    """A value saved with ``save_settings`` and perhaps not yet written, else ``default``."""
    return _writer.pending_value(key, default)


def flush_settings(timeout_s: float = 5.0) -> bool:
    """Wait until every saved value is written (before the app exits; tests)."""
    return _writer.flush(timeout_s)
