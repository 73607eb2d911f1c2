"""Chinese and English UI: nothing English-only left under zh_CN, live switching, and the shipped .qm
files current with their .ts sources."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QAbstractButton,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QTabBar,
    QTableWidget,
    QWidget,
)

from gui import i18n
from gui.widgets.charts import BarChart, TimeSeriesChart

#: Latin words a Chinese UI may show: units, names, file names, the option keys of --columns, and
#: each language's name in its own language.
ALLOWED = {
    "p50",
    "p99",
    "cpu",
    "rss",
    "dask",
    "pid",
    "ms",
    "mb",
    "xlsx",
    "xlsm",
    "xls",
    "csv",
    "parquet",
    "json",
    "txt",
    "report",
    "std",
    "mmi",
    "id",
    "gpt",
    "mpwatch",
    "chat",
    "nnnn",
    "http",
    "agent",
    "customer",
    "role",
    "content",
    "time",
    "english",
}
WORD = re.compile(r"[A-Za-z][A-Za-z0-9]+")


def english_words(text: str) -> list[str]:
    """Latin words of ``text`` (markup removed) that are not on the allowed list."""
    plain = re.sub(r"<[^>]+>|&[a-z]+;", " ", text)
    plain = re.sub(r"\S+[/\\]\S+", " ", plain)  # paths and URLs are data
    return [w for w in WORD.findall(plain) if w.lower() not in ALLOWED]


def visible_texts(window: QWidget) -> list[tuple[str, str]]:
    """(where, text) of every label, button, group, tab, table header, placeholder, chart title and
    menu entry of the window, on every tab (hidden tabs included)."""
    found: list[tuple[str, str]] = []
    for w in window.findChildren(QWidget):
        name = type(w).__name__
        if isinstance(w, QLabel):
            found.append((name, w.text()))
        elif isinstance(w, QAbstractButton):
            found.append((name, w.text()))
        elif isinstance(w, QGroupBox):
            found.append((name, w.title()))
        elif isinstance(w, QTabBar):
            found += [(name, w.tabText(i)) for i in range(w.count())]
        elif isinstance(w, QTableWidget):
            found += [(name, w.horizontalHeaderItem(i).text()) for i in range(w.columnCount())]
        elif isinstance(w, (QLineEdit, QPlainTextEdit)):
            found.append((name + " placeholder", w.placeholderText()))
        elif isinstance(w, (TimeSeriesChart, BarChart)):
            plot = w.getPlotItem()
            found.append((name + " title", plot.titleLabel.text))
            found += [(name + " axis", plot.getAxis(side).labelText) for side in ("left", "bottom")]
            found += [(name + " unit", w.header.unit())] + [(name + " legend", e) for e in w.header.entries()]
        if isinstance(w, QWidget) and w.toolTip():
            found.append((name + " tooltip", w.toolTip()))
    for menu in window.menuBar().findChildren(QMenu):
        found.append(("QMenu", menu.title()))
        found += [("QAction", a.text()) for a in menu.actions() if not a.isSeparator()]
    return [(where, text) for where, text in found if text]


def switch_to(language: str) -> None:
    """Install ``language``; Qt posts the LanguageChange events, deliver them now."""
    from PySide6.QtWidgets import QApplication

    i18n.install_language(language)
    QApplication.processEvents()


def choose_in_menu(window, language: str) -> None:
    from PySide6.QtWidgets import QApplication

    window.menus.language_actions[language].trigger()
    QApplication.processEvents()


@pytest.fixture
def english_after():
    yield
    i18n.install_language("en")
    QSettings().remove(i18n.SETTINGS_KEY)


def test_chinese_ui_leaves_no_english_text(main_window, english_after):
    switch_to("zh_CN")
    texts = visible_texts(main_window)
    assert len(texts) > 150  # the walk reaches every panel
    left = [(where, text) for where, text in texts if english_words(text)]
    assert not left, left
    assert main_window.panels["clean"].start_button.text() == "开始"


def test_the_language_switches_live_and_is_remembered(main_window, english_after):
    panel = main_window.panels["pipeline"]
    tabs = main_window.tabs
    assert panel.start_button.text() == "Start" and tabs.tabText(tabs.indexOf(panel)) == "Pipeline"
    choose_in_menu(main_window, "zh_CN")
    assert QSettings().value(i18n.SETTINGS_KEY) == "zh_CN" and i18n.chosen_language() in ("zh_CN", "en")
    assert panel.start_button.text() == "开始" and tabs.tabText(tabs.indexOf(panel)) == "推理服务"
    assert panel.throughput_chart.getPlotItem().titleLabel.text == "各阶段吞吐量"
    assert main_window.menus.file_menu.title() == "文件(&F)"
    assert panel.load.button.text() == "开始压测" and panel.endpoint_label.text() == "未运行"
    choose_in_menu(main_window, "en")
    assert QSettings().value(i18n.SETTINGS_KEY) == "en"
    assert panel.start_button.text() == "Start" and tabs.tabText(tabs.indexOf(panel)) == "Pipeline"
    assert panel.load.button.text() == "Start load" and main_window.menus.file_menu.title() == "&File"
    chinese_left = [
        (where, text)
        for where, text in visible_texts(main_window)
        if re.search(r"[\u4e00-\u9fff]", re.sub(CHINESE_DATA, "", text))
    ]
    assert not chinese_left, chinese_left


#: Chinese an English UI still shows: the data's column names and values, an example message, and
#: the Chinese language's own name in the menu.
CHINESE_DATA = "|".join(
    (
        "坐席id",
        "客户微信id",
        "是否客服",
        "消息内容",
        "消息时间",
        "坐席",
        "客户",
        "客服",
        "是",
        "否",
        "请问这个还有货吗",
        "中文",
    )
)


def test_the_system_locale_chooses_the_language(monkeypatch):
    from PySide6.QtCore import QLocale

    monkeypatch.delenv(i18n.ENV_OVERRIDE, raising=False)
    QSettings().remove(i18n.SETTINGS_KEY)
    monkeypatch.setattr(QLocale, "system", staticmethod(lambda: QLocale("zh_CN")))
    assert i18n.chosen_language() == "zh_CN"
    monkeypatch.setattr(QLocale, "system", staticmethod(lambda: QLocale("de_DE")))
    assert i18n.chosen_language() == "en"
    QSettings().setValue(i18n.SETTINGS_KEY, "zh_CN")
    assert i18n.chosen_language() == "zh_CN"  # the saved choice wins over the locale
    QSettings().remove(i18n.SETTINGS_KEY)


def _lrelease() -> str | None:
    local = Path(sys.executable).with_name("pyside6-lrelease")
    return str(local) if local.exists() else shutil.which("pyside6-lrelease")


def test_every_text_is_translated_in_the_ts():
    root = ElementTree.parse(i18n.ts_path("zh_CN")).getroot()
    messages = list(root.iter("message"))
    assert len(messages) > 250
    unfinished = [m.findtext("source") for m in messages if m.find("translation").get("type") == "unfinished"]
    assert not unfinished


def test_ts_holds_every_tr_text_of_the_sources(tmp_path):
    """lupdate over gui/ finds no text the .ts lacks (run `python -m gui.i18n --update` when it does)."""
    lupdate = Path(sys.executable).with_name("pyside6-lupdate")
    if not lupdate.exists() and not shutil.which("pyside6-lupdate"):
        pytest.skip("pyside6-lupdate not installed")
    copy = tmp_path / "check.ts"
    shutil.copy(i18n.ts_path("zh_CN"), copy)
    i18n.collect_texts(copy, quiet=True)
    assert copy.read_bytes() == i18n.ts_path("zh_CN").read_bytes()


def test_qm_is_current_with_ts(tmp_path):
    lrelease = _lrelease()
    if lrelease is None:
        pytest.skip("pyside6-lrelease not installed: cannot rebuild the .qm to compare")
    fresh = tmp_path / "fresh.qm"
    subprocess.run([lrelease, "-silent", str(i18n.ts_path("zh_CN")), "-qm", str(fresh)], check=True)
    assert fresh.read_bytes() == i18n.qm_path("zh_CN").read_bytes(), "run: python -m gui.i18n --release"


def test_qt_standard_dialogs_are_translated_too(english_after, qapp):
    from PySide6.QtWidgets import QDialogButtonBox

    switch_to("zh_CN")
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "取消"
