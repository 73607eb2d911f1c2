"""Cells to worksheet XML: one ``<row>`` of inline-string cells per table row, deflated in blocks.

Rendering is vectorised with pyarrow compute (no Python loop over cells), so it costs a clean
worker little beside reading and cleaning, and it runs in every worker at once. Rows carry no
``r="…"`` attributes: a worker does not know where its rows land in the segment (that depends on
the files before it and on the sheet split), and Excel, LibreOffice, openpyxl and calamine all
number rows and cells in order when the attribute is absent. An empty cell (null) is ``<c/>`` so
the cells after it keep their columns.

What a cell holds is what the text was, as xlsxwriter writes it with ``XLSX_TEXT_ONLY``:

* always a string cell (``t="inlineStr"``): ``=1+1``, ``+86 138…``, ``@x``, ``0012``, URLs stay text;
* ``& < >`` escaped; a literal ``_xHHHH_`` gets its underscore escaped (``_x005F_xHHHH_``) and the
  control characters XML 1.0 forbids (all of U+0000–U+001F but tab and line feed) become
  ``_xHHHH_``, Excel's own escape, so nothing is dropped and readers that decode it (Excel,
  LibreOffice, calamine) show the original; U+FFFE and U+FFFF, also illegal in XML 1.0, are
  escaped the same way (as xlsxwriter does);
* one difference, on purpose: xlsxwriter writes a text that starts with ``<r>`` and ends with
  ``</r>`` unescaped, as rich-text markup, so ``<r><t>x</t></r>`` comes out as ``x`` (or as
  broken XML); here it is escaped like any text and stays what it was;
* a cell longer than Excel's 32,767 UTF-16 units is cut there, as xlsxwriter does;
* ``xml:space="preserve"`` when the text starts or ends with white space, so it is kept.

Deflate blocks: each block of rows is compressed on its own and ends with a sync flush, so blocks
concatenate into one valid deflate stream (pigz's trick) and the segment writer copies them
without inflating; per block we keep its crc32 (combined later) and each row's end offset (to cut a
block at a sheet split or a skipped duplicate).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from isal import isal_zlib

#: Rows in one Excel worksheet, header included (Excel's hard limit).
EXCEL_MAX_ROWS = 1_048_576
#: Excel's limit of one cell, in UTF-16 code units.
XLSX_MAX_CELL_UNITS = 32_767
#: Rows per deflate block: small enough that a cut block costs little to redo, large enough that
#: deflate's 32 KiB window loses nothing that matters.
BLOCK_ROWS = 4096
#: Rows rendered at once (the uncompressed XML of these is in memory together).
RENDER_ROWS = 65_536
#: ISA-L level of the blocks. On this XML level 1 deflates at ~2 GB/s (zlib: 220 MB/s at its
#: level 1, 90 MB/s at its default 6) to about zlib level 1's size (~1.35x level 6's).
DEFLATE_LEVEL = 1

CELL_OPEN = '<c t="inlineStr"><is><t>'
CELL_OPEN_PRESERVE = '<c t="inlineStr"><is><t xml:space="preserve">'
CELL_CLOSE = "</t></is></c>"
EMPTY_CELL = "<c/>"

_ESCAPED_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_ESCAPED_ESCAPE_BYTES = re.compile(rb"_x[0-9a-fA-F]{4}_")
_XML_ILLEGAL = re.compile("([\x00-\x08\x0b-\x1f\ufffe\uffff])")
# Values the vectorised path cannot render: they take escape_cell_text (rare in real text).
_NEEDS_PYTHON = r"_x[0-9a-fA-F]{4}_|[\x{00}-\x{08}\x{0b}-\x{1f}\x{fffe}\x{ffff}]"
# White space at either end (xlsxwriter's test; Arrow's utf8_trim_whitespace agrees on it).
_PY_EDGE_SPACE = re.compile(r"^\s|\s$")


@dataclass(frozen=True, eq=False)
class RenderedPart:
    """One part's rows as deflate blocks. ``data`` holds the blocks back to back; block ``b`` is
    ``data[block_comp[b]:block_comp[b + 1]]``, inflates to ``block_raw[b]`` bytes with crc32
    ``block_crc[b]`` and holds ``block_rows[b]`` rows, row ``i`` of the part ending at
    ``row_ends[i]`` within its block's bytes."""

    columns: tuple[str, ...]
    rows: int
    data: bytes
    block_rows: np.ndarray  # int64, rows per block
    block_raw: np.ndarray  # int64, inflated bytes per block
    block_comp: np.ndarray  # int64, len(blocks)+1 offsets into data
    block_crc: np.ndarray  # int64, crc32 of each block's inflated bytes
    row_ends: np.ndarray  # int64, per row: end offset within its block

    @property
    def blocks(self) -> int:
        return len(self.block_rows)

    def block_bytes(self, b: int) -> bytes:
        return self.data[self.block_comp[b] : self.block_comp[b + 1]]

    def block_first_row(self) -> np.ndarray:
        return np.concatenate(([0], np.cumsum(self.block_rows)))


def _utf16_truncate(text: str, units: int) -> str:
    if len(text) <= units // 2:
        return text
    encoded = text.encode("utf-16-le")
    if len(encoded) <= units * 2:
        return text
    cut = encoded[: units * 2]
    if 0xD800 <= int.from_bytes(cut[-2:], "little") <= 0xDBFF:  # never split a surrogate pair
        cut = cut[:-2]
    return cut.decode("utf-16-le")


def escape_cell_text(text: str) -> tuple[str, bool]:
    """(XML text of a cell, whether it needs ``xml:space="preserve"``): the reference escaping,
    equal to xlsxwriter's in constant-memory mode except for its ``<r>…</r>`` rich-text case."""
    text = _utf16_truncate(text, XLSX_MAX_CELL_UNITS)
    text = _ESCAPED_ESCAPE.sub(r"_x005F\1", text)
    text = _XML_ILLEGAL.sub(lambda m: f"_x{ord(m.group(1)):04X}_", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text, bool(_PY_EDGE_SPACE.search(text))


def _value_bytes(column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(the values' UTF-8 bytes back to back, offsets of each value into them) without a copy."""
    offsets = np.frombuffer(column.buffers()[1], np.int32)[column.offset : column.offset + len(column) + 1]
    data = column.buffers()[2]
    if data is None or offsets[-1] == offsets[0]:
        return np.zeros(0, np.uint8), offsets - offsets[0]
    start = int(offsets[0])
    return np.frombuffer(data, np.uint8, int(offsets[-1]) - start, start), offsets - start


def _needs_python(column: pa.Array, text: bytes, offsets: np.ndarray) -> pa.Array | None:
    """Mask of the values escape_cell_text must render, or None when there are none. Whole-buffer
    checks first (a few memchr-speed passes), per-value regexes only when they find something."""
    raw = np.frombuffer(text, np.uint8)
    suspicious = (
        bool(((raw < 0x20) & (raw != 0x09) & (raw != 0x0A)).any())
        or (b"_x" in text and _ESCAPED_ESCAPE_BYTES.search(text) is not None)
        or b"\xef\xbf\xbe" in text
        or b"\xef\xbf\xbf" in text  # U+FFFE, U+FFFF
        or (len(offsets) > 1 and int(np.diff(offsets).max()) > XLSX_MAX_CELL_UNITS // 2)
    )
    if not suspicious:
        return None
    slow = pc.fill_null(
        pc.or_(
            pc.match_substring_regex(column, _NEEDS_PYTHON),
            pc.greater(pc.utf8_length(column), XLSX_MAX_CELL_UNITS // 2),
        ),
        False,
    )
    return slow if pc.any(slow).as_py() else None


def _edge_space(column: pa.Array, raw: np.ndarray, offsets: np.ndarray) -> pa.Array | None:
    """Mask of values starting or ending with white space, or None when there are none."""
    lengths = np.diff(offsets)
    nonempty = lengths > 0
    if not nonempty.any():
        return None
    first = raw[offsets[:-1][nonempty]]
    last = raw[offsets[1:][nonempty] - 1]
    if not (((first <= 0x20) | (first >= 0x80)).any() or ((last <= 0x20) | (last >= 0x80)).any()):
        return None  # every value begins and ends with a printable ASCII character
    edge = pc.fill_null(
        pc.not_equal(pc.binary_length(pc.utf8_trim_whitespace(column)), pc.binary_length(column)), False
    )
    return edge if pc.any(edge).as_py() else None


def _cell_pieces(column: pa.Array | pa.ChunkedArray) -> list[pa.Array | pa.Scalar]:
    """What the row join concatenates for one column's cells: opening tag, escaped text, closing
    tag (scalars where every row is alike), or whole ``<c>`` elements when some values are null
    (a null is ``<c/>``)."""
    column = column.cast(pa.string())
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    raw, offsets = _value_bytes(column)
    text = raw.tobytes()
    slow = _needs_python(column, text, offsets)
    preserve = _edge_space(column, raw, offsets)
    escaped = column
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        if char.encode() in text:
            escaped = pc.replace_substring(escaped, char, entity)
    if slow is not None:
        positions = np.flatnonzero(slow.to_numpy(zero_copy_only=False))
        fixed = [escape_cell_text(v) for v in column.take(pa.array(positions)).to_pylist()]
        escaped = pc.replace_with_mask(escaped, slow, pa.array([t for t, _ in fixed], pa.string()))
        if preserve is None:
            preserve = pa.array(np.zeros(len(column), bool))
        preserve = pc.replace_with_mask(preserve, slow, pa.array([p for _, p in fixed], pa.bool_()))
    if preserve is None:
        opening = pa.scalar(CELL_OPEN)
    else:
        opening = pc.if_else(preserve, pa.scalar(CELL_OPEN_PRESERVE), pa.scalar(CELL_OPEN))
    if not column.null_count:
        return [opening, escaped, pa.scalar(CELL_CLOSE)]
    cells = pc.binary_join_element_wise(opening, escaped, pa.scalar(CELL_CLOSE), pa.scalar(""))
    return [pc.fill_null(cells, EMPTY_CELL)]


def render_rows_xml(table: pa.Table) -> tuple[bytes, np.ndarray]:
    """(UTF-8 ``<row>…</row>`` elements of every row, end offset of each row in those bytes)."""
    if table.num_rows == 0:
        return b"", np.zeros(0, np.int64)
    pieces = [piece for i in range(table.num_columns) for piece in _cell_pieces(table.column(i))]
    rows = pc.binary_join_element_wise(pa.scalar("<row>"), *pieces, pa.scalar("</row>"), pa.scalar(""))
    rows = rows.cast(pa.large_string())  # 64-bit offsets: long cells may pass 2 GiB
    offsets = np.frombuffer(rows.buffers()[1], np.int64)[rows.offset : rows.offset + len(rows) + 1]
    start, end = int(offsets[0]), int(offsets[-1])
    data = memoryview(rows.buffers()[2])[start:end].tobytes()
    return data, offsets[1:] - start


def deflate_block(raw: bytes, level: int = DEFLATE_LEVEL) -> bytes:
    """Raw deflate of ``raw`` ending on a sync flush: blocks made so concatenate into one stream."""
    compressor = isal_zlib.compressobj(level, isal_zlib.DEFLATED, -15)
    return compressor.compress(raw) + compressor.flush(isal_zlib.Z_SYNC_FLUSH)


def render_part(table: pa.Table, block_rows: int = BLOCK_ROWS, level: int = DEFLATE_LEVEL) -> RenderedPart:
    """Render and deflate a part's rows (all columns, in the table's order, as text)."""
    if block_rows < 1:
        raise ValueError("block_rows must be at least 1")
    datas: list[bytes] = []
    counts: list[int] = []
    raws: list[int] = []
    crcs: list[int] = []
    ends: list[np.ndarray] = []
    chunk_rows = max(block_rows, RENDER_ROWS // block_rows * block_rows)
    for chunk_start in range(0, table.num_rows, chunk_rows):
        xml, row_ends = render_rows_xml(table.slice(chunk_start, chunk_rows))
        view = memoryview(xml)
        for first in range(0, len(row_ends), block_rows):
            block_ends = row_ends[first : first + block_rows]
            begin = int(row_ends[first - 1]) if first else 0
            raw = view[begin : int(block_ends[-1])]
            datas.append(deflate_block(raw, level))
            counts.append(len(block_ends))
            raws.append(len(raw))
            crcs.append(zlib.crc32(raw))
            ends.append(block_ends - begin)
    comp = np.zeros(len(datas) + 1, np.int64)
    np.cumsum([len(d) for d in datas], out=comp[1:])
    return RenderedPart(
        columns=tuple(table.column_names),
        rows=table.num_rows,
        data=b"".join(datas),
        block_rows=np.asarray(counts, np.int64),
        block_raw=np.asarray(raws, np.int64),
        block_comp=comp,
        block_crc=np.asarray(crcs, np.int64),
        row_ends=np.concatenate(ends) if ends else np.zeros(0, np.int64),
    )


def inflate_block(part: RenderedPart, b: int) -> bytes:
    """The XML rows of block ``b`` (to cut it)."""
    return zlib.decompressobj(-15).decompress(part.block_bytes(b))
