"""Widgets that set their texts in ``retranslate()`` run it again when the UI language changes."""

from __future__ import annotations

from PySide6.QtCore import QEvent


class RetranslateOnLanguageChange:
    """Mixin, before the Qt class in the bases (``class TryItBox(RetranslateOnLanguageChange,
    QGroupBox)``), of a widget whose ``retranslate()`` sets every text it shows: installing a
    translator sends a LanguageChange event to every widget, so each one redraws its own words and
    no owner has to know its children's texts."""

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()  # type: ignore[attr-defined]
        super().changeEvent(event)  # type: ignore[misc]
