"""Assemble one segment's .xlsx from rendered parts: package parts, the sheet split, write-then-rename.

Data flow::

    rendered parts (files or in memory), in file order, with the rows to leave out of each
        ─► row counts from the indexes alone ─► sheet layout (EXCEL_MAX_ROWS per sheet, header
           included; known before a byte is written, so every <dimension> is exact)
        ─► .NAME.part-PID: [Content_Types].xml, rels, docProps, workbook.xml, styles.xml, then
           sheet1.xml, sheet2.xml…: head + header row, the parts' deflate blocks (copied; a block
           cut by the split or by skipped rows is inflated, cut and deflated), tail
        ─► os.replace → NAME        (any error, or Cancelled raised by progress: temporary removed)

One part is in memory at a time. The result matches ``XlsxSegmentWriter``'s file cell for cell
(same sheet names and split, the header row on every sheet, every cell a string, column width 18),
except text shaped like ``<r>…</r>``, which xlsxwriter turns into rich-text markup and this keeps
(see ``render``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from engine.atomic import temp_path_for
from engine.disk_fault import fsync_path
from engine.xlsxfast.partfile import load_rendered_part, read_part_summary
from engine.xlsxfast.render import DEFLATE_LEVEL, EXCEL_MAX_ROWS, RenderedPart, inflate_block, render_rows_xml
from engine.xlsxfast.zipstream import ZIP64_LIMIT, ZipEntry, ZipStreamWriter

PartSource = Path | RenderedPart

_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument"
_COLUMN_WIDTH = "18.7109375"  # what xlsxwriter stores for set_column(…, 18)


@dataclass(frozen=True)
class SegmentLayout:
    """What was written: the file, its data rows, and the data rows on each sheet."""

    path: Path
    rows: int
    sheet_rows: tuple[int, ...]


def column_letters(n: int) -> str:
    """1 → A, 26 → Z, 27 → AA."""
    letters = ""
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def plan_sheets(rows: int, max_rows_per_sheet: int) -> tuple[int, ...]:
    """Data rows on each sheet: full sheets of ``max_rows_per_sheet - 1`` (the header takes one
    row), the rest on the last; an empty segment is one sheet holding the header."""
    if max_rows_per_sheet < 2:
        raise ValueError("a sheet needs room for the header and one row")
    per_sheet = max_rows_per_sheet - 1
    full, rest = divmod(rows, per_sheet)
    return (per_sheet,) * full + ((rest,) if rest or not full else ())


def _package_parts(sheets: int) -> list[tuple[str, str]]:
    names = [f"Sheet{n}" for n in range(1, sheets + 1)]
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{_CT}.spreadsheetml.worksheet+xml"/>'
        for n in range(1, sheets + 1)
    )
    content_types = (
        f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/docProps/app.xml" ContentType="{_CT}.extended-properties+xml"/>'
        f'<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.spreadsheetml.styles+xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.spreadsheetml.sheet.main+xml"/>'
        f"{overrides}</Types>"
    )
    root_rels = (
        f'{_XML}<Relationships xmlns="{_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        f'<Relationship Id="rId2" Type="{_PKG_REL}/metadata/core-properties" Target="docProps/core.xml"/>'
        f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/>'
        f"</Relationships>"
    )
    titles = "".join(f"<vt:lpstr>{name}</vt:lpstr>" for name in names)
    app = (
        f'{_XML}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
        f'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        f'<Application>mpwatch</Application><HeadingPairs><vt:vector size="2" baseType="variant">'
        f"<vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant><vt:variant><vt:i4>{sheets}</vt:i4></vt:variant>"
        f'</vt:vector></HeadingPairs><TitlesOfParts><vt:vector size="{sheets}" baseType="lpstr">{titles}'
        f"</vt:vector></TitlesOfParts></Properties>"
    )
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    core = (
        f'{_XML}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        f'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>'
    )
    sheet_list = "".join(f'<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>' for n, name in enumerate(names, 1))
    workbook = (
        f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/></bookViews>'
        f"<sheets>{sheet_list}</sheets></workbook>"
    )
    sheet_rels = "".join(
        f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, sheets + 1)
    )
    workbook_rels = (
        f'{_XML}<Relationships xmlns="{_PKG_REL}">{sheet_rels}'
        f'<Relationship Id="rId{sheets + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'
    )
    styles = (
        f'{_XML}<styleSheet xmlns="{_MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/>'
        f'<family val="2"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill>'
        f'<fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/>'
        f'<top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" '
        f'fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
        f'borderId="0" xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" '
        f'builtinId="0"/></cellStyles></styleSheet>'
    )
    return [
        ("[Content_Types].xml", content_types),
        ("_rels/.rels", root_rels),
        ("docProps/app.xml", app),
        ("docProps/core.xml", core),
        ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", workbook_rels),
        ("xl/styles.xml", styles),
    ]


class _SheetStream:
    """Writes sheets one after another into the archive, each opened with its head and header."""

    def __init__(self, archive: ZipStreamWriter, columns: Sequence[str], layout: tuple[int, ...], zip64: bool) -> None:
        self.archive = archive
        self.zip64 = zip64
        self.layout = layout
        self.columns = tuple(columns)
        self.header, _ = render_rows_xml(pa.table({f"c{i}": [name] for i, name in enumerate(self.columns)}))
        self.sheet = 0
        self.filled = 0
        self.entry: ZipEntry | None = None

    def open_next(self) -> None:
        if self.entry is not None:
            self.close_current()
        self.sheet += 1
        self.filled = 0
        last = f"{column_letters(len(self.columns))}{self.layout[self.sheet - 1] + 1}"
        selected = ' tabSelected="1"' if self.sheet == 1 else ""
        head = (
            f'{_XML}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><dimension ref="A1:{last}"/>'
            f'<sheetViews><sheetView{selected} workbookViewId="0"/></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/><cols><col min="1" max="{len(self.columns)}" '
            f'width="{_COLUMN_WIDTH}" customWidth="1"/></cols><sheetData>'
        )
        self.entry = self.archive.open_entry(f"xl/worksheets/sheet{self.sheet}.xml", self.zip64)
        self.entry.add_raw(head.encode("utf-8") + self.header, DEFLATE_LEVEL)

    @property
    def room(self) -> int:
        return self.layout[self.sheet - 1] - self.filled

    def close_current(self) -> None:
        self.entry.add_raw(
            b'</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" '
            b'header="0.3" footer="0.3"/></worksheet>',
            DEFLATE_LEVEL,
        )
        self.entry.finish()
        self.entry = None


def _kept_rows(rows: int, skip: np.ndarray | None) -> np.ndarray | None:
    """Mask of the rows to write, or None for all of them."""
    if skip is None or len(skip) == 0:
        return None
    keep = np.ones(rows, dtype=bool)
    keep[np.asarray(skip, dtype=np.int64)] = False
    return keep


def _stream_part(
    part: RenderedPart, keep: np.ndarray | None, sheets: _SheetStream, progress: Callable[[int], None]
) -> int:
    """Append one part's kept rows, opening sheets as they fill; returns the rows written."""
    written = 0
    firsts = part.block_first_row()
    for b in range(part.blocks):
        lo, hi = int(firsts[b]), int(firsts[b + 1])
        rows = np.arange(lo, hi) if keep is None else np.flatnonzero(keep[lo:hi]) + lo
        raw: bytes | None = None
        position = 0
        while position < len(rows):
            if sheets.room == 0:
                sheets.open_next()
            take = rows[position : position + sheets.room]
            if len(take) == hi - lo:  # the whole block: copy it as it is
                sheets.entry.add_deflated(part.block_bytes(b), int(part.block_raw[b]), int(part.block_crc[b]))
            else:
                raw = raw if raw is not None else inflate_block(part, b)
                ends = part.row_ends[lo:hi]
                starts = np.concatenate(([0], ends[:-1]))
                local = take - lo
                sheets.entry.add_raw(b"".join(raw[starts[i] : ends[i]] for i in local), DEFLATE_LEVEL)
            sheets.filled += len(take)
            position += len(take)
            written += len(take)
            progress(len(take))
    return written


def write_xlsx_segment(
    final_path: Path,
    columns: Sequence[str],
    parts: Sequence[PartSource],
    skip_rows: Sequence[np.ndarray | None] = (),
    progress: Callable[[int], None] | None = None,
    max_rows_per_sheet: int = EXCEL_MAX_ROWS,
    zip64_limit: int = ZIP64_LIMIT,
) -> SegmentLayout:
    """Write the segment ``final_path`` from ``parts`` (rendered part files or RenderedParts, in
    file order; ``skip_rows[i]``: row positions of part i to leave out, or None).

    ``progress(rows)`` is called per block written and may raise (e.g. ``Cancelled``) to stop:
    then, as on any error, the temporary file is removed and nothing appears under ``final_path``.
    """
    final_path = Path(final_path)
    columns = tuple(columns)
    if not columns:
        raise ValueError("an .xlsx segment needs at least one column")
    progress = progress or (lambda rows: None)
    skips = [skip_rows[i] if i < len(skip_rows) else None for i in range(len(parts))]
    summaries = [
        (p.rows, int(p.block_raw.sum())) if isinstance(p, RenderedPart) else read_part_summary(p) for p in parts
    ]
    keeps = [_kept_rows(n, s) for (n, _), s in zip(summaries, skips)]
    total = sum(n if k is None else int(k.sum()) for (n, _), k in zip(summaries, keeps))
    layout = plan_sheets(total, max_rows_per_sheet)
    # ZIP64 is chosen before a sheet is opened: when the whole segment's XML could pass the limit.
    xml_bound = sum(raw for _, raw in summaries) + len(layout) * (1 << 20)
    zip64 = xml_bound + xml_bound // 100 >= zip64_limit
    final_path.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_path_for(final_path)
    written = 0
    try:
        with open(temp, "wb", buffering=1 << 20) as handle:
            archive = ZipStreamWriter(handle, zip64_limit)
            for name, text in _package_parts(len(layout)):
                archive.add_bytes(name, text.encode("utf-8"))
            sheets = _SheetStream(archive, columns, layout, zip64)
            sheets.open_next()
            for source, keep in zip(parts, keeps):
                part = source if isinstance(source, RenderedPart) else load_rendered_part(source)
                if part.columns != columns:
                    raise ValueError(f"part has columns {part.columns}, the segment {columns}")
                written += _stream_part(part, keep, sheets, progress)
            sheets.close_current()
            archive.close()
        if written != total or sheets.sheet != len(layout):
            raise AssertionError(f"wrote {written} rows on {sheets.sheet} sheets, planned {total} on {len(layout)}")
        fsync_path(temp)  # the report may claim this file the moment it has its name
        os.replace(temp, final_path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return SegmentLayout(final_path, written, layout)
