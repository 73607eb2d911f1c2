"""The header row of an .xlsx file without loading its sheet.

The run-wide ``--columns`` check (engine.preflight) reads the header of a few inputs before any
worker starts — in the window too, on Start. fastexcel/calamine parse the whole worksheet even for
one row (about 0.3 s for a 20,000-row export), which froze the window for seconds on a folder of
exports. Here the zip members are decompressed as a stream and parsing stops at the first row that
holds a value (a table may start lower or further right, as the readers allow); shared strings are
read only up to the highest index that row uses. Anything unusual raises, and the caller falls
back to the full reader.
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path
from xml.etree.ElementTree import iterparse

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _first_sheet_member(book: zipfile.ZipFile) -> str:
    """The zip member of the workbook's first sheet (its order in workbook.xml, not its file name)."""
    with book.open("xl/workbook.xml") as stream:
        rel_id = next(
            (el.get(f"{_REL}id") for _, el in iterparse(stream) if el.tag == f"{_MAIN}sheet"),
            None,
        )
    if rel_id is None:
        raise ValueError("workbook without sheets")
    with book.open("xl/_rels/workbook.xml.rels") as stream:
        for _, el in iterparse(stream):
            if el.tag == f"{_PKG_REL}Relationship" and el.get("Id") == rel_id:
                target = el.get("Target", "")
                return target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
    raise ValueError(f"sheet relationship {rel_id} not found")


def _first_row_cells(book: zipfile.ZipFile, member: str) -> list[tuple[str | None, str]]:
    """(type, raw text) of each cell of the first row with a value."""
    with book.open(member) as stream:
        row: list[tuple[str | None, str]] = []
        for _, el in iterparse(stream):
            if el.tag == f"{_MAIN}c":
                kind = el.get("t")
                if kind == "inlineStr":
                    text = "".join(t.text or "" for t in el.iter(f"{_MAIN}t"))
                else:
                    value = el.find(f"{_MAIN}v")
                    text = value.text if value is not None and value.text is not None else ""
                row.append((kind, text))
                el.clear()
            elif el.tag == f"{_MAIN}row":
                if any(text.strip() for _, text in row):
                    return row
                row = []
                el.clear()
    raise ValueError("no row with a value")


def _shared_strings(book: zipfile.ZipFile, up_to: int) -> list[str]:
    """The shared strings with index ≤ ``up_to`` (the header's are among the first)."""
    found: list[str] = []
    with book.open("xl/sharedStrings.xml") as stream:
        for _, el in iterparse(stream):
            if el.tag == f"{_MAIN}si":
                # rich text runs (<r><t>) and phonetic hints (<rPh>, not part of the text)
                found.append("".join(t.text or "" for t in el.iter(f"{_MAIN}t") if t not in _phonetic(el)))
                el.clear()
                if len(found) > up_to:
                    return found
    raise ValueError(f"shared string {up_to} missing")


def _phonetic(si) -> set:
    return {t for ph in si.iter(f"{_MAIN}rPh") for t in ph.iter(f"{_MAIN}t")}


def read_xlsx_header(path: Path) -> list[str]:
    """Column names of the first sheet's first row with a value, stripped (as the readers name them)."""
    with zipfile.ZipFile(path) as book:
        cells = _first_row_cells(book, _first_sheet_member(book))
        indexes = [int(text) for kind, text in cells if kind == "s" and text]
        strings = _shared_strings(book, max(indexes)) if indexes else []
    names = [strings[int(text)] if kind == "s" and text else text for kind, text in cells]
    names = [name.strip() for name in names]
    while names and not names[-1]:
        names.pop()
    while names and not names[0]:
        names.pop(0)
    return names
