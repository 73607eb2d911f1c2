""" "Save report…" writes one self-contained HTML file: summary, files with drops and errors, every
chart as an embedded PNG, the settings and the versions."""

from __future__ import annotations

import base64
import re

import pytest

from gui.main_menu import versions
from tests.clean_fixtures import write_good_inputs
from tests.gui_clean_support import clean_panel_filled
from tests.helpers import wait_no_children

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.mark.timeout(150)
def test_clean_run_report(main_window, qtbot, tmp_path):
    write_good_inputs(tmp_path / "in", files=2, rows=2000, seed=3)
    (tmp_path / "in" / "renamed.xlsx").write_text("just text, not a workbook")
    panel = clean_panel_filled(main_window, tmp_path / "in", tmp_path / "out", segment_files=2, out_format="csv")
    assert not panel.report_button.isEnabled()  # nothing to report before a run
    with qtbot.waitSignal(panel.job_finished, timeout=120000) as finished:
        assert panel.start_job()
    assert finished.args[0].ok
    qtbot.waitUntil(lambda: panel.file_table.rowCount() == 3, timeout=5000)
    assert panel.report_button.isEnabled()

    path = panel.save_report(tmp_path / "report.html")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "</html>" in text
    assert "Done." in text and "1 file(s) failed" in text
    assert "renamed.xlsx" in text and "not an Excel file" in text  # the failed file with its error
    assert re.search(r"missing value: [\d,]+", text)  # a good file's drops by reason
    images = re.findall(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", text)
    assert len(images) == 2  # throughput and drops: every chart of the panel
    for data in images:
        png = base64.b64decode(data)
        assert png.startswith(PNG_SIGNATURE) and len(png) > 2000
    assert "Throughput" in text and "Dropped rows by reason" in text
    assert "<td>workers</td><td class='num'>2</td>" in text and "<td>out_format</td><td>csv</td>" in text
    assert "rules.drop_duplicates" in text
    for name, version in versions().items():
        assert f"<td>{name}</td><td>{version}</td>" in text or f"<td>{name}</td><td class='num'>{version}</td>" in text
    assert "src='http" not in text and "href=" not in text  # nothing outside the file
    assert not wait_no_children(10.0)
