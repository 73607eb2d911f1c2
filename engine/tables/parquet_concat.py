"""Join standalone parquet files into one by copying their row groups' bytes: no decode, no encode.

Data flow::

    part files (each: PAR1 · row groups · footer · len · PAR1), all with the same schema
        ──► PAR1 · part 1's row groups · part 2's row groups · … · merged footer · len · PAR1

Why: a clean segment is the concatenation of its files' cleaned rows. Encoding each file's rows
where they were cleaned (in parallel, on every worker) and only copying bytes into the segment
makes the segment write, which runs once per segment on one worker, nearly free.

A row group's bytes (pages, dictionaries, statistics) do not depend on where in the file they sit;
only the offsets in the footer do. So the footer of each part (Thrift compact protocol) is walked
once, and every field is copied as the bytes it already is except the few that move: the offsets,
shifted by where the part's bytes land, and the row-group ordinals, renumbered. Nothing is decoded
into objects (schema, statistics, key-value metadata, unknown fields: copied as bytes), which makes
the walk about a third of a full decode and re-encode; it runs on the segment's one worker after
its last file, while the other workers may have nothing left to do. The result is byte for byte
what ``pyarrow.parquet.ParquetWriter`` writes when given the same tables one ``write_table`` call
each (tested), provided the parts were written with the same writer settings.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

MAGIC = b"PAR1"
_COPY_BYTES = 1 << 20

# Thrift compact protocol type ids.
_STOP, _TRUE, _FALSE, _I8, _I16, _I32, _I64, _DOUBLE, _BINARY, _LIST, _SET, _MAP, _STRUCT = range(13)

# Field ids (parquet.thrift) of what this module reads or moves.
_FILE_SCHEMA, _FILE_NUM_ROWS, _FILE_ROW_GROUPS, _FILE_KEY_VALUES = 2, 3, 4, 5
_RG_COLUMNS, _RG_FILE_OFFSET, _RG_ORDINAL = 1, 5, 7
_CC_META = 3
_CC_OFFSETS = (2, 4, 6)  # file_offset, offset_index_offset, column_index_offset
_META_OFFSETS = (9, 10, 11, 14)  # data_page_offset, index_page_offset, dictionary_page_offset, bloom_filter_offset


class ParquetConcatError(ValueError):
    """A part that is not a parquet file, or whose schema differs from the first part's."""


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def _put_varint(out: bytearray, n: int) -> None:
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def _put_zigzag(out: bytearray, n: int) -> None:
    _put_varint(out, (n << 1) ^ (n >> 63))


def _skip(data: bytes, pos: int, kind: int) -> int:
    """Where the value of type ``kind`` starting at ``pos`` ends (a bool here is a collection's one byte)."""
    if kind in (_I16, _I32, _I64):
        while data[pos] & 0x80:
            pos += 1
        return pos + 1
    if kind == _BINARY:
        n, pos = _varint(data, pos)
        return pos + n
    if kind == _STRUCT:
        return _struct_end(data, pos)
    if kind in (_TRUE, _FALSE, _I8):
        return pos + 1
    if kind == _DOUBLE:
        return pos + 8
    if kind in (_LIST, _SET):
        size, element, pos = _list_head(data, pos)
        for _ in range(size):
            pos = _skip(data, pos, element)
        return pos
    if kind == _MAP:
        size, pos = _varint(data, pos)
        if size:
            types = data[pos]
            pos += 1
            for _ in range(size):
                pos = _skip(data, _skip(data, pos, types >> 4), types & 0x0F)
        return pos
    raise ParquetConcatError(f"unknown thrift type {kind} in the footer")


def _list_head(data: bytes, pos: int) -> tuple[int, int, int]:
    """A list's (size, element type, where its first element starts)."""
    head = data[pos]
    size, element = head >> 4, head & 0x0F
    if size == 15:
        size, pos = _varint(data, pos + 1)
        return size, element, pos
    return size, element, pos + 1


def _put_list_head(out: bytearray, size: int, element: int) -> None:
    if size < 15:
        out.append(size << 4 | element)
    else:
        out.append(0xF0 | element)
        _put_varint(out, size)


def _struct_end(data: bytes, pos: int) -> int:
    """Where the struct starting at ``pos`` ends (after its stop byte)."""
    while True:
        head = data[pos]
        pos += 1
        kind = head & 0x0F
        if kind == _STOP:
            return pos
        if not head >> 4:  # the field id follows as a varint
            pos = _skip(data, pos, _I16)
        if kind not in (_TRUE, _FALSE):  # a bool field's value is in its header
            pos = _skip(data, pos, kind)


#: What to do with a field on the way through (``_copy_struct``): move an offset, number a row
#: group, or go into a struct / a list of structs with the rules for its fields.
_SHIFT, _ORDINAL = "shift", "ordinal"
_META_RULES: dict = dict.fromkeys(_META_OFFSETS, _SHIFT)
_CHUNK_RULES: dict = {**dict.fromkeys(_CC_OFFSETS, _SHIFT), _CC_META: (_STRUCT, _META_RULES)}
_GROUP_RULES: dict = {_RG_COLUMNS: (_LIST, _CHUNK_RULES), _RG_FILE_OFFSET: _SHIFT, _RG_ORDINAL: _ORDINAL}


def _copy_struct(data: bytes, pos: int, out: bytearray, rules: dict, delta: int, ordinal: int) -> int:
    """Copy the struct at ``pos`` to ``out`` as it is except the fields ``rules`` names; returns
    where it ends. Offsets move by ``delta``, except 0, which is never a real offset (PAR1 comes
    first): it means "none" (the writer's deprecated ColumnChunk.file_offset, the data page of an
    empty row group) and stays 0. A row group's ordinal becomes ``ordinal``."""
    copied_to = pos
    last = 0
    while True:
        head = data[pos]
        pos += 1
        kind = head & 0x0F
        if kind == _STOP:
            out += data[copied_to:pos]
            return pos
        delta_id = head >> 4
        if delta_id:
            fid = last + delta_id
        else:
            n, pos = _varint(data, pos)
            fid = (n >> 1) ^ -(n & 1)
        last = fid
        if kind in (_TRUE, _FALSE):
            continue
        rule = rules.get(fid)
        if rule is None:
            pos = _skip(data, pos, kind)
        elif rule == _SHIFT and kind == _I64:
            out += data[copied_to:pos]
            n, pos = _varint(data, pos)
            offset = (n >> 1) ^ -(n & 1)
            _put_zigzag(out, offset + delta if offset > 0 else offset)
            copied_to = pos
        elif rule == _ORDINAL and kind == _I16:
            out += data[copied_to:pos]
            pos = _skip(data, pos, kind)
            _put_zigzag(out, ordinal)
            copied_to = pos
        elif isinstance(rule, tuple) and rule[0] == kind == _STRUCT:
            out += data[copied_to:pos]
            pos = _copy_struct(data, pos, out, rule[1], delta, ordinal)
            copied_to = pos
        elif isinstance(rule, tuple) and rule[0] == kind == _LIST:
            size, element, first = _list_head(data, pos)
            if element != _STRUCT:
                raise ParquetConcatError(f"field {fid}: a list of thrift type {element}, not of structs")
            out += data[copied_to:first]
            pos = first
            for _ in range(size):
                pos = _copy_struct(data, pos, out, rule[1], delta, ordinal)
            copied_to = pos
        else:
            pos = _skip(data, pos, kind)


class _Footer:
    """A part's footer as the joined file needs it: each top-level field as its header and value
    bytes, the row count, and the row groups as their bytes in the joined file."""

    def __init__(self, data: bytes, delta: int, first_ordinal: int) -> None:
        self.fields: list[tuple[int, bytes, bytes]] = []  # (id, header bytes, value bytes)
        self.rows = 0
        self.row_groups: list[bytes] = []
        pos, last = 0, 0
        while True:
            start = pos
            head = data[pos]
            pos += 1
            kind = head & 0x0F
            if kind == _STOP:
                return
            if head >> 4:
                fid = last + (head >> 4)
            else:
                n, pos = _varint(data, pos)
                fid = (n >> 1) ^ -(n & 1)
            last, value_at = fid, pos
            if fid == _FILE_ROW_GROUPS and kind == _LIST:
                size, element, pos = _list_head(data, pos)
                for i in range(size):
                    group = bytearray()
                    pos = _copy_struct(data, pos, group, _GROUP_RULES, delta, first_ordinal + i)
                    self.row_groups.append(bytes(group))
            elif kind not in (_TRUE, _FALSE):
                pos = _skip(data, pos, kind)
                if fid == _FILE_NUM_ROWS:
                    self.rows = _varint(data, value_at)[0]
                    self.rows = (self.rows >> 1) ^ -(self.rows & 1)
            self.fields.append((fid, data[start:value_at], data[value_at:pos]))

    def value(self, fid: int) -> bytes | None:
        return next((value for f, _, value in self.fields if f == fid), None)


def read_footer(handle: BinaryIO, size: int) -> tuple[bytes, int]:
    """The footer bytes of the parquet file open as ``handle`` (``size`` bytes), and where it starts."""
    if size < 12:
        raise ParquetConcatError("not a parquet file (too short)")
    handle.seek(size - 8)
    tail = handle.read(8)
    footer_len = struct.unpack("<I", tail[:4])[0]
    handle.seek(0)
    if tail[4:] != MAGIC or handle.read(4) != MAGIC or footer_len > size - 12:
        raise ParquetConcatError("not a parquet file (no PAR1 marks)")
    start = size - 8 - footer_len
    handle.seek(start)
    return handle.read(footer_len), start


class ParquetConcatenator:
    """Writes one parquet file to ``out`` (open for binary writing) from whole part files.

    ``add(path)`` copies a part's row groups; ``close()`` writes the merged footer and returns the
    rows written. Memory: one footer at a time plus the row-group list of the output.
    """

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.out.write(MAGIC)
        self.position = len(MAGIC)
        self.rows = 0
        self._head: _Footer | None = None  # the first part's footer: schema, metadata, created_by
        self._row_groups: list[bytes] = []

    def add(self, source: Path | str | BinaryIO) -> int:
        """Append the row groups of a parquet file (a path, or a binary file open at any position);
        returns its rows."""
        if isinstance(source, (str, Path)):
            with open(source, "rb") as handle:
                return self._add(handle, str(source))
        return self._add(source, "part")

    def _add(self, handle: BinaryIO, name: str) -> int:
        handle.seek(0, 2)
        data, body_end = read_footer(handle, handle.tell())
        try:
            footer = _Footer(data, self.position - len(MAGIC), len(self._row_groups))
        except IndexError:
            raise ParquetConcatError(f"{name}: footer cut short") from None
        self._check_schema(footer, name)
        self._row_groups += footer.row_groups
        handle.seek(len(MAGIC))
        left = body_end - len(MAGIC)
        while left > 0:
            block = handle.read(min(left, _COPY_BYTES))
            if not block:
                raise ParquetConcatError(f"{name}: file shrank while being copied")
            self.out.write(block)
            left -= len(block)
        self.position += body_end - len(MAGIC)
        self.rows += footer.rows
        return footer.rows

    def _check_schema(self, footer: _Footer, name: str) -> None:
        if self._head is None:
            self._head = footer
            return
        # schema, key_value_metadata (the Arrow schema): the same bytes as the first part's
        for fid in (_FILE_SCHEMA, _FILE_KEY_VALUES):
            if footer.value(fid) != self._head.value(fid):
                raise ParquetConcatError(f"{name}: schema differs from the first part's")

    def close(self) -> int:
        """Write the merged footer; returns the rows of the file. Needs at least one part."""
        if self._head is None:
            raise ParquetConcatError("no part added")
        footer = bytearray()
        for fid, header, value in self._head.fields:
            footer += header
            if fid == _FILE_NUM_ROWS:
                _put_zigzag(footer, self.rows)
            elif fid == _FILE_ROW_GROUPS:
                _put_list_head(footer, len(self._row_groups), _STRUCT)
                for group in self._row_groups:
                    footer += group
            else:
                footer += value
        footer.append(_STOP)
        self.out.write(bytes(footer))
        self.out.write(struct.pack("<I", len(footer)))
        self.out.write(MAGIC)
        return self.rows
