"""The "Background priority for jobs" setting: a checkable action, remembered in QSettings.

On (the default), every run the window starts lowers its own priority (engine/priority.py), so
the window keeps its 100 ms ticks while a job fills every core; off, jobs compete with the
window as equals. The action only flips ``AppServices.background_priority``: runs started after
a change follow it, a running job keeps the priority it started with (an unprivileged process
cannot raise a priority it lowered). View ▸ Background priority for jobs shows it with a tick:
its state is read at a glance where a person looks for settings of the window.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings
from PySide6.QtGui import QAction

from gui.run_controller import AppServices

SETTINGS_KEY = "jobs/background_priority"


class BackgroundPriorityAction(QAction):
    def __init__(self, services: AppServices, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.retranslate()
        self.setCheckable(True)
        self.setChecked(QSettings().value(SETTINGS_KEY, True, type=bool))
        services.background_priority = self.isChecked()
        self.toggled.connect(self._on_toggled)

    def retranslate(self) -> None:
        """Texts in the current language (the main window calls this on a language change)."""
        self.setText(self.tr("Background priority for jobs"))
        self.setToolTip(
            self.tr(
                "Run jobs at a lower scheduling priority than the window, so the window "
                "stays responsive while they fill every core. Applies to jobs started "
                "from now on."
            )
        )

    def _on_toggled(self, checked: bool) -> None:
        self.services.background_priority = checked
        QSettings().setValue(SETTINGS_KEY, checked)
