"""A zip writer for data that is already deflated: entries are appended block by block and never
inflated, which Python's ``zipfile`` cannot do.

Data flow::

    open_entry(name, zip64) ─► local header (crc and sizes 0 for now)
        add_deflated(block, raw_len, crc) … ─► the blocks, back to back (each ends on a sync flush)
        finish() ─► a final empty deflate block; crc (combined from the blocks') and sizes patched
                    into the local header by seeking back
    close() ─► central directory, end record

The result is laid out as ``zipfile`` lays out a file it writes to a seekable handle, so every
reader that opens those opens these. ZIP64 is decided when an entry is opened (the caller knows an
upper bound of its size): such an entry's local header carries the ZIP64 extra field with its
sizes, as ``zipfile``'s ``force_zip64`` writes it (LibreOffice rejects a ZIP64 entry that has a
data descriptor instead); the central directory gets ZIP64 fields only for values past 4 GiB, and a
ZIP64 end record is added when the directory itself lies past it. ``zip64_limit`` can be lowered
to test that path on small files.
"""

from __future__ import annotations

import struct
import zlib
from typing import BinaryIO

from isal import isal_zlib

_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_END64 = struct.Struct("<IQHHIIQQQQ")
_LOCATOR64 = struct.Struct("<IIQI")
_EXTRA64 = struct.Struct("<HHQQ")
ZIP64_LIMIT = 0xFFFFFFFF
_DEFLATED = 8
_DOS_TIME, _DOS_DATE = 0, (0 << 9) | (1 << 5) | 1  # 1980-01-01 00:00: same bytes for the same rows
_FINAL_EMPTY_BLOCK = b"\x03\x00"

# crc32 combination (zlib's crc32_combine, which Python's zlib does not expose): multiplication
# modulo the CRC polynomial, reflected, and x^(2^n) precomputed.
_POLY = 0xEDB88320


def _multmodp(a: int, b: int) -> int:
    m, p = 1 << 31, 0
    while True:
        if a & m:
            p ^= b
            if (a & (m - 1)) == 0:
                return p
        m >>= 1
        b = (b >> 1) ^ _POLY if b & 1 else b >> 1


def _x2n_table() -> list[int]:
    table, p = [], 1 << 30  # x^1
    for _ in range(32):
        table.append(p)
        p = _multmodp(p, p)
    return table


_X2N = _x2n_table()


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """crc32 of A+B from crc32(A), crc32(B) and len(B)."""
    p, k, n = 1 << 31, 3, len2  # x^0, and len2 bytes = 8*len2 bits = x^(2^3 * len2)
    while n:
        if n & 1:
            p = _multmodp(_X2N[k & 31], p)
        n >>= 1
        k += 1
    return _multmodp(p, crc1) ^ crc2


class ZipEntry:
    """One deflated entry being written; see the module docstring."""

    def __init__(self, archive: ZipStreamWriter, name: str, zip64: bool = False) -> None:
        self.archive = archive
        self.name = name.encode("utf-8")
        self.offset = archive.handle.tell()
        self.crc = 0
        self.raw_size = 0
        self.compressed_size = 0
        self.zip64 = zip64
        if zip64:
            archive.handle.write(
                _LOCAL.pack(
                    0x04034B50,
                    45,
                    0,
                    _DEFLATED,
                    _DOS_TIME,
                    _DOS_DATE,
                    0,
                    0xFFFFFFFF,
                    0xFFFFFFFF,
                    len(self.name),
                    _EXTRA64.size,
                )
            )
            archive.handle.write(self.name)
            archive.handle.write(_EXTRA64.pack(1, 16, 0, 0))
        else:
            archive.handle.write(
                _LOCAL.pack(0x04034B50, 20, 0, _DEFLATED, _DOS_TIME, _DOS_DATE, 0, 0, 0, len(self.name), 0)
            )
            archive.handle.write(self.name)

    def add_deflated(self, block: bytes, raw_len: int, crc: int) -> None:
        """Append a sync-flushed raw deflate block that inflates to ``raw_len`` bytes with ``crc``."""
        self.archive.handle.write(block)
        self.crc = crc32_combine(self.crc, crc, raw_len)
        self.raw_size += raw_len
        self.compressed_size += len(block)

    def add_raw(self, raw: bytes, level: int = 1) -> None:
        """Deflate ``raw`` here (ISA-L, a sync-flushed block) and append it."""
        compressor = isal_zlib.compressobj(level, isal_zlib.DEFLATED, -15)
        self.add_deflated(
            compressor.compress(raw) + compressor.flush(isal_zlib.Z_SYNC_FLUSH), len(raw), zlib.crc32(raw)
        )

    def finish(self) -> None:
        handle = self.archive.handle
        handle.write(_FINAL_EMPTY_BLOCK)
        self.compressed_size += len(_FINAL_EMPTY_BLOCK)
        end = handle.tell()
        handle.seek(self.offset + 14)
        if self.zip64:
            handle.write(struct.pack("<I", self.crc))
            handle.seek(self.offset + _LOCAL.size + len(self.name) + 4)
            handle.write(struct.pack("<QQ", self.raw_size, self.compressed_size))
        else:
            limit = self.archive.zip64_limit
            if self.raw_size >= limit or self.compressed_size >= limit:
                raise ValueError(f"{self.name.decode()} passed {limit:,} bytes in an entry opened without ZIP64")
            handle.write(struct.pack("<III", self.crc, self.compressed_size, self.raw_size))
        handle.seek(end)
        self.archive.entries.append(self)


class ZipStreamWriter:
    """Writes a zip to an open, seekable binary file; ``close`` writes the directory (the caller
    closes the file)."""

    def __init__(self, handle: BinaryIO, zip64_limit: int = ZIP64_LIMIT) -> None:
        self.handle = handle
        self.zip64_limit = zip64_limit
        self.entries: list[ZipEntry] = []

    def open_entry(self, name: str, zip64: bool = False) -> ZipEntry:
        """An entry to append to; ``zip64`` when it may pass ``zip64_limit`` bytes."""
        return ZipEntry(self, name, zip64)

    def add_bytes(self, name: str, data: bytes, level: int = 1) -> None:
        """A whole entry from ``data`` (deflate adds at most a few bytes per 16 KiB to it)."""
        entry = self.open_entry(name, zip64=len(data) + len(data) // 100 + 1024 >= self.zip64_limit)
        entry.add_raw(data, level)
        entry.finish()

    def close(self) -> None:
        handle, limit = self.handle, self.zip64_limit
        directory_at = handle.tell()
        for e in self.entries:
            extra = b""
            sizes = [e.raw_size, e.compressed_size, e.offset]
            big = [v >= limit for v in sizes]
            if any(big):
                extra_values = [v for v, b in zip(sizes, big) if b]
                extra = struct.pack(f"<HH{len(extra_values)}Q", 1, 8 * len(extra_values), *extra_values)
            raw, comp, offset = (0xFFFFFFFF if b else v for v, b in zip(sizes, big))
            version = 45 if extra or e.zip64 else 20
            handle.write(
                _CENTRAL.pack(
                    0x02014B50,
                    version,
                    version,
                    0,
                    _DEFLATED,
                    _DOS_TIME,
                    _DOS_DATE,
                    e.crc,
                    comp,
                    raw,
                    len(e.name),
                    len(extra),
                    0,
                    0,
                    0,
                    0,
                    offset,
                )
            )
            handle.write(e.name)
            handle.write(extra)
        directory_end = handle.tell()
        size = directory_end - directory_at
        count = len(self.entries)
        if directory_at >= limit or size >= limit or count >= 0xFFFF:
            handle.write(_END64.pack(0x06064B50, _END64.size - 12, 45, 45, 0, 0, count, count, size, directory_at))
            handle.write(_LOCATOR64.pack(0x07064B50, 0, directory_end, 1))
            handle.write(
                _END.pack(
                    0x06054B50, 0, 0, min(count, 0xFFFF), min(count, 0xFFFF), min(size, 0xFFFFFFFF), 0xFFFFFFFF, 0
                )
            )
        else:
            handle.write(_END.pack(0x06054B50, 0, 0, count, count, size, directory_at, 0))
