"""A rendered part on disk: what a clean worker leaves for the segment writer beside its parquet part.

Layout (little-endian)::

    MAGIC | deflate blocks back to back | index (.npy bytes of an int64 array) |
    columns (UTF-8 JSON) | footer: offset of index, length of index, length of columns, MAGIC

The index holds, per block, rows / inflated bytes / crc32, then every row's end offset in its
block; block offsets follow from the compressed lengths (also in the index). The writer reads the
footer first (``read_part_summary``: row counts before anything is written, for the sheet split and
the ``<dimension>``), the whole file only when the part's turn comes. Written with write-then-
rename, so a retried clean task simply rewrites it.
"""

from __future__ import annotations

import io
import json
import struct
from pathlib import Path

import numpy as np

from engine.atomic import atomic_path
from engine.xlsxfast.render import RenderedPart

MAGIC = b"MPWXLSR1"
SUFFIX = ".xlsxrows"
_FOOTER = struct.Struct("<QQQ8s")


def rendered_path_for(part_path: Path) -> Path:
    """Where a clean worker leaves the rendered rows of ``part_path`` (beside it, same stem), so the
    coordinator and the segment task find them without being told."""
    return Path(part_path).with_suffix(SUFFIX)


class RenderedPartError(ValueError):
    """A file that is not a complete rendered part (truncated, or something else)."""


def save_rendered_part(part: RenderedPart, path: Path) -> Path:
    """Write ``part`` to ``path`` atomically; returns ``path``."""
    blocks = part.blocks
    index = np.concatenate(
        [
            np.asarray([blocks, part.rows], np.int64),
            part.block_rows,
            part.block_raw,
            np.diff(part.block_comp),
            part.block_crc,
            part.row_ends,
        ]
    ).astype(np.int64)
    buffer = io.BytesIO()
    np.save(buffer, index, allow_pickle=False)
    index_bytes = buffer.getvalue()
    columns = json.dumps(list(part.columns), ensure_ascii=False).encode("utf-8")
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            handle.write(MAGIC)
            handle.write(part.data)
            handle.write(index_bytes)
            handle.write(columns)
            handle.write(_FOOTER.pack(len(MAGIC) + len(part.data), len(index_bytes), len(columns), MAGIC))
    return Path(path)


def _read_footer(handle) -> tuple[int, int, int]:
    handle.seek(0, io.SEEK_END)
    size = handle.tell()
    if size < len(MAGIC) + _FOOTER.size:
        raise RenderedPartError(f"{handle.name}: not a rendered part (too short)")
    handle.seek(size - _FOOTER.size)
    index_at, index_len, columns_len, magic = _FOOTER.unpack(handle.read(_FOOTER.size))
    if magic != MAGIC or index_at + index_len + columns_len + _FOOTER.size != size:
        raise RenderedPartError(f"{handle.name}: not a complete rendered part")
    return index_at, index_len, columns_len


def _read_index(handle, index_at: int, index_len: int, columns_len: int) -> tuple[np.ndarray, tuple[str, ...]]:
    handle.seek(index_at)
    index = np.load(io.BytesIO(handle.read(index_len)), allow_pickle=False)
    columns = tuple(json.loads(handle.read(columns_len).decode("utf-8")))
    return index, columns


def read_part_summary(path: Path) -> tuple[int, int]:
    """(rows, bytes of XML once inflated) of a rendered part, from its index alone."""
    with open(path, "rb") as handle:
        index, _ = _read_index(handle, *_read_footer(handle))
    blocks = int(index[0])
    return int(index[1]), int(index[2 + blocks : 2 + 2 * blocks].sum())


def load_rendered_part(path: Path) -> RenderedPart:
    """The whole rendered part (its deflate blocks stay compressed)."""
    with open(path, "rb") as handle:
        index_at, index_len, columns_len = _read_footer(handle)
        index, columns = _read_index(handle, index_at, index_len, columns_len)
        handle.seek(0)
        if handle.read(len(MAGIC)) != MAGIC:
            raise RenderedPartError(f"{path}: not a rendered part")
        data = handle.read(index_at - len(MAGIC))
    blocks, rows = int(index[0]), int(index[1])
    fields = index[2 : 2 + 4 * blocks].reshape(4, blocks)
    comp = np.zeros(blocks + 1, np.int64)
    np.cumsum(fields[2], out=comp[1:])
    if comp[-1] != len(data) or len(index) != 2 + 4 * blocks + rows:
        raise RenderedPartError(f"{path}: index does not match its data")
    return RenderedPart(
        columns=columns,
        rows=rows,
        data=data,
        block_rows=fields[0].copy(),
        block_raw=fields[1].copy(),
        block_comp=comp,
        block_crc=fields[3].copy(),
        row_ends=index[2 + 4 * blocks :].copy(),
    )
