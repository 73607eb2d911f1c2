"""The CLI's ``--report FILE.html``: the report "Save report…" writes, drawn by the job's own panel, offscreen.

The headless command ran the job and kept its ``RunRecord`` (engine/run_record.py: the job's
progress tracker with its chart histories, every event in order). Here the panel that shows that
job in the window is built in an offscreen QApplication (``QT_QPA_PLATFORM=offscreen``, set before
the application exists: no window appears and no display is needed), shows the record
(``JobPanel.show_record``) and writes its report (``JobPanel.save_report``). The summary, the file
table, the charts (pyqtgraph's exporter on the panel's real charts), the settings and the versions
are therefore those of the window's report, in the language the window would speak.

main.py hands ``render_report`` to ``engine.cli.main``; the engine never imports this module.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from engine.run_record import RunRecord

#: The size the panel is laid out at: the main window's default width and a little more than its tab
#: area's height, so the charts get the proportions a person sees and nothing is squeezed.
PANEL_SIZE = (1280, 760)


def _without_platform_notes(_mode: object, _context: object, message: str) -> None:
    """Qt's messages on stderr, except the offscreen platform's note that it cannot propagate size
    hints (said for every top-level layout change; it means nothing to a person running a command)."""
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr)


def render_report(record: RunRecord, path: Path) -> Path:
    """Write the HTML report of ``record`` (a finished run of a job that has a panel) to ``path``."""
    if "PySide6.QtGui" not in sys.modules:  # no Qt application can exist yet: make the one we create offscreen
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import Qt, qInstallMessageHandler

    from gui.app import configure_application
    from gui.main_window import load_panel_classes
    from gui.run_controller import AppServices
    from gui.status_poller import StatusPoller
    from gui.theme import apply_theme

    app = configure_application()
    panel_class = {cls.kind: cls for cls in load_panel_classes()}.get(record.kind)
    if panel_class is None:
        raise ValueError(f"no panel shows {record.kind!r} runs")
    poller = StatusPoller()
    panel = panel_class(AppServices(poller))
    previous_handler = qInstallMessageHandler(_without_platform_notes)
    try:
        panel.resize(*PANEL_SIZE)
        apply_theme(panel)
        panel.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        panel.show()  # laid out and "visible", so its views refresh, but never on a screen
        app.processEvents()
        panel.show_record(record)
        # Paint once and let the layout settle: an axis learns how wide its new tick labels are while
        # painting, and only the next layout pass makes room for them (as on screen before a click).
        panel.grab()
        app.processEvents()
        written = panel.save_report(path)
    finally:
        panel.close()
        panel.deleteLater()
        poller.close()
        qInstallMessageHandler(previous_handler)
    if written is None:
        raise RuntimeError("the panel wrote no report")
    return written
