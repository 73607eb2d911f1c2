"""A scheduler plugin that keeps Dask from running a group of tasks again after its worker died.

A group (engine/cluster/groups.py) runs several of the caller's tasks one after the other in one
Dask task. If its worker dies, the scheduler would start the whole group again elsewhere, and a
member the coordinator already has as done (a clean file task whose part file the segment join
may already have removed) would run a second time. Instead the group errs with ``KilledWorker`` at
the first death and the executor submits only the members not done yet::

    client.submit(key="mpwatch-…~g…") ─► scheduler.update_graph ─► this plugin: the group's
        ``suspicious`` count set to ``allowed_failures``, so one death is more than allowed

Only keys with the group mark are touched: on a scheduler others share, their tasks keep Dask's
own rescheduling. Installed once per scheduler, by name; later runs find it there.
"""

from __future__ import annotations

from typing import Any

from distributed.diagnostics.plugin import SchedulerPlugin

from engine.cluster.groups import GROUP_MARK

#: The plugin's name on the scheduler.
PLUGIN_NAME = "mpwatch-groups-not-rescheduled"


class GroupsNotRescheduled(SchedulerPlugin):
    """Marks every mpwatch group task as having used up its allowed worker deaths."""

    name = PLUGIN_NAME

    def update_graph(self, scheduler: Any, *, keys: Any, tasks: Any = (), **kwargs: Any) -> None:
        for key in tasks or keys:
            if isinstance(key, str) and key.startswith("mpwatch-") and GROUP_MARK in key:
                task = scheduler.tasks.get(key)
                if task is not None:
                    task.suspicious = max(task.suspicious, scheduler.allowed_failures)


def register(client: Any) -> None:
    """Install the plugin on ``client``'s scheduler unless it is there (one round trip; raises what
    the scheduler says when it cannot, e.g. mpwatch is not importable there)."""
    client.run_on_scheduler(_install)


def _install(dask_scheduler: Any = None) -> None:
    """Runs on the scheduler: add the plugin once (a second run on the same scheduler finds it)."""
    if PLUGIN_NAME not in dask_scheduler.plugins:
        dask_scheduler.add_plugin(GroupsNotRescheduled())
