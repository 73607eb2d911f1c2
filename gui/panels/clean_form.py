"""The Clean panel's settings form: inputs, output, options and rules, remembered between sessions.

Settings are stored with their types (QSettings; booleans as bool, read back with ``type=bool``).
``config()`` turns the form into a ``CleanConfig`` or raises ValueError with a message for the person.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QFileDialog, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLayout,
    QLineEdit, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget,
)

from engine.clean.config import DEDUPE_SCOPES, OUTPUT_FORMATS, CleanConfig, CleanRules, ColumnMap
from engine.system_messages import SYSTEM_MESSAGES
from gui.widgets.forms import spin_box
from gui.widgets.path_picker import CHAT_EXPORT_FILTER, PathPicker

#: (CleanRules switch, label, tooltip) of each rule check box.
RULES = (
    ("drop_missing", "missing values", "drop rows missing 坐席id, 客户微信id, 是否客服 or 消息内容"),
    ("check_role", "role (是/否)", "normalise 是/否, 客服/客户, True/False, 1/0; drop unknown roles"),
    ("remove_emoji", "remove emoji", "multi-part emoji go whole"),
    ("collapse_whitespace", "collapse newlines", "newlines, tabs and runs of spaces become one space"),
    ("drop_system", "system messages", "exact match after trimming, list below"),
    ("drop_empty", "empty after clean", "drop messages that are empty once cleaned"),
    ("drop_duplicates", "duplicates", "exact duplicate rows"),
)


class CleanForm(QWidget):
    def __init__(self, buttons: QLayout, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        settings = QSettings()
        self.inputs = PathPicker("clean/inputs", "open", "Chat exports to clean", file_filter=CHAT_EXPORT_FILTER,
                                 placeholder="files or folders, separated by ;")
        self.inputs.button.setText("Files…")
        self.folder_button = QPushButton("Folder…")
        self.folder_button.clicked.connect(self._choose_input_folder)
        self.inputs.layout().addWidget(self.folder_button)
        self.out_dir = PathPicker("clean/out_dir", "dir", "Folder for the cleaned segments",
                                  placeholder="output folder (segments + report.json)")
        if not self.out_dir.text():
            self.out_dir.set_text(str(Path.home() / "mpwatch-clean"))
        self.workers = spin_box(1, 64, settings.value("clean/workers", os.cpu_count() or 1, type=int))
        self.out_format = QComboBox()
        self.out_format.addItems(OUTPUT_FORMATS)
        self.out_format.setCurrentText(settings.value("clean/format", "xlsx", type=str))
        self.segment_files = spin_box(1, 100000, settings.value("clean/segment_files", 25, type=int))
        self.columns = QLineEdit(settings.value("clean/columns", "", type=str))
        self.columns.setPlaceholderText("defaults: agent=坐席id,customer=客户微信id,role=是否客服,content=消息内容,time=消息时间")
        self.all_sheets = QCheckBox("every sheet")
        self.all_sheets.setChecked(settings.value("clean/all_sheets", False, type=bool))
        self.resume = QCheckBox("resume")
        self.resume.setToolTip("skip segments a previous run in this output folder completed")
        self.resume.setChecked(settings.value("clean/resume", False, type=bool))
        self.rule_boxes: dict[str, QCheckBox] = {}
        for key, label, tip in RULES:
            box = QCheckBox(label)
            box.setToolTip(tip)
            box.setChecked(settings.value(f"clean/rule_{key}", True, type=bool))
            self.rule_boxes[key] = box
        self.dedupe_scope = QComboBox()
        self.dedupe_scope.addItems(DEDUPE_SCOPES)
        self.dedupe_scope.setCurrentText(settings.value("clean/dedupe_scope", "file", type=str))
        self.dedupe_scope.setToolTip("duplicates within each file, or across the whole run")
        self.min_length = spin_box(0, 100000, settings.value("clean/min_length", 0, type=int))
        self.min_length.setSpecialValueText("off")
        self.system_messages = QPlainTextEdit()
        saved = settings.value("clean/system_messages", None)
        self.system_messages.setPlainText(str(saved) if saved is not None else "\n".join(SYSTEM_MESSAGES))
        self.system_messages.setToolTip("one system message per line (exact match after trimming)")
        self.system_messages.setFixedHeight(76)
        self.system_contains = QLineEdit(settings.value("clean/system_contains", "", type=str))
        self.system_contains.setPlaceholderText("also drop messages containing… (separate with ;)")

        io_form = QFormLayout()
        io_form.addRow("Inputs", self.inputs)
        io_form.addRow("Output folder", self.out_dir)
        options = QGridLayout()
        options.addWidget(QLabel("Workers"), 0, 0)
        options.addWidget(self.workers, 0, 1)
        options.addWidget(QLabel("Format"), 0, 2)
        options.addWidget(self.out_format, 0, 3)
        options.addWidget(QLabel("Files per segment"), 1, 0)
        options.addWidget(self.segment_files, 1, 1)
        options.addWidget(self.all_sheets, 1, 2)
        options.addWidget(self.resume, 1, 3)
        io_form.addRow(options)
        io_form.addRow("Columns", self.columns)
        io_form.addRow(buttons)
        io_box = QGroupBox("Clean chat exports")
        io_box.setLayout(io_form)

        rules_grid = QGridLayout()
        for i, box in enumerate(self.rule_boxes.values()):
            rules_grid.addWidget(box, i // 2, i % 2)
        rules_form = QFormLayout()
        rules_form.addRow(rules_grid)
        scope_row = QHBoxLayout()
        scope_row.addWidget(QLabel("duplicates within"))
        scope_row.addWidget(self.dedupe_scope)
        scope_row.addSpacing(12)
        scope_row.addWidget(QLabel("min length"))
        scope_row.addWidget(self.min_length)
        scope_row.addStretch(1)
        rules_form.addRow(scope_row)
        rules_form.addRow("System messages", self.system_messages)
        rules_form.addRow("…or containing", self.system_contains)
        rules_box = QGroupBox("Rules (each drop is counted by reason)")
        rules_box.setLayout(rules_form)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(io_box)
        layout.addWidget(rules_box)
        layout.addStretch(1)

    def config(self) -> CleanConfig:
        """The form as a CleanConfig; ValueError with a readable message when something is missing."""
        inputs = [p.expanduser() for p in self.inputs.paths()]
        if not inputs:
            raise ValueError("Choose the chat exports (files or a folder) first.")
        out = self.out_dir.text()
        if not out:
            raise ValueError("Choose an output folder first.")
        try:
            columns = ColumnMap.parse(self.columns.text()) if self.columns.text().strip() else ColumnMap()
        except ValueError as exc:
            raise ValueError(f"Columns: {exc}") from None
        system = tuple(line.strip() for line in self.system_messages.toPlainText().splitlines() if line.strip())
        contains = tuple(p.strip() for p in self.system_contains.text().split(";") if p.strip())
        switches = {key: box.isChecked() for key, box in self.rule_boxes.items()}
        rules = CleanRules(system_messages=system, system_contains=contains, min_length=self.min_length.value(),
                           dedupe_scope=self.dedupe_scope.currentText(), **switches)
        return CleanConfig(inputs=tuple(inputs), out_dir=Path(out).expanduser(), workers=self.workers.value(),
                           out_format=self.out_format.currentText(), segment_files=self.segment_files.value(),
                           columns=columns, rules=rules, all_sheets=self.all_sheets.isChecked(),
                           resume=self.resume.isChecked())

    def remember(self) -> None:
        self.inputs.remember()
        self.out_dir.remember()
        settings = QSettings()
        settings.setValue("clean/workers", self.workers.value())
        settings.setValue("clean/format", self.out_format.currentText())
        settings.setValue("clean/segment_files", self.segment_files.value())
        settings.setValue("clean/columns", self.columns.text())
        settings.setValue("clean/all_sheets", self.all_sheets.isChecked())
        settings.setValue("clean/resume", self.resume.isChecked())
        for key, box in self.rule_boxes.items():
            settings.setValue(f"clean/rule_{key}", box.isChecked())
        settings.setValue("clean/dedupe_scope", self.dedupe_scope.currentText())
        settings.setValue("clean/min_length", self.min_length.value())
        settings.setValue("clean/system_messages", self.system_messages.toPlainText())
        settings.setValue("clean/system_contains", self.system_contains.text())

    def _choose_input_folder(self) -> None:
        start = self.inputs.paths()[0] if self.inputs.paths() else Path.home()
        folder = QFileDialog.getExistingDirectory(self, "Folder of chat exports (searched recursively)",
                                                  str(start if start.is_dir() else start.parent))
        if folder:
            self.inputs.set_text(folder)
            self.inputs.remember()
