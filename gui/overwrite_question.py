"""The question a panel asks before a run would replace an earlier run's outputs.

The engine refuses an output folder that holds another run's outputs (``OutputInUse``, listing
them from that run's report); the window asks the person instead of failing: Yes removes exactly
those files (the run starts with ``overwrite``), No starts nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import QMessageBox, QWidget

from engine.output_folder import OutputInUse

# How many of the files are named in the question; the rest are counted.
NAMES_SHOWN = 8

# The jobs' tab titles (context JobPanel), to name whose outputs are there.
JOB_TITLES = {
    "clean": QT_TRANSLATE_NOOP("JobPanel", "Clean"),
    "dialogues": QT_TRANSLATE_NOOP("JobPanel", "Dialogues"),
    "demo": QT_TRANSLATE_NOOP("JobPanel", "Demo data"),
}


def overwrite_text(in_use: OutputInUse) -> str:
    """The question's text: which folder, whose run, which files (the first few by name)."""
    runs = ", ".join(QCoreApplication.translate("JobPanel", JOB_TITLES.get(run.job, run.job)) for run in in_use.runs)
    outputs = in_use.outputs
    names = [p.relative_to(in_use.folder).as_posix() if p.is_relative_to(in_use.folder) else str(p) for p in outputs]
    listed = "\n".join(names[:NAMES_SHOWN])
    if len(names) > NAMES_SHOWN:
        listed += "\n" + QCoreApplication.translate("OverwriteQuestion", "… and {count} more").format(
            count=len(names) - NAMES_SHOWN
        )
    return QCoreApplication.translate(
        "OverwriteQuestion",
        "The output folder {folder} holds {count} file(s) of an earlier {job} run:\n\n{names}\n\n"
        "Remove these files and start? Only the files that run's report lists are removed; "
        "nothing else in the folder is touched.",
    ).format(folder=in_use.folder, count=len(outputs), job=runs, names=listed)


def ask_overwrite(parent: QWidget, in_use: OutputInUse) -> bool:
    """True when the person agrees to remove the earlier run's outputs (No is the default)."""
    answer = QMessageBox.question(
        parent,
        QCoreApplication.translate("OverwriteQuestion", "Replace the earlier outputs?"),
        overwrite_text(in_use),
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes
