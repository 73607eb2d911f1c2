"""The Clean panel set up the way the GUI tests of a clean run start it."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def clean_panel_filled(main_window: Any, inputs: Path, out: Path, segment_files: int, out_format: str) -> Any:
    """The Clean panel, its tab chosen and its form filled as a person would: 2 workers, no resume
    (the panels' settings outlive a test: an earlier one may have resumed)."""
    panel = main_window.panels["clean"]
    main_window.tabs.setCurrentWidget(panel)
    form = panel.form
    form.inputs.set_text(str(inputs))
    form.out_dir.set_text(str(out))
    form.workers.setValue(2)
    form.segment_files.setValue(segment_files)
    form.out_format.setCurrentText(out_format)
    form.resume.setChecked(False)
    return panel
