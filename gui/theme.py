"""Light or dark: the window follows the system palette, and the charts follow the window.

Qt gives every widget the system palette (and sends ``ApplicationPaletteChange`` when the desktop
switches between light and dark). The stylesheet names palette roles instead of fixed colours, so
it only has to be applied again; pyqtgraph draws with colours of its own, so every chart gets the
palette's base as background and its text colour for axes, titles and legends. Curve colours
(``gui.widgets.charts.PALETTE``) read on both.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from gui.resources import stylesheet


def dark_palette() -> QPalette:
    """A dark palette like a desktop's dark mode (``gui.screenshot --dark`` and tests use it)."""
    palette = QPalette()
    for role, color in (
        (QPalette.ColorRole.Window, "#202124"),
        (QPalette.ColorRole.WindowText, "#e8eaed"),
        (QPalette.ColorRole.Base, "#181a1b"),
        (QPalette.ColorRole.AlternateBase, "#242628"),
        (QPalette.ColorRole.Text, "#e8eaed"),
        (QPalette.ColorRole.Button, "#303134"),
        (QPalette.ColorRole.ButtonText, "#e8eaed"),
        (QPalette.ColorRole.Mid, "#5f6368"),
        (QPalette.ColorRole.Midlight, "#3c4043"),
        (QPalette.ColorRole.PlaceholderText, "#9aa0a6"),
        (QPalette.ColorRole.Highlight, "#2a7ab9"),
        (QPalette.ColorRole.HighlightedText, "#ffffff"),
    ):
        palette.setColor(role, QColor(color))
    return palette


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def chart_colors(palette: QPalette) -> tuple[QColor, QColor]:
    """(background, foreground) of a chart under ``palette``."""
    return palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text)


def style_chart(chart: pg.PlotWidget, palette: QPalette) -> None:
    background, foreground = chart_colors(palette)
    chart.setBackground(background)
    plot = chart.getPlotItem()
    for side in ("left", "bottom"):
        axis = plot.getAxis(side)
        axis.setPen(foreground)
        axis.setTextPen(foreground)
    plot.titleLabel.setText(plot.titleLabel.text, color=foreground.name())
    header = getattr(chart, "header", None)  # the unit and legend row of our charts
    if header is not None:
        header.set_text_color(foreground)


def _palette_key(palette: QPalette) -> tuple[str, ...]:
    roles = (QPalette.ColorRole.Window, QPalette.ColorRole.Base, QPalette.ColorRole.Text, QPalette.ColorRole.Button)
    return tuple(palette.color(role).name() for role in roles)


def apply_theme(window: QWidget) -> None:
    """Re-apply the stylesheet (its ``palette(...)`` colours are resolved when applied) and colour
    every chart of ``window`` from the current palette. Nothing happens when the palette is the one
    already applied (re-applying the stylesheet itself sends palette events)."""
    app = QApplication.instance()
    palette = app.palette()
    key = _palette_key(palette)
    if getattr(window, "_theme_key", None) == key:
        return
    window._theme_key = key  # the palette colours this window was themed with
    app.setStyleSheet(stylesheet())
    for chart in window.findChildren(pg.PlotWidget):
        style_chart(chart, palette)
