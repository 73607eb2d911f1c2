"""demo-report.json: the files a demo run writes, so that its folder is never mistaken for more.

Written before the first file (status "running", every file the run will write) and again at the
end (the files written, "finished" or "stopped"). ``engine.output_folder`` reads it: a later run
into the same folder is refused unless it overwrites, and a reader of the folder (clean on the demo
folder) takes exactly these files, not the leftovers of an earlier run with more files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.atomic import atomic_path

REPORT_NAME = "demo-report.json"


def write_demo_report(out_dir: Path, status: str, outputs: list[str], settings: dict[str, Any]) -> Path:
    """Write (write-then-rename) the report of a demo run into ``out_dir``."""
    path = Path(out_dir) / REPORT_NAME
    report = {"job": "demo", "status": status, "out_dir": str(out_dir), "settings": settings, "outputs": outputs}
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return path
