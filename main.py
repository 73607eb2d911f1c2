"""mpwatch entry point: the app by default, headless sub-commands otherwise.

No Qt (and no pandas) is imported at module level: spawn re-imports the main module in every child
process, and a child that imports Qt starts ~10× slower (0.65 s instead of 0.06 s measured).
"""

from __future__ import annotations

import os
import sys

#: Exit code when the app cannot open a window (same as a bad command line).
EXIT_NO_DISPLAY = 2


def display_problem() -> str | None:
    """Why the app cannot open a window here, or None when it (probably) can.

    Checked before a QApplication exists: without a display Qt aborts the process (exit 134) with
    advice about reinstalling. On Linux and the BSDs a window needs DISPLAY or WAYLAND_DISPLAY,
    unless QT_QPA_PLATFORM names a platform plugin explicitly (offscreen, vnc, eglfs…).
    """
    if os.environ.get("QT_QPA_PLATFORM"):
        return None
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            return "no display (neither DISPLAY nor WAYLAND_DISPLAY is set)"
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    gui = not argv or argv[0] in ("gui", "app")
    from engine.stop_signals import install_stop_signals

    # First thing: from now on Ctrl-C, SIGTERM and SIGHUP mean Stop (one line, never a traceback),
    # even during the imports below. The window closes on them instead of raising.
    install_stop_signals(interrupt=not gui)
    if gui:
        problem = display_problem()
        if problem is not None:
            from engine.cli import SUBCOMMAND_MODULES

            print(
                f"mpwatch: cannot open the app: {problem}. Headless sub-commands: "
                f"{', '.join(SUBCOMMAND_MODULES)} (python main.py COMMAND --help); "
                "for screenshots without a display set QT_QPA_PLATFORM=offscreen",
                file=sys.stderr,
            )
            return EXIT_NO_DISPLAY
        from gui.app import run_app

        return run_app(argv[1:])
    from engine.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
