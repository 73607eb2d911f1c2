"""Join standalone parquet files into one by copying their row groups' bytes: no decode, no encode.

Data flow::

    part files (each: PAR1 · row groups · footer · len · PAR1), all with the same schema
        ──► PAR1 · part 1's row groups · part 2's row groups · … · merged footer · len · PAR1

Why: a clean segment is the concatenation of its files' cleaned rows. Encoding each file's rows
where they were cleaned (in parallel, on every worker) and only copying bytes into the segment
makes the segment write, which runs once per segment on one worker, nearly free.

A row group's bytes (pages, dictionaries, statistics) do not depend on where in the file they sit;
only the offsets in the footer do. So the footer of each part is decoded (Thrift compact protocol,
kept field by field, unknown fields included), its offsets shifted by where the part's bytes land,
row-group ordinals renumbered, and the row groups of all parts written as one footer. The result is
byte for byte what ``pyarrow.parquet.ParquetWriter`` writes when given the same tables one
``write_table`` call each (tested), provided the parts were written with the same writer settings.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

MAGIC = b"PAR1"
_COPY_BYTES = 1 << 20

# Thrift compact protocol type ids.
_STOP, _TRUE, _FALSE, _I8, _I16, _I32, _I64, _DOUBLE, _BINARY, _LIST, _SET, _MAP, _STRUCT = range(13)

# Field ids (parquet.thrift) of the offsets this module moves.
_FILE_NUM_ROWS, _FILE_ROW_GROUPS = 3, 4
_RG_COLUMNS, _RG_FILE_OFFSET, _RG_ORDINAL = 1, 5, 7
_CC_FILE_OFFSET, _CC_META, _CC_OFFSET_INDEX, _CC_COLUMN_INDEX = 2, 3, 4, 6
_META_OFFSETS = (9, 10, 11, 14)  # data_page_offset, index_page_offset, dictionary_page_offset, bloom_filter_offset


class ParquetConcatError(ValueError):
    """A part that is not a parquet file, or whose schema differs from the first part's."""


@dataclass
class _Field:
    id: int
    type: int
    value: Any  # int, float, bytes, bool, list[_Field] (struct), or (element type, [values]) for lists


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        b = self.data[self.pos]
        self.pos += 1
        return b

    def varint(self) -> int:
        shift = result = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7

    def zigzag(self) -> int:
        n = self.varint()
        return (n >> 1) ^ -(n & 1)

    def value(self, kind: int) -> Any:
        if kind in (_TRUE, _FALSE):  # only inside a collection: one byte per element
            return self.byte() == _TRUE
        if kind == _I8:
            return struct.unpack("b", bytes([self.byte()]))[0]
        if kind in (_I16, _I32, _I64):
            return self.zigzag()
        if kind == _DOUBLE:
            self.pos += 8
            return struct.unpack("<d", self.data[self.pos - 8 : self.pos])[0]
        if kind == _BINARY:
            n = self.varint()
            self.pos += n
            return self.data[self.pos - n : self.pos]
        if kind in (_LIST, _SET):
            head = self.byte()
            size, element = head >> 4, head & 0x0F
            if size == 15:
                size = self.varint()
            return element, [self.value(element) for _ in range(size)]
        if kind == _MAP:
            size = self.varint()
            types = self.byte() if size else 0
            return types, [(self.value(types >> 4), self.value(types & 0x0F)) for _ in range(size)]
        if kind == _STRUCT:
            return self.struct()
        raise ParquetConcatError(f"unknown thrift type {kind} in the footer")

    def struct(self) -> list[_Field]:
        fields: list[_Field] = []
        last = 0
        while True:
            head = self.byte()
            kind = head & 0x0F
            if kind == _STOP:
                return fields
            delta = head >> 4
            fid = last + delta if delta else self.zigzag()
            value = kind == _TRUE if kind in (_TRUE, _FALSE) else self.value(kind)
            fields.append(_Field(fid, kind, value))
            last = fid


class _Writer:
    def __init__(self) -> None:
        self.out = bytearray()

    def varint(self, n: int) -> None:
        while n > 0x7F:
            self.out.append((n & 0x7F) | 0x80)
            n >>= 7
        self.out.append(n)

    def zigzag(self, n: int) -> None:
        self.varint((n << 1) ^ (n >> 63))

    def value(self, kind: int, value: Any) -> None:
        if kind in (_TRUE, _FALSE):
            self.out.append(_TRUE if value else _FALSE)
        elif kind == _I8:
            self.out += struct.pack("b", value)
        elif kind in (_I16, _I32, _I64):
            self.zigzag(value)
        elif kind == _DOUBLE:
            self.out += struct.pack("<d", value)
        elif kind == _BINARY:
            self.varint(len(value))
            self.out += value
        elif kind in (_LIST, _SET):
            element, items = value
            if len(items) < 15:
                self.out.append(len(items) << 4 | element)
            else:
                self.out.append(0xF0 | element)
                self.varint(len(items))
            for item in items:
                self.value(element, item)
        elif kind == _MAP:
            types, items = value
            self.varint(len(items))
            if items:
                self.out.append(types)
            for k, v in items:
                self.value(types >> 4, k)
                self.value(types & 0x0F, v)
        elif kind == _STRUCT:
            self.struct(value)
        else:
            raise ParquetConcatError(f"unknown thrift type {kind}")

    def struct(self, fields: list[_Field]) -> None:
        last = 0
        for f in fields:
            kind = (_TRUE if f.value else _FALSE) if f.type in (_TRUE, _FALSE) else f.type
            if 0 < f.id - last <= 15:
                self.out.append((f.id - last) << 4 | kind)
            else:
                self.out.append(kind)
                self.zigzag(f.id)
            if f.type not in (_TRUE, _FALSE):
                self.value(f.type, f.value)
            last = f.id
        self.out.append(_STOP)


def _get(fields: list[_Field], fid: int) -> _Field | None:
    return next((f for f in fields if f.id == fid), None)


def _shift(fields: list[_Field], ids: tuple[int, ...], delta: int) -> None:
    # 0 is never a real offset (PAR1 comes first): it means "none" (the writer's deprecated
    # ColumnChunk.file_offset, the data page of an empty row group) and stays 0.
    for f in fields:
        if f.id in ids and f.type == _I64 and f.value > 0:
            f.value += delta


def read_footer(handle: BinaryIO, size: int) -> tuple[list[_Field], int]:
    """The decoded footer of the parquet file open as ``handle`` (``size`` bytes), and where it starts."""
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
    return _Reader(handle.read(footer_len)).struct(), start


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
        self._head: list[_Field] | None = None  # the first part's footer: schema, metadata, created_by
        self._row_groups: list[list[_Field]] = []

    def add(self, source: Path | str | BinaryIO) -> int:
        """Append the row groups of a parquet file (a path, or a binary file open at any position);
        returns its rows."""
        if isinstance(source, (str, Path)):
            with open(source, "rb") as handle:
                return self._add(handle, str(source))
        return self._add(source, "part")

    def _add(self, handle: BinaryIO, name: str) -> int:
        handle.seek(0, 2)
        footer, body_end = read_footer(handle, handle.tell())
        self._check_schema(footer, name)
        delta = self.position - len(MAGIC)
        groups_field = _get(footer, _FILE_ROW_GROUPS)
        for group in groups_field.value[1] if groups_field is not None else []:
            _shift(group, (_RG_FILE_OFFSET,), delta)
            ordinal = _get(group, _RG_ORDINAL)
            if ordinal is not None:
                ordinal.value = len(self._row_groups)
            for chunk in _get(group, _RG_COLUMNS).value[1]:
                _shift(chunk, (_CC_FILE_OFFSET, _CC_OFFSET_INDEX, _CC_COLUMN_INDEX), delta)
                meta = _get(chunk, _CC_META)
                if meta is not None:
                    _shift(meta.value, _META_OFFSETS, delta)
            self._row_groups.append(group)
        handle.seek(len(MAGIC))
        left = body_end - len(MAGIC)
        while left > 0:
            block = handle.read(min(left, _COPY_BYTES))
            if not block:
                raise ParquetConcatError(f"{name}: file shrank while being copied")
            self.out.write(block)
            left -= len(block)
        self.position += body_end - len(MAGIC)
        rows = _get(footer, _FILE_NUM_ROWS).value
        self.rows += rows
        return rows

    def _check_schema(self, footer: list[_Field], name: str) -> None:
        if self._head is None:
            self._head = footer
            return
        for fid in (2, 5):  # schema, key_value_metadata (the Arrow schema): must match the first part
            if _get(footer, fid) != _get(self._head, fid):
                raise ParquetConcatError(f"{name}: schema differs from the first part's")

    def close(self) -> int:
        """Write the merged footer; returns the rows of the file. Needs at least one part."""
        if self._head is None:
            raise ParquetConcatError("no part added")
        footer = []
        for f in self._head:
            if f.id == _FILE_NUM_ROWS:
                f = _Field(f.id, f.type, self.rows)
            elif f.id == _FILE_ROW_GROUPS:
                f = _Field(f.id, f.type, (_STRUCT, self._row_groups))
            footer.append(f)
        writer = _Writer()
        writer.struct(footer)
        self.out.write(bytes(writer.out))
        self.out.write(struct.pack("<I", len(writer.out)))
        self.out.write(MAGIC)
        return self.rows
