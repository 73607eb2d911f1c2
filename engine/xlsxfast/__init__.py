"""Fast .xlsx output: worksheet rows rendered to compressed XML where the rows are (in parallel, in
the clean workers), and a segment writer that only streams those bytes into the zip.

Data flow::

    clean worker (one per file, both cores)          segment write task (one per segment)
    part table ──render_part──► RenderedPart          rendered parts, in file order
      (inline-string XML rows, deflated in blocks     ──write_xlsx_segment──► .NAME.part-PID
       of rows, crc32 + row offsets per block)          (blocks copied as they are; only a block cut
      ──save_rendered_part──► part_000123.xlsxrows       by a sheet split or a skipped row is
                                                          inflated, cut and deflated again)
                                                        ──os.replace──► clean_00000-00024.xlsx

Modules: ``render`` (cells → XML, escaping, deflate blocks), ``partfile`` (a rendered part on disk),
``zipstream`` (a zip writer for pre-deflated data, crc32 combination), ``workbook`` (the package
parts and the sheet split).
"""

from engine.xlsxfast.partfile import load_rendered_part, read_part_summary, rendered_path_for, save_rendered_part
from engine.xlsxfast.render import EXCEL_MAX_ROWS, RenderedPart, escape_cell_text, render_part
from engine.xlsxfast.workbook import write_xlsx_segment

__all__ = [
    "EXCEL_MAX_ROWS",
    "RenderedPart",
    "escape_cell_text",
    "load_rendered_part",
    "read_part_summary",
    "render_part",
    "rendered_path_for",
    "save_rendered_part",
    "write_xlsx_segment",
]
