"""How mpwatch encodes rows as parquet: one function for parts and segments alike.

``append_part`` (engine/tables/writers.py) copies a part's row groups into its segment instead of
encoding them again, so a segment made of parts is byte for byte the one ``write`` would make of the
same tables only if both encode through ``encode_parquet`` with the same settings.
"""

from __future__ import annotations

from typing import BinaryIO

import pyarrow as pa


def string_schema(columns: tuple[str, ...]) -> pa.Schema:
    """Every output column is text (ids, flags and times as they were read): the schema of every
    part and segment."""
    return pa.schema([(c, pa.string()) for c in columns])


#: A column whose first ``DICTIONARY_SAMPLE`` values are more than half distinct (a timestamp) is
#: written plain: a dictionary of unique values costs about a fifth of a part's encode time and makes
#: the file bigger (a 19,000-row part: 4.6 -> 3.8 ms, 268 -> 233 kB). A table of fewer than
#: ``DICTIONARY_JUDGED_FROM`` rows keeps pyarrow's default (every column), where it makes no difference.
DICTIONARY_SAMPLE = 1000
DICTIONARY_JUDGED_FROM = 100


def _dictionary_columns(table: pa.Table, columns: tuple[str, ...]) -> list[str]:
    """The columns worth a dictionary, judged on the table's first rows (so the same table always
    gets the same encoding: a part and the segment ``write`` makes of it stay byte for byte equal)."""
    import pyarrow.compute as pc

    if table.num_rows < DICTIONARY_JUDGED_FROM:
        return list(columns)
    sample = table.slice(0, DICTIONARY_SAMPLE)
    return [c for c in columns if pc.count_distinct(sample.column(c)).as_py() * 2 <= sample.num_rows]


def encode_parquet(table: pa.Table, columns: tuple[str, ...], target: str | BinaryIO | pa.NativeFile) -> None:
    """One ``write_table`` call of a writer opened on the string schema: the one place parquet rows
    are encoded, so that a part and a segment use the same settings (``append_part`` relies on it)."""
    import pyarrow.parquet as pq  # loaded by the first parquet write: a csv worker never needs it

    schema = string_schema(columns)
    table = table.select(list(columns)).cast(schema)
    writer = pq.ParquetWriter(target, schema, use_dictionary=_dictionary_columns(table, columns))
    try:
        writer.write_table(table)
    finally:
        writer.close()
