"""The Dialogues job (issue 4): chat logs → GPT2-chitchat training text, std and mmi, memory flat.

Modules, one job each: ``config`` (settings), ``rows`` (textnorm and drops), ``shards`` (hash
partitions on disk), ``build`` (sorted arrays → dialogue text), ``split`` (train/val), ``textfile``
(the output format), ``writer`` (the mmi writer process), ``memory`` (RSS), ``partition`` (phase 1),
``assemble`` (phases 2–3), ``report`` (the report), ``layout`` (output names), ``job`` (the phases,
atomic outputs). Files are listed and read by ``engine.tables.inputs`` / ``engine.tables.readers``
(one reader for every job).

Entry points: ``engine.dialogues.job.run_dialogues`` and ``engine.dialogues.config.DialoguesConfig``.
This package imports nothing on its own so that the mmi writer process (which imports
``engine.dialogues.writer``) does not load pandas.
"""
