"""Tables in and out, shared by every job: which files (``inputs``), one file → columns or the reason
it cannot be read (``readers``), segment files out (``writers``),
numpy arrays wrapped as Arrow without a copy (``arrow_arrays``)."""
