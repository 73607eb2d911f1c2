"""Small form helpers shared by the job panels."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QGridLayout, QSpinBox, QWidget


def spin_box(
    low: int, high: int, value: int, step: int = 1, suffix: str = "", group_separator: bool = True
) -> QSpinBox:
    """An integer spin box with its range, step and start value (thousands separated unless told)."""
    box = QSpinBox()
    box.setRange(low, high)
    box.setSingleStep(step)
    box.setValue(value)
    box.setGroupSeparatorShown(group_separator)
    if suffix:
        box.setSuffix(suffix)
    return box


def grid_of_rows(*rows: Sequence[QWidget]) -> QGridLayout:
    """A grid laid out as written: each row's widgets left to right, one column each (a panel's
    options: label, field, label, field; or its charts); a row's last widget spans the columns the
    widest row has left, so a lone check box at the end takes the room of a label and its field,
    and a lone chart the width of the row above."""
    grid = QGridLayout()
    columns = max((len(row) for row in rows), default=0)
    for r, row in enumerate(rows):
        for c, widget in enumerate(row):
            grid.addWidget(widget, r, c, 1, columns - c if c == len(row) - 1 else 1)
    return grid
