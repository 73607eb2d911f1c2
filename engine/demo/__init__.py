"""The demo-data job: realistic chat-log exports (``data`` makes the rows, ``job`` writes the files)."""
