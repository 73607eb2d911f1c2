"""A progress bar with the words a person wants next to it: done/total, rate, ETA."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget

from engine.progress import Bar, eta_s
from gui.formatting import format_count, format_eta, format_rate
from gui.terms import term


class ProgressBox(QWidget):
    def __init__(self, unit: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.unit = unit
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self.bar.setFormat("%p%")
        self.label = QLabel(term("idle"))
        self.label.setObjectName("progressLabel")
        self._idle = True
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.label)

    def reset(self) -> None:
        self.bar.setValue(0)
        self.bar.setFormat("%p%")
        self._idle = True
        self.label.setText(term("idle"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange and self._idle:
            self.label.setText(term("idle"))  # a live line is re-set by its panel's refresh
        super().changeEvent(event)

    def update_progress(
        self, done: float, total: float, rate: float, extra: str = "", unit: str | None = None, phase: str = ""
    ) -> None:
        """``unit`` overrides the box's unit for a phase counted in something else (rows written
        after files cleaned); ``phase`` is shown inside the bar ("writing 35%")."""
        unit = term(unit or self.unit)
        self._idle = False
        fraction = min(1.0, done / total) if total > 0 else 0.0
        self.bar.setValue(int(round(fraction * 1000)))
        self.bar.setFormat(f"{term(phase)} %p%" if phase else "%p%")
        eta = eta_s(done, total, rate)
        parts = [
            f"{format_count(done)} / {format_count(total)} {unit}",
            format_rate(rate, unit),
            self.tr("ETA {eta}").format(eta=format_eta(eta)),
        ]
        if extra:
            parts.insert(0, extra)
        self.label.setText("  ·  ".join(parts))

    def show_bar(self, bar: Bar, extra: str = "", phase: str = "") -> None:
        """Show a progress model's ``Bar`` (done, total, rate and unit from one source)."""
        self.update_progress(bar.done, bar.total, bar.rate_per_s, extra=extra, unit=bar.unit, phase=phase)

    @property
    def percent(self) -> float:
        return self.bar.value() / 10.0
