"""Takes jobs from the durable queue and runs them, never two of one PR at a time.

A job holds a lease that a heartbeat renews; if the process dies, another (or the restarted)
process takes the job once the lease has run out. Transient failures retry with exponential
backoff; after the last try the check run says Blindspot could not finish (bot/pulls.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import structlog

from bot import commands, pulls
from bot import logging as blog
from bot.analyzer import Analyzer
from bot.config import Settings
from bot.context import PullRef
from bot.github import GitHubApp, Transient, is_transient
from bot.intake import ANALYZE
from bot.jobs import DONE, FAILED, Job, Queue
from bot.store import Store

log = blog.get("blindspot.worker")
CHECKPOINT_SECONDS = 5.0


def decide_retry(attempts: int, max_attempts: int, base: float, hint: float = 0.0) -> float | None:
    """Seconds to wait before the next try, or None when the job has used its tries."""
    if attempts >= max_attempts:
        return None
    return float(max(base * 2 ** (attempts - 1), hint))


class Worker:
    def __init__(self, store: Store, app: GitHubApp, settings: Settings) -> None:
        self.store = store
        self.app = app
        self.settings = settings
        self.queue = Queue(store, settings.lease_seconds)
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(settings.workers)
        self._scheduler: asyncio.Task[None] | None = None
        self._maintenance: asyncio.Task[None] | None = None
        self._jobs: set[asyncio.Task[None]] = set()
        self.jobs_run = 0
        self.analyzer = Analyzer(settings.analysis_processes)

    @property
    def running(self) -> bool:
        return self._scheduler is not None and not self._scheduler.done()

    def start(self) -> None:
        self._scheduler = asyncio.create_task(self._schedule())
        self._maintenance = asyncio.create_task(self._checkpoints())

    async def stop(self) -> None:
        tasks = [t for t in (self._scheduler, self._maintenance, *self._jobs) if t is not None]
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await t
        self._scheduler, self._maintenance, self._jobs = None, None, set()
        self.analyzer.close()

    def wake(self) -> None:
        """A new job was queued or a PR became free: look at the queue now."""
        self._wake.set()

    async def _schedule(self) -> None:
        """One loop claims jobs while a slot is free; each job runs in its own task."""
        while True:
            await self._slots.acquire()
            self._wake.clear()
            try:
                job = await self.queue.claim()
            except Exception as e:  # the database hiccupped: wait and try again
                log.error("claim failed", error=repr(e))
                job = None
            if job is None:
                self._slots.release()
                await self._idle()
                continue
            task = asyncio.create_task(self._run_in_slot(job))
            self._jobs.add(task)
            task.add_done_callback(self._jobs.discard)

    async def _checkpoints(self) -> None:
        while True:
            await asyncio.sleep(CHECKPOINT_SECONDS)
            try:
                await self.store.checkpoint()
            except Exception as e:
                log.warning("checkpoint failed", error=repr(e))

    async def _run_in_slot(self, job: Job) -> None:
        try:
            await self._run(job)
        finally:
            self._slots.release()
            self.wake()

    async def _idle(self) -> None:
        """Sleep until woken, until the next queued job is due, or `poll_seconds` (leases of dead processes)."""
        timeout = self.settings.poll_seconds
        try:
            due = await self.queue.next_due()
        except Exception:
            due = None
        if due is not None and due > time.time():  # a due job we could not claim waits for its PR's job
            timeout = min(timeout, due - time.time() + 0.005)
        # Not asyncio.wait_for: on Python 3.11 it can swallow a cancel that arrives as the wait ends
        # (gh-86296), and stop() then waits forever for this loop. asyncio.wait never swallows one.
        waiter = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({waiter}, timeout=timeout)
        finally:
            waiter.cancel()

    async def _run(self, job: Job) -> None:
        pr = PullRef.from_json(job.payload["pr"])
        structlog.contextvars.bind_contextvars(job_id=job.id, delivery_id=job.delivery_id, repo=f"{pr.owner}/{pr.repo}",
                                               pr=pr.number, head_sha=pr.head_sha, attempt=job.attempts)
        heartbeat = asyncio.create_task(self._heartbeat(job))
        started = time.perf_counter()
        try:
            await self._attempt(job, pr)
        finally:
            heartbeat.cancel()
            self.jobs_run += 1
            log.info("job finished", ms=round((time.perf_counter() - started) * 1000, 1))
            structlog.contextvars.clear_contextvars()

    async def _attempt(self, job: Job, pr: PullRef) -> None:
        try:
            gh = await self.app.installation(pr.installation_id)
            if job.kind == ANALYZE:
                await pulls.run(gh, self.store, pr, log, self.analyzer)
            else:  # slash commands and label guards (issue 7)
                await commands.run_job(gh, self.store, job, log, self.analyzer)
            await self.queue.finish(job, DONE)
        except Exception as e:
            await self._failed(job, pr, e)

    async def _failed(self, job: Job, pr: PullRef, e: Exception) -> None:
        hint = e.after if isinstance(e, Transient) else 0.0
        delay = decide_retry(job.attempts, self.settings.max_attempts, self.settings.retry_base_seconds, hint)
        if is_transient(e) and delay is not None:
            log.warning("job will retry", error=repr(e), delay=round(delay, 2))
            await self.queue.retry_later(job, delay, repr(e))
            return
        log.error("job failed", error=repr(e), transient=is_transient(e))
        if job.kind != ANALYZE:  # a command's PR check is not this job's to complete
            await self.queue.finish(job, FAILED, repr(e))
            return
        try:
            gh = await self.app.installation(pr.installation_id)
            await pulls.give_up(gh, self.store, pr, pulls.describe(e), log)
        except Exception as e2:
            log.error("could not report the failure", error=repr(e2))
        await self.queue.finish(job, FAILED, repr(e))

    async def _heartbeat(self, job: Job) -> None:
        while True:
            await asyncio.sleep(self.settings.lease_seconds / 3)
            try:
                await self.queue.renew(job)
            except Exception as e:
                log.warning("lease renewal failed", error=repr(e))
