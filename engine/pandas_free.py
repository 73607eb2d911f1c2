"""Keep pyarrow from importing pandas in a process that does not use it (a clean worker).

pyarrow imports pandas, when it is installed, the first time almost any Python value meets it
(``pa.scalar``, ``pa.array`` of a list, a boolean array's ``to_numpy``): it checks whether the value
is a pandas object. That costs a fresh process about 0.35 s of CPU, most of a clean worker's
start-up, for a check whose answer is always "no" there.

pyarrow looks for pandas once and remembers the answer; where pandas is really needed
(``Table.to_pandas``, reading a .csv input with pandas) it imports it then, and works as usual.
So the look is made while ``import pandas`` fails, and pyarrow remembers "no pandas" until then.
"""

from __future__ import annotations

import sys

import pyarrow as pa


class _HidePandas:
    """An import finder that makes ``import pandas`` fail (while it is first in ``sys.meta_path``)."""

    @staticmethod
    def find_spec(name: str, path: object = None, target: object = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("pandas hidden while pyarrow looks for it")


def keep_pyarrow_from_importing_pandas() -> None:
    """Make pyarrow's one look for pandas now, with pandas hidden; no-op where pandas is loaded
    (nothing to save there, and pandas objects may already be meeting pyarrow)."""
    if "pandas" in sys.modules:
        return
    sys.meta_path.insert(0, _HidePandas)
    try:
        pa.scalar(0)
    finally:
        sys.meta_path.remove(_HidePandas)
