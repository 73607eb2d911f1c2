""" "Run on": this machine, a local cluster of N worker processes, or a Dask scheduler's address.

One compact row (a choice, the number of local workers or the address, "Test connection") with the
test's answer under it; remembered in the settings under the panel's prefix. ``cluster()`` is what
the job's config gets (``None``: this machine's process pool).

    "Test connection" ─► ConnectionTest(address).start()  (engine/cluster/connection_test.py: a
                         process of its own connects, lists the workers, disconnects)
    QTimer every 100 ms ─► poll() (never blocks) ─► the workers (address, threads, memory) or the
                           error, in the label under the row; the timer stops once the process is reaped

The event loop never waits on the test: a scheduler that does not answer costs the window nothing,
and the answer comes within the connect deadline (10 s) plus the process's start.
"""

from __future__ import annotations

import functools

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from engine.cluster.address import DASK_SCHEDULER_PORT, parse_cluster_address
from engine.cluster.connection import CONNECT_TIMEOUT_S
from engine.cluster.connection_test import ConnectionTest, ConnectionTestResult
from engine.coded_errors import code_and_params
from gui.engine_messages import engine_text
from gui.widgets.forms import spin_box
from gui.widgets.retranslate import RetranslateOnLanguageChange

# The choices, as stored in the settings.
THIS_MACHINE, LOCAL_CLUSTER, SCHEDULER = "machine", "local", "scheduler"
MODES = (THIS_MACHINE, LOCAL_CLUSTER, SCHEDULER)

# Workers listed under the row after a test (the rest are counted).
WORKERS_SHOWN = 6
POLL_MS = 100
ERROR_COLOR = "#c62828"


class RunOnSelector(RetranslateOnLanguageChange, QWidget):
    """Where a job's tasks run; ``caption`` is the label a form puts before it."""

    changed = Signal()

    def __init__(self, settings_prefix: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings_prefix = settings_prefix
        self.timeout_s = CONNECT_TIMEOUT_S
        settings = QSettings()
        self.caption = QLabel()
        self.mode = QComboBox()
        for mode in MODES:
            self.mode.addItem(mode, mode)  # texts set in retranslate(); the data is the stored key
        self.mode.setCurrentIndex(
            max(0, self.mode.findData(settings.value(self._key("run_on"), THIS_MACHINE, type=str)))
        )
        self.local_workers = spin_box(1, 256, settings.value(self._key("run_on_local_workers"), 2, type=int))
        self.address = QLineEdit(settings.value(self._key("run_on_address"), "", type=str))
        self.test_button = QPushButton()
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result.setVisible(False)
        self.result.setObjectName("runOnResult")

        # Short rows rather than one long one: the form stays as narrow as it was.
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.mode)
        row.addWidget(self.local_workers)
        row.addWidget(self.address, 1)
        test_row = QHBoxLayout()
        test_row.setContentsMargins(0, 0, 0, 0)
        test_row.addWidget(self.test_button)
        test_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(row)
        layout.addLayout(test_row)
        layout.addWidget(self.result)

        self._test: ConnectionTest | None = None
        self._shown: ConnectionTestResult | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll_test)
        self.mode.currentIndexChanged.connect(self._on_choice_changed)
        self.local_workers.valueChanged.connect(self._on_choice_changed)
        self.address.textChanged.connect(self._on_choice_changed)
        self.test_button.clicked.connect(self.test_connection)
        self._live_tests: list[ConnectionTest] = []  # started and not reaped yet
        self.destroyed.connect(functools.partial(_end_tests, self._live_tests))
        self._update_visible()
        self.retranslate()

    # -- the value --------------------------------------------------------------------------------
    def chosen_mode(self) -> str:
        return self.mode.currentData()

    def set_choice(self, mode: str, local_workers: int | None = None, address: str | None = None) -> None:
        """Choose programmatically (as a person would with the widgets); saved like a click."""
        if local_workers is not None:
            self.local_workers.setValue(local_workers)
        if address is not None:
            self.address.setText(address)
        self.mode.setCurrentIndex(self.mode.findData(mode))

    def cluster(self) -> str | None:
        """``None`` (this machine), ``local:N`` or ``tcp://HOST:PORT``; ValueError with a message for
        a person when the address is not one."""
        mode = self.chosen_mode()
        if mode == LOCAL_CLUSTER:
            return f"local:{self.local_workers.value()}"
        if mode == SCHEDULER:
            text = self.address.text().strip()
            if not text:
                raise ValueError(self.tr("Run on: enter the scheduler's address (tcp://HOST:PORT)."))
            try:
                return str(parse_cluster_address(text))
            except ValueError as exc:
                error = engine_text(*code_and_params(exc), str(exc))
                raise ValueError(self.tr("Run on: {error}").format(error=error)) from None
        return None

    # -- Test connection ----------------------------------------------------------------------------
    @property
    def testing(self) -> bool:
        return self._test is not None and self._test.result is None

    def test_connection(self) -> None:
        """Start a connection test (its answer appears under the row); never waits for it."""
        try:
            address = self.cluster()
        except ValueError as exc:
            self._show_text(str(exc), error=True)
            return
        if address is None:
            return
        self.cancel_test()
        self._test = ConnectionTest(address, self.timeout_s).start()
        self._live_tests.append(self._test)
        self._shown = None
        self._show_text(self.tr("Connecting to {address}…").format(address=address))
        self._update_button()
        self._timer.start()

    def cancel_test(self) -> None:
        """Give up on a test still running (its process is ended; nothing is shown for it)."""
        if self._test is not None:
            self._test.cancel()
            self._reap_later(self._test)
        self._test = None
        self._update_button()

    def _poll_test(self) -> None:
        test = self._test
        if test is None:
            self._timer.stop()
            return
        result = test.poll()
        if result is not None and self._shown is not result:
            self._shown = result
            self._show_result(result)
            self._update_button()
        if test.done:
            self._timer.stop()
            if test in self._live_tests:
                self._live_tests.remove(test)

    def _reap_later(self, test: ConnectionTest) -> None:
        """A given-up test's process is reaped by a timer of its own (it may take a moment to end)."""
        timer = QTimer(self)
        timer.setInterval(POLL_MS)

        def reap() -> None:
            test.poll()
            if test.done:
                timer.stop()
                timer.deleteLater()
                if test in self._live_tests:
                    self._live_tests.remove(test)

        timer.timeout.connect(reap)
        timer.start()

    def _show_result(self, result: ConnectionTestResult) -> None:
        if not result.ok:
            self._show_text(
                self.tr("Cannot use {address}: {error}").format(
                    address=result.address, error=engine_text(result.code, result.params, result.error)
                ),
                True,
            )
            return
        lines = [
            self.tr("{n} workers at {address} (answered in {seconds} s):").format(
                n=len(result.workers), address=result.address, seconds=f"{result.seconds:.1f}"
            )
        ]
        for worker in result.workers[:WORKERS_SHOWN]:
            memory = "–" if worker.rss_bytes is None else f"{worker.rss_bytes / 2**20:,.0f} MB"
            threads = self.tr("{n} thread(s)").format(n=worker.threads if worker.threads is not None else "?")
            lines.append(f"{worker.name} · {threads} · {memory}")
        if len(result.workers) > WORKERS_SHOWN:
            lines.append(self.tr("…and {n} more").format(n=len(result.workers) - WORKERS_SHOWN))
        self._show_text("\n".join(lines))

    def _show_text(self, text: str, error: bool = False) -> None:
        self.result.setStyleSheet(f"color: {ERROR_COLOR}" if error else "")
        self.result.setText(text)
        self._update_visible()

    # -- the widgets ------------------------------------------------------------------------------
    def _key(self, name: str) -> str:
        return f"{self.settings_prefix}/{name}"

    def _on_choice_changed(self) -> None:
        settings = QSettings()
        settings.setValue(self._key("run_on"), self.chosen_mode())
        settings.setValue(self._key("run_on_local_workers"), self.local_workers.value())
        settings.setValue(self._key("run_on_address"), self.address.text().strip())
        self._update_visible()
        self.changed.emit()

    def _update_visible(self) -> None:
        mode = self.chosen_mode()
        self.local_workers.setVisible(mode == LOCAL_CLUSTER)
        self.address.setVisible(mode == SCHEDULER)
        self.test_button.setVisible(mode != THIS_MACHINE)
        self.result.setVisible(mode != THIS_MACHINE and bool(self.result.text()))
        self._update_button()

    def _update_button(self) -> None:
        self.test_button.setEnabled(self.chosen_mode() != THIS_MACHINE and not self.testing)
        self.test_button.setText(self.tr("Testing…") if self.testing else self.tr("Test connection"))

    def retranslate(self) -> None:
        self.caption.setText(self.tr("Run on"))
        names = {
            THIS_MACHINE: self.tr("this machine"),
            LOCAL_CLUSTER: self.tr("local cluster"),
            SCHEDULER: self.tr("scheduler address"),
        }
        for i in range(self.mode.count()):
            self.mode.setItemText(i, names[self.mode.itemData(i)])
        self.mode.setToolTip(
            self.tr(
                "this machine: the usual worker processes; local cluster: a Dask cluster of N worker "
                "processes started for the run; scheduler address: a running Dask scheduler (inputs and "
                "output must be at the same paths on every worker)"
            )
        )
        self.local_workers.setSuffix(self.tr(" workers"))
        self.address.setPlaceholderText(f"tcp://HOST:{DASK_SCHEDULER_PORT}")
        self._update_button()
        self.test_button.setToolTip(self.tr("Connect, list the workers (address, threads, memory), disconnect"))


def _end_tests(tests: list[ConnectionTest]) -> None:
    """The widget is gone: give up every test still running (their processes are terminated)."""
    for test in tests:
        test.cancel()
