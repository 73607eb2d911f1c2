"""The pipeline's event loop runner: uvloop where installed, asyncio otherwise, same results."""

from __future__ import annotations

import asyncio
import importlib.util

from engine.pipeline import event_loop


async def _answer() -> tuple[str, int]:
    await asyncio.sleep(0.01)
    return type(asyncio.get_running_loop()).__module__, 42


def test_run_uses_uvloop_when_it_is_installed_and_returns_the_result():
    module, value = event_loop.run(_answer())
    assert value == 42
    installed = importlib.util.find_spec("uvloop") is not None
    assert event_loop.loop_name() == ("uvloop" if installed else "asyncio")
    assert module.startswith("uvloop") == installed
