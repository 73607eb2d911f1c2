"""The pipeline's stage diagram: A → B×n → C×n → batcher → predictor×n → back to A, live.

Each box shows its stage, how many processes it has, items/s out and how busy it is (share of
its processes' time spent working, not waiting); each arrow shows the depth of the bounded queue
in front of the next stage as a small fill bar. The box most likely to be the bottleneck (the
busiest one, when it is busy enough to matter) gets a red frame, so a person sees at a glance
where throughput is lost: a full queue in front of a busy stage.

It repaints only when what it shows changed (the panel hands it new views 4 times a second under
load; equal views cost nothing) and reuses its fonts and pens between paints. Its colours come from
the palette (text, base, mid), so it reads in a light and a dark window alike; only the heat of a
busy box and the red of trouble are fixed, mixed into the palette's base.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QSpinBox, QWidget

from engine.pipeline.config import PipelineConfig
from gui.formatting import format_rate
from gui.terms import term
from gui.theme import is_dark

#: A stage busier than this can be the bottleneck.
BOTTLENECK_BUSY = 0.6


@dataclass
class StageView:
    """What one box shows; ``depth``/``bound`` are of the queue *into* this stage (None: none)."""

    key: str
    title: str
    processes: int = 1
    rate: float = 0.0
    busy: float = 0.0
    depth: int | None = None
    bound: int | None = None
    alive: bool = True
    note: str = ""

    @property
    def fill(self) -> float:
        if self.depth is None or not self.bound:
            return 0.0
        return min(1.0, self.depth / self.bound)


def planned_stages(ingress: int, preprocess: int, receivers: int, replicas: int) -> list[StageView]:
    """The boxes of a service not started yet: its stages with these process counts and the default
    queue bounds, nothing flowing."""
    c = PipelineConfig()
    counts = (ingress, preprocess, receivers, 1, replicas)
    bounds = (
        None,
        c.preprocess_queue_chunks,
        c.receiver_queue_chunks,
        c.batcher_queue_chunks,
        c.predictor_queue_batches,
    )
    keys = ("ingress", "preprocess", "receiver", "batcher", "predictor")
    return [
        StageView(key, term(key), n, depth=None if bound is None else 0, bound=bound)
        for key, n, bound in zip(keys, counts, bounds, strict=True)
    ]


AMBER = QColor(245, 230, 135)
HOT = QColor(245, 120, 75)
TROUBLE = QColor("#c62828")
QUEUE_FILL = QColor("#2a7ab9")
# How much of the heat colours a box takes on a dark base (the palette's light text must stay readable).
DARK_HEAT_STRENGTH = 0.45


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` moved a share ``t`` (0…1) of the way to ``b``."""
    t = max(0.0, min(1.0, t))
    return QColor(*(round(x + (y - x) * t) for x, y in zip(a.getRgb()[:3], b.getRgb()[:3])))


def heat(share: float, base: QColor, strength: float = 1.0) -> QColor:
    """``base`` → amber → red-orange as a stage gets busier (white base: white at idle, amber at
    half busy, red-orange when always busy); ``strength`` < 1 mixes the heat in more softly."""
    share = max(0.0, min(1.0, share))
    warm = mix(base, AMBER, min(1.0, share / 0.5) * strength)
    return mix(warm, HOT, max(0.0, (share - 0.5) / 0.5) * strength)


class StageDiagram(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stages: list[StageView] = []
        self.results_depth: tuple[int, int] = (0, 0)
        self.bottleneck: str | None = None
        self._title_font: QFont | None = None
        self._small_font: QFont | None = None
        self._text = self._base = self._line = QColor()  # the palette's, set at each paint
        self.setMinimumHeight(150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def plan_from(self, counts: tuple[QSpinBox, QSpinBox, QSpinBox, QSpinBox], running: Callable[[], bool]) -> None:
        """Show the stages a form's process counts (ingress, preprocess, receivers, replicas) plan
        whenever they change and nothing runs: before a first run the panel shows what Start builds,
        not an empty band; a running service's diagram shows what runs."""

        def show_plan() -> None:
            if not running():
                stages = planned_stages(*(box.value() for box in counts))
                self.set_stages(stages, (0, PipelineConfig().results_queue_batches))

        for box in counts:
            box.valueChanged.connect(show_plan)
        show_plan()

    def sizeHint(self) -> QSize:
        return QSize(900, 160)

    def set_stages(self, stages: list[StageView], results_depth: tuple[int, int]) -> None:
        if stages == self.stages and results_depth == self.results_depth:
            return
        self.stages = stages
        self.results_depth = results_depth
        candidates = [s for s in stages if s.busy >= BOTTLENECK_BUSY]
        self.bottleneck = max(candidates, key=lambda s: s.busy).key if candidates else None
        self.update()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.FontChange:
            self._title_font = self._small_font = None
        if event.type() in (QEvent.Type.LanguageChange, QEvent.Type.PaletteChange):
            self.update()  # texts and colours are painted: repaint them in the new language or palette
        super().changeEvent(event)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        if not self.stages:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        base, text = palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text)
        self._text, self._base = text, base
        self._line = mix(text, base, 0.35)  # arrows and frames: quieter than text, visible on either base
        strength = DARK_HEAT_STRENGTH if is_dark(palette) else 1.0
        n = len(self.stages)
        margin, arrow_w = 8.0, 46.0
        box_w = (self.width() - 2 * margin - (n - 1) * arrow_w) / n
        box_h, top = 92.0, 8.0
        boxes: list[QRectF] = []
        base_font = self.font()
        if self._title_font is None:
            self._title_font = QFont(base_font)
            self._title_font.setBold(True)
            self._small_font = QFont(base_font)
            self._small_font.setPointSizeF(max(6.0, base_font.pointSizeF() * 0.85))
        for i, stage in enumerate(self.stages):
            rect = QRectF(margin + i * (box_w + arrow_w), top, box_w, box_h)
            boxes.append(rect)
            painter.setBrush(heat(stage.busy, base, strength) if stage.alive else mix(base, text, 0.12))
            is_neck = stage.key == self.bottleneck
            painter.setPen(QPen(TROUBLE if is_neck else self._line, 3 if is_neck else 1))
            painter.drawRoundedRect(rect, 6, 6)
            painter.setPen(text)
            painter.setFont(self._title_font)
            title = stage.title + (f" ×{stage.processes}" if stage.processes > 1 else "")
            painter.drawText(
                rect.adjusted(4, 4, -4, 0), Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, title
            )
            painter.setFont(base_font)
            lines = [
                format_rate(stage.rate, term("it")),
                self.tr("busy {percent} %").format(percent=f"{stage.busy * 100:.0f}"),
            ]
            if stage.note:
                lines.append(stage.note)
            if is_neck:
                lines.append(self.tr("◀ bottleneck"))
            painter.drawText(
                rect.adjusted(4, 24, -4, -4),
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                "\n".join(lines),
            )
        for i in range(1, n):
            self._arrow(painter, boxes[i - 1], boxes[i], self.stages[i])
        self._return_path(painter, boxes[-1], boxes[0])
        painter.end()

    def _arrow(self, painter: QPainter, left: QRectF, right: QRectF, into: StageView) -> None:
        y = left.center().y()
        x0, x1 = left.right() + 3, right.left() - 3
        painter.setPen(QPen(self._line, 1.5))
        painter.drawLine(QPointF(x0, y), QPointF(x1, y))
        painter.drawLine(QPointF(x1, y), QPointF(x1 - 6, y - 4))
        painter.drawLine(QPointF(x1, y), QPointF(x1 - 6, y + 4))
        if into.depth is None:
            return
        bar = QRectF(x0 + 4, y - 24, (x1 - x0) - 8, 9)
        painter.setPen(QPen(self._line, 1))
        painter.setBrush(self._base)
        painter.drawRect(bar)
        painter.setBrush(TROUBLE if into.fill >= 0.9 else QUEUE_FILL)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawRect(QRectF(bar.left(), bar.top(), bar.width() * into.fill, bar.height()))
        painter.setPen(self._text)
        painter.setFont(self._small_font)
        painter.drawText(
            QRectF(x0 - 6, y + 4, (x1 - x0) + 12, 16), Qt.AlignmentFlag.AlignHCenter, f"{into.depth}/{into.bound}"
        )
        painter.setFont(self.font())

    def _return_path(self, painter: QPainter, last: QRectF, first: QRectF) -> None:
        y = last.bottom() + 16
        path = QPainterPath(QPointF(last.center().x(), last.bottom() + 2))
        path.lineTo(QPointF(last.center().x(), y))
        path.lineTo(QPointF(first.center().x(), y))
        path.lineTo(QPointF(first.center().x(), first.bottom() + 3))
        painter.setPen(QPen(self._line, 1.5, Qt.PenStyle.DashLine))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        tip = QPointF(first.center().x(), first.bottom() + 3)
        painter.setPen(QPen(self._line, 1.5))
        painter.drawLine(tip, tip + QPointF(-4, 6))
        painter.drawLine(tip, tip + QPointF(4, 6))
        depth, bound = self.results_depth
        painter.setPen(self._text)
        painter.drawText(
            QRectF(first.center().x(), y - 16, last.center().x() - first.center().x(), 15),
            Qt.AlignmentFlag.AlignHCenter,
            self.tr("answers by id · results queue {depth}/{bound}").format(depth=depth, bound=bound),
        )
