"""The clean job (issue 3): parallel cleaning of chat-log exports into segments, nothing lost.

Modules, one job each: ``config`` (what to do), ``rules`` (which rows stay and why the others went),
``worker`` (pool tasks), ``dedupe`` (run-wide duplicates), ``report`` (report.json), ``job`` (the
coordinator, ``run_clean``). Which files, reading one and writing segments are shared with the other
jobs: ``engine.tables.inputs``, ``engine.tables.readers``, ``engine.tables.writers``.

This package imports nothing on its own, so that ``engine.clean.config`` (argument defaults of the
command line, settings of the GUI) loads without pandas.
"""
