"""Runs `checks.analyze` in a separate process, so parsing never holds the server's GIL.

In-process threads would share the GIL with the event loop and the SQLite thread, and every
webhook answer would wait behind a parse (bench/WEBHOOK.md measures it). `processes=0` runs
the analysis in a thread instead (tests, the demo).
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Mapping
from concurrent.futures import Executor, ProcessPoolExecutor

import checks
from checks import AnalyzeOptions, Report


class Analyzer:
    def __init__(self, processes: int) -> None:
        self._pool: Executor | None = None
        if processes > 0:
            self._pool = ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("spawn"))

    async def analyze(self, base: Mapping[str, bytes], head: Mapping[str, bytes], changed: list[str],
                      options: AnalyzeOptions) -> Report:
        if self._pool is None:
            return await asyncio.to_thread(checks.analyze, dict(base), dict(head), changed, options)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, checks.analyze, dict(base), dict(head), changed, options)

    async def warm_up(self) -> None:
        """Start the process and load the grammar now, not during the first job."""
        await self.analyze({}, {"warm.rs": b"fn main() { unsafe {} }\n"}, ["warm.rs"], AnalyzeOptions())

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
