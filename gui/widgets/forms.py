"""Small form helpers shared by the job panels."""

from __future__ import annotations

from PySide6.QtWidgets import QSpinBox


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
