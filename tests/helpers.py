"""Helpers shared by tests: finding child processes (spawned ones, ones that should not be there),
emptying a status queue, a free loopback port."""

from __future__ import annotations

import queue
import socket
import time
from typing import Any

import psutil


def live_children() -> list[str]:
    """Descriptions of live descendants of this process, ignoring multiprocessing's resource tracker."""
    out = []
    for child in psutil.Process().children(recursive=True):
        try:
            if child.status() == psutil.STATUS_ZOMBIE:
                continue
            cmdline = " ".join(child.cmdline())
        except psutil.Error:
            continue
        if "resource_tracker" in cmdline:
            continue
        out.append(f"{child.pid}: {cmdline[:120]}")
    return out


def command_line(proc: psutil.Process, timeout_s: float = 2.0) -> str:
    """``proc``'s command line. A child caught inside ``execve`` reads as empty for a moment (seen:
    2 of 40 spawns read at once), and a spawned worker would then not look like one: read it again
    until it has one (a zombie, or a process that has none after ``timeout_s``: empty)."""
    deadline = time.monotonic() + timeout_s
    while True:
        line = " ".join(proc.cmdline())
        if line or proc.status() == psutil.STATUS_ZOMBIE or time.monotonic() > deadline:
            return line
        time.sleep(0.005)


def spawned_children(recursive: bool = False) -> list[psutil.Process]:
    """This process's live children started by multiprocessing's ``spawn_main`` (pool and cluster
    workers, coordinators; not the resource tracker), skipping one already dead and not reaped yet
    (a zombie has no command line: psutil raises)."""
    found = []
    for child in psutil.Process().children(recursive=recursive):
        try:
            if "spawn_main" in command_line(child):
                found.append(child)
        except psutil.Error:
            continue
    return found


def wait_no_children(timeout_s: float = 10.0) -> list[str]:
    """Wait until no child is alive; returns what is still alive at the deadline (empty: all gone)."""
    deadline = time.monotonic() + timeout_s
    while True:
        left = live_children()
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def drain(q: Any) -> list:
    """Every message waiting in ``q`` now, in order, without waiting for more."""
    out = []
    while True:
        try:
            out.append(q.get_nowait())
        except queue.Empty:
            return out


def free_port() -> int:
    """A loopback port nobody listens on right now (the OS picks it), for a server a test starts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
