"""The UI language: Simplified Chinese or English, switched live, made with Qt's own tools.

English is the source text (every user-visible string goes through ``self.tr()`` or
``QCoreApplication.translate(context, …)``). Chinese comes from ``resources/translations/mpwatch_zh_CN.qm``
(compiled from the ``.ts`` next to it) plus Qt's own ``qtbase_zh_CN.qm`` for the standard dialogs and
buttons. Installing a translator makes Qt send ``QEvent.LanguageChange`` to every widget; each
widget re-sets its texts in its ``retranslate()`` then, so switching needs no restart.

Which language: the ``MPWATCH_LANGUAGE`` environment variable (tests, screenshots), else the choice
saved from the View ▸ Language menu, else the system locale (any ``zh`` locale → Chinese).

Regenerate the translation files after changing texts (lupdate keeps existing translations)::

    python -m gui.i18n --update      # pyside6-lupdate gui/ → .ts, then pyside6-lrelease → .qm
    python -m gui.i18n --release     # only .ts → .qm (after editing the .ts, e.g. in pyside6-linguist)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QSettings, QTranslator

from gui.resources import RESOURCES, resource_path

#: Language code → its name in its own language (the View ▸ Language menu).
LANGUAGES = {"zh_CN": "中文", "en": "English"}
SOURCE_LANGUAGE = "en"
SETTINGS_KEY = "ui/language"
ENV_OVERRIDE = "MPWATCH_LANGUAGE"
TRANSLATIONS_DIR = resource_path("translations")
GUI_DIR = RESOURCES.parent / "gui"

_installed: list[QTranslator] = []
_current = SOURCE_LANGUAGE


def ts_path(language: str) -> Path:
    return TRANSLATIONS_DIR / f"mpwatch_{language}.ts"


def qm_path(language: str) -> Path:
    return TRANSLATIONS_DIR / f"mpwatch_{language}.qm"


def system_language() -> str:
    """Chinese for any Chinese system locale, English otherwise."""
    return "zh_CN" if QLocale.system().language() == QLocale.Language.Chinese else SOURCE_LANGUAGE


def chosen_language() -> str:
    """The environment override, else the saved choice, else the system's language."""
    for candidate in (os.environ.get(ENV_OVERRIDE, ""), QSettings().value(SETTINGS_KEY, "", type=str)):
        if candidate in LANGUAGES:
            return candidate
    return system_language()


def current_language() -> str:
    return _current


def install_language(language: str) -> str:
    """Install the translators of ``language`` (removing the previous ones); widgets get a
    LanguageChange event and retranslate. Returns the language in effect."""
    global _current
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("install_language() needs a QApplication")
    if language not in LANGUAGES:
        language = SOURCE_LANGUAGE
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    if language != SOURCE_LANGUAGE:
        locale = QLocale(language)
        ours = QTranslator(app)
        if ours.load(str(qm_path(language))):
            _installed.append(ours)
        qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        qtbase = QTranslator(app)
        if qtbase.load(locale, "qtbase", "_", qt_dir):
            _installed.append(qtbase)
        for translator in _installed:
            app.installTranslator(translator)
    QLocale.setDefault(QLocale(language if language != SOURCE_LANGUAGE else "en_US"))
    _current = language
    return language


def set_language(language: str) -> str:
    """The menu's choice: install it and remember it for the next start."""
    QSettings().setValue(SETTINGS_KEY, language)
    return install_language(language)


# -- regenerating the files (developer command) -----------------------------------------------------
def _tool(name: str) -> str:
    """The PySide6 tool next to this interpreter (the venv's bin), else from PATH."""
    local = Path(sys.executable).with_name(name)
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found (it comes with the PySide6 wheel)")
    return found


def source_files() -> list[str]:
    return sorted(str(p.relative_to(RESOURCES.parent)) for p in GUI_DIR.rglob("*.py"))


def collect_texts(ts_file: Path, quiet: bool = False) -> None:
    """Collect every tr() text of gui/ into ``ts_file`` (existing translations kept, vanished ones
    dropped); ``quiet``: lupdate's summary is not printed."""
    subprocess.run(
        [_tool("pyside6-lupdate"), *source_files(), "-no-obsolete", "-locations", "none", "-ts", str(ts_file)],
        check=True,
        cwd=RESOURCES.parent,
        capture_output=quiet,
    )


def update_ts(language: str = "zh_CN") -> None:
    """Collect every tr() text of gui/ into the language's .ts."""
    collect_texts(ts_path(language).relative_to(RESOURCES.parent))


def release_qm(language: str = "zh_CN", out: Path | None = None) -> Path:
    """Compile the .ts into a .qm (``out`` defaults to the shipped file)."""
    target = out or qm_path(language)
    subprocess.run([_tool("pyside6-lrelease"), "-silent", str(ts_path(language)), "-qm", str(target)], check=True)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate the UI translation files.")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--update", action="store_true", help="lupdate gui/ into the .ts, then lrelease the .qm")
    group.add_argument("--release", action="store_true", help="only compile the .ts into the .qm")
    args = parser.parse_args(argv)
    for language in LANGUAGES:
        if language == SOURCE_LANGUAGE:
            continue
        if args.update:
            update_ts(language)
        print(f"wrote {release_qm(language)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
