"""Running a job's tasks on a Dask cluster (``--cluster tcp://HOST:PORT`` or ``--cluster local:N``).

Data flow of one run::

    coordinator (job process)                         dask scheduler          dask worker (thread)
    ─────────────────────────                         ──────────────          ────────────────────
    connect(address) ─► Client (+ scheduler and worker processes for local:N)
    check_data_reach ──client.run(probe)─────────────────────────────────────► read inputs, write probe
    DaskExecutor.map_unordered(TaskSpec…)
      └─ client.submit(run_task, key="mpwatch-<run>-<n>-<key>") ─► queue ───► run_task(fn, payload)
         (small tasks several at once: run_group, key "…~group<size>-…", a TaskDone per member)
         ≈ 2 × worker threads in flight (back-pressure)                        │ binds task_scope:
                                                                               │ current_reporter(),
      as_completed ◄── Outcome / TaskError (failure as data) ◄─────────────────┤ stop_requested()
      TaskResult(key, ok, value | reason, attempts, worker)                    │
      TopicRelay ◄── client.subscribe_topic ◄── log_event("mpwatch-status-<run>") ◄┘ snapshots, events
        └─► the job's StatusSink (snapshots droppable, events delivered): same protocol as local runs
      workers() ◄── scheduler_info() + processing() ─► WorkerInfo (the Processes view)
    cancel(): stop flag on every worker (client.run) + client.cancel(futures), then wait until no task
    of the run executes; shutdown(): client closed, a local:N cluster too (no process left behind).

Modules: ``address`` (parse the option), ``connection`` (connect with a deadline, close), ``executor``
(``DaskExecutor``), ``groups`` (several small tasks in one Dask task), ``group_plugin`` (the scheduler
plugin that keeps a group from running twice), ``remote`` (what runs on a worker), ``status_topic`` (status over a Dask event
topic), ``task_scope`` (which reporter and stop flag the task on this thread has; dask-free),
``reach`` (the data-reach check), ``workers`` (scheduler metrics → ``WorkerInfo``).

Nothing here is imported by a local run: only ``task_scope`` is dask-free and safe to import anywhere.
"""
