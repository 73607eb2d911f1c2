"""The Clean panel's settings form: inputs, output, options and rules, remembered between sessions.

Settings are stored with their types (QSettings; booleans as bool, read back with ``type=bool``).
``config()`` turns the form into a ``CleanConfig`` or raises ValueError with a message for the person.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QSettings
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine.clean.config import DEDUPE_SCOPES, OUTPUT_FORMATS, CleanConfig, CleanRules, ColumnMap
from engine.system_messages import SYSTEM_MESSAGES
from gui.settings_writer import save_settings
from gui.widgets.forms import grid_of_rows, spin_box
from gui.widgets.path_picker import CHAT_EXPORT_FILTER, PathPicker
from gui.widgets.retranslate import RetranslateOnLanguageChange
from gui.widgets.run_on import RunOnSelector

#: (CleanRules switch, label, tooltip) of each rule check box (English source texts, context CleanForm).
RULES = (
    (
        "drop_missing",
        QT_TRANSLATE_NOOP("CleanForm", "missing values"),
        QT_TRANSLATE_NOOP("CleanForm", "drop rows missing 坐席id, 客户微信id, 是否客服 or 消息内容"),
    ),
    (
        "check_role",
        QT_TRANSLATE_NOOP("CleanForm", "role (是/否)"),
        QT_TRANSLATE_NOOP("CleanForm", "normalise 是/否, 客服/客户, True/False, 1/0; drop unknown roles"),
    ),
    (
        "remove_emoji",
        QT_TRANSLATE_NOOP("CleanForm", "remove emoji"),
        QT_TRANSLATE_NOOP("CleanForm", "multi-part emoji go whole"),
    ),
    (
        "collapse_whitespace",
        QT_TRANSLATE_NOOP("CleanForm", "collapse newlines"),
        QT_TRANSLATE_NOOP("CleanForm", "newlines, tabs and runs of spaces become one space"),
    ),
    (
        "drop_system",
        QT_TRANSLATE_NOOP("CleanForm", "system messages"),
        QT_TRANSLATE_NOOP("CleanForm", "exact match after trimming, list below"),
    ),
    (
        "drop_empty",
        QT_TRANSLATE_NOOP("CleanForm", "empty after clean"),
        QT_TRANSLATE_NOOP("CleanForm", "drop messages that are empty once cleaned"),
    ),
    (
        "drop_duplicates",
        QT_TRANSLATE_NOOP("CleanForm", "duplicates"),
        QT_TRANSLATE_NOOP("CleanForm", "exact duplicate rows"),
    ),
)


class CleanForm(RetranslateOnLanguageChange, QWidget):
    def __init__(self, buttons: QLayout, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        settings = QSettings()
        self.inputs = PathPicker("clean/inputs", "open", file_filter=CHAT_EXPORT_FILTER)
        self.inputs.set_button_text(QT_TRANSLATE_NOOP("PathPicker", "Files…"))
        self.folder_button = QPushButton()
        self.folder_button.clicked.connect(self._choose_input_folder)
        self.inputs.layout().addWidget(self.folder_button)
        self.out_dir = PathPicker("clean/out_dir", "dir", default=str(Path.home() / "mpwatch-clean"))
        self.workers = spin_box(1, 64, settings.value("clean/workers", os.cpu_count() or 1, type=int))
        self.out_format = QComboBox()
        self.out_format.addItems(OUTPUT_FORMATS)
        self.out_format.setCurrentText(settings.value("clean/format", "xlsx", type=str))
        self.segment_files = spin_box(1, 100000, settings.value("clean/segment_files", 25, type=int))
        self.columns = QLineEdit(settings.value("clean/columns", "", type=str))
        self.all_sheets = QCheckBox()
        self.all_sheets.setChecked(settings.value("clean/all_sheets", False, type=bool))
        self.resume = QCheckBox()
        self.resume.setChecked(settings.value("clean/resume", False, type=bool))
        self.rule_boxes: dict[str, QCheckBox] = {}
        for key, _label, _tip in RULES:
            box = QCheckBox()
            box.setChecked(settings.value(f"clean/rule_{key}", True, type=bool))
            self.rule_boxes[key] = box
        self.dedupe_scope = QComboBox()
        for scope in DEDUPE_SCOPES:
            self.dedupe_scope.addItem(scope, scope)  # shown text translated in retranslate(), data is the key
        saved_scope = self.dedupe_scope.findData(settings.value("clean/dedupe_scope", "file", type=str))
        self.dedupe_scope.setCurrentIndex(max(0, saved_scope))
        self.min_length = spin_box(0, 100000, settings.value("clean/min_length", 0, type=int))
        self.system_messages = QPlainTextEdit()
        saved = settings.value("clean/system_messages", None)
        self.system_messages.setPlainText(str(saved) if saved is not None else "\n".join(SYSTEM_MESSAGES))
        self.system_messages.setFixedHeight(76)
        self.system_contains = QLineEdit(settings.value("clean/system_contains", "", type=str))

        self._labels = {key: QLabel() for key in ("workers", "format", "segment_files", "dedupe", "min_length")}
        self.io_form = io_form = QFormLayout()
        io_form.addRow(QLabel(), self.inputs)
        io_form.addRow(QLabel(), self.out_dir)
        options = grid_of_rows(
            (self._labels["workers"], self.workers, self._labels["format"], self.out_format),
            (self._labels["segment_files"], self.segment_files, self.all_sheets, self.resume),
        )
        io_form.addRow(options)
        io_form.addRow(QLabel(), self.columns)
        self.run_on = RunOnSelector("clean")
        io_form.addRow(self.run_on.caption, self.run_on)
        io_form.addRow(buttons)
        self.io_box = io_box = QGroupBox()
        io_box.setLayout(io_form)

        rules_grid = QGridLayout()
        for i, box in enumerate(self.rule_boxes.values()):
            rules_grid.addWidget(box, i // 2, i % 2)
        rules_form = QFormLayout()
        rules_form.addRow(rules_grid)
        scope_row = QHBoxLayout()
        scope_row.addWidget(self._labels["dedupe"])
        scope_row.addWidget(self.dedupe_scope)
        scope_row.addSpacing(12)
        scope_row.addWidget(self._labels["min_length"])
        scope_row.addWidget(self.min_length)
        scope_row.addStretch(1)
        rules_form.addRow(scope_row)
        rules_form.addRow(QLabel(), self.system_messages)
        rules_form.addRow(QLabel(), self.system_contains)
        self.rules_form = rules_form
        self.rules_box = rules_box = QGroupBox()
        rules_box.setLayout(rules_form)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(io_box)
        layout.addWidget(rules_box)
        layout.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        self.inputs.set_caption(self.tr("Chat exports to clean"), self.tr("files or folders, separated by ;"))
        self.out_dir.set_caption(
            self.tr("Folder for the cleaned segments"), self.tr("output folder (segments + report.json)")
        )
        self.folder_button.setText(self.tr("Folder…"))
        self.columns.setPlaceholderText(
            self.tr("defaults: agent=坐席id,customer=客户微信id,role=是否客服,content=消息内容,time=消息时间")
        )
        self.all_sheets.setText(self.tr("every sheet"))
        self.resume.setText(self.tr("resume"))
        self.resume.setToolTip(self.tr("skip segments a previous run in this output folder completed"))
        for key, label, tip in RULES:
            self.rule_boxes[key].setText(self.tr(label))
            self.rule_boxes[key].setToolTip(self.tr(tip))
        self.dedupe_scope.setToolTip(self.tr("duplicates within each file, or across the whole run"))
        scope_names = {"file": self.tr("each file"), "run": self.tr("the whole run")}
        for i in range(self.dedupe_scope.count()):
            key = self.dedupe_scope.itemData(i)
            self.dedupe_scope.setItemText(i, scope_names.get(key, key))
        self.min_length.setSpecialValueText(self.tr("off"))
        self.system_messages.setToolTip(self.tr("one system message per line (exact match after trimming)"))
        self.system_contains.setPlaceholderText(self.tr("also drop messages containing… (separate with ;)"))
        for key, text in (
            ("workers", self.tr("Workers")),
            ("format", self.tr("Format")),
            ("segment_files", self.tr("Files per segment")),
            ("dedupe", self.tr("duplicates within")),
            ("min_length", self.tr("min length")),
        ):
            self._labels[key].setText(text)
        for form, field, text in (
            (self.io_form, self.inputs, self.tr("Inputs")),
            (self.io_form, self.out_dir, self.tr("Output folder")),
            (self.io_form, self.columns, self.tr("Columns")),
            (self.rules_form, self.system_messages, self.tr("System messages")),
            (self.rules_form, self.system_contains, self.tr("…or containing")),
        ):
            form.labelForField(field).setText(text)
        self.io_box.setTitle(self.tr("Clean chat exports"))
        self.rules_box.setTitle(self.tr("Rules (each drop is counted by reason)"))

    def config(self) -> CleanConfig:
        """The form as a CleanConfig; ValueError with a readable message when something is missing."""
        inputs = [p.expanduser() for p in self.inputs.paths()]
        if not inputs:
            raise ValueError(self.tr("Choose the chat exports (files or a folder) first."))
        out_dir = self.out_dir.output_folder()
        try:
            columns = ColumnMap.parse(self.columns.text()) if self.columns.text().strip() else ColumnMap()
        except ValueError as exc:
            raise ValueError(self.tr("Columns: {error}").format(error=exc)) from None
        system = tuple(line.strip() for line in self.system_messages.toPlainText().splitlines() if line.strip())
        contains = tuple(p.strip() for p in self.system_contains.text().split(";") if p.strip())
        switches = {key: box.isChecked() for key, box in self.rule_boxes.items()}
        rules = CleanRules(
            system_messages=system,
            system_contains=contains,
            min_length=self.min_length.value(),
            dedupe_scope=self.dedupe_scope.currentData(),
            **switches,
        )
        return CleanConfig(
            inputs=tuple(inputs),
            out_dir=out_dir,
            workers=self.workers.value(),
            out_format=self.out_format.currentText(),
            segment_files=self.segment_files.value(),
            columns=columns,
            rules=rules,
            all_sheets=self.all_sheets.isChecked(),
            resume=self.resume.isChecked(),
            cluster=self.run_on.cluster(),
        )

    def remember(self) -> None:
        self.inputs.remember()
        self.out_dir.remember()
        values = {
            "clean/workers": self.workers.value(),
            "clean/format": self.out_format.currentText(),
            "clean/segment_files": self.segment_files.value(),
            "clean/columns": self.columns.text(),
            "clean/all_sheets": self.all_sheets.isChecked(),
            "clean/resume": self.resume.isChecked(),
            "clean/dedupe_scope": self.dedupe_scope.currentData(),
            "clean/min_length": self.min_length.value(),
            "clean/system_messages": self.system_messages.toPlainText(),
            "clean/system_contains": self.system_contains.text(),
        }
        values.update({f"clean/rule_{key}": box.isChecked() for key, box in self.rule_boxes.items()})
        save_settings(values)

    def _choose_input_folder(self) -> None:
        start = self.inputs.paths()[0] if self.inputs.paths() else Path.home()
        folder = QFileDialog.getExistingDirectory(
            self,
            self.tr("Folder of chat exports (searched recursively)"),
            str(start if start.is_dir() else start.parent),
        )
        if folder:
            self.inputs.set_text(folder)
            self.inputs.remember()
