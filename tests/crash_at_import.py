"""A task module whose import ends the process (exit code 3) while the file named by
``MPWATCH_TEST_CRASH_FLAG`` exists: a ``local:N`` worker that crashes as it starts.

Only ever imported by worker processes (as their preload): never import it in a test process.
"""

import os

_FLAG = os.environ.get("MPWATCH_TEST_CRASH_FLAG")
if _FLAG and os.path.exists(_FLAG):
    os._exit(3)
