"""mpwatch entry point: the app by default, headless sub-commands otherwise.

No Qt (and no pandas) is imported at module level: spawn re-imports the main module in every child
process, and a child that imports Qt starts ~10× slower (0.65 s instead of 0.06 s measured).
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("gui", "app"):
        from gui.app import run_app

        return run_app(argv[1:])
    from engine.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
