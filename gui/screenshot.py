"""Save a screenshot of the real main window, optionally mid-job (for reviews and the README).

    xvfb-run -a env QT_QPA_PLATFORM=xcb python -m gui.screenshot shot.png --tab demo --start --after 6
    xvfb-run -a env QT_QPA_PLATFORM=xcb python -m gui.screenshot zh.png --tab clean --lang zh_CN

Starts the app, switches to a tab, optionally presses its Start button, waits, grabs the window,
stops whatever runs and exits once every engine process has ended.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from PySide6.QtCore import QTimer


def attribute(obj: object, dotted: str) -> Any:
    """``panel.form.inputs`` from ``"form.inputs"``."""
    for name in dotted.split("."):
        obj = getattr(obj, name)
    return obj


def assign(root: object, assignment: str) -> None:
    """Apply ``"form.inputs=/data"``: a widget's value, text, index (combo box, tab widget) or
    check state (``form.resume=0``: a check box, 0 or 1)."""
    name, value = assignment.split("=", 1)
    widget = attribute(root, name)
    if hasattr(widget, "setChecked"):
        widget.setChecked(bool(int(value)))
    elif hasattr(widget, "setValue"):
        widget.setValue(type(widget.value())(value))
    elif hasattr(widget, "setCurrentIndex"):  # a combo box's item, a tab widget's page
        widget.setCurrentIndex(int(value))
    elif hasattr(widget, "set_text"):
        widget.set_text(value)
    else:
        widget.setText(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", help="PNG file to write")
    parser.add_argument("--tab", default="demo", help="panel kind to show (demo, clean, dialogues, pipeline)")
    parser.add_argument("--start", action="store_true", help="press the panel's Start button")
    parser.add_argument("--after", type=float, default=3.0, help="seconds to wait before the grab")
    parser.add_argument("--size", default="1280x860", help="window size WxH")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="WIDGET=VALUE",
        help="set a panel widget's text/value (or index: combo box, tabs) before starting, "
        "e.g. rows=5000, form.inputs=/data (a dotted path from the panel), batching.tabs=1, "
        "or the window's, set just before the grab: window.bottom=1 (the Log tab)",
    )
    parser.add_argument(
        "--press",
        action="append",
        default=[],
        metavar="BUTTON@SECONDS",
        help="click a panel's button that many seconds after launch, e.g. load.button@5",
    )
    parser.add_argument("--lang", choices=("zh_CN", "en"), help="UI language (default: the saved or system one)")
    parser.add_argument("--dark", action="store_true", help="a dark palette, as a desktop in dark mode gives")
    args = parser.parse_args(argv)
    if args.lang:
        os.environ["MPWATCH_LANGUAGE"] = args.lang

    from gui.app import configure_application, exec_until_stopped
    from gui.main_window import MainWindow

    app = configure_application()
    if args.dark:
        from gui.theme import dark_palette

        app.setPalette(dark_palette())
    window = MainWindow()
    window.ask_before_closing = False
    width, height = (int(v) for v in args.size.split("x"))
    window.resize(width, height)
    window.show()
    panel = window.panels[args.tab]
    window.tabs.setCurrentWidget(panel)
    window_sets = [a for a in args.set if a.startswith("window.")]
    for assignment in args.set:
        if assignment not in window_sets:
            assign(panel, assignment)
    if args.start:
        QTimer.singleShot(300, panel.start_job)
    for press in args.press:
        name, _, seconds = press.partition("@")
        QTimer.singleShot(int(float(seconds or 0) * 1000), attribute(panel, name).click)

    def grab() -> None:
        for assignment in window_sets:  # a run's start resets the window's views: set them last
            assign(window, assignment.removeprefix("window."))
        window.grab().save(args.out)
        print(f"saved {args.out}", file=sys.stderr)
        window.close()

    QTimer.singleShot(int(args.after * 1000), grab)
    return exec_until_stopped(app, window)


if __name__ == "__main__":
    sys.exit(main())
