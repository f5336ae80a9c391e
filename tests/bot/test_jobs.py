"""bot/jobs.py on a real SQLite file: per-PR serialisation, coalescing, leases, retries."""

from __future__ import annotations

import time

import pytest

from bot import jobs
from bot.jobs import Queue
from bot.store import Redelivery, Store


@pytest.fixture
async def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path}/q.db")
    await s.open()
    yield s
    await s.close()


async def _enqueue(store, key, head, delay=0.0):
    async with store.intake() as conn:
        return jobs.enqueue(conn, key, "analyze", {"head": head}, delay=delay)


async def test_queued_jobs_of_one_pr_coalesce_to_the_newest_payload(store):
    ids = [await _enqueue(store, "o/r#1", f"sha{i}") for i in range(10)]
    assert {i for i, _ in ids} == {ids[0][0]}
    assert [c for _, c in ids] == [False] + [True] * 9
    job = await Queue(store, 30).claim()
    assert job is not None and job.payload["head"] == "sha9" and job.coalesced == 9


async def test_jobs_of_one_pr_never_run_at_the_same_time(store):
    q = Queue(store, 30)
    await _enqueue(store, "o/r#1", "a")
    first = await q.claim()
    await _enqueue(store, "o/r#1", "b")
    await _enqueue(store, "o/r#2", "c")
    other = await q.claim()
    assert first.payload["head"] == "a" and other.pr_key == "o/r#2"
    assert await q.claim() is None
    await q.finish(first)
    follow = await q.claim()
    assert follow.payload["head"] == "b"


async def test_a_job_whose_lease_ran_out_is_taken_again(store):
    await _enqueue(store, "o/r#1", "a")
    dead = Queue(store, lease_seconds=0.05)
    job = await dead.claim()
    assert await Queue(store, 30).claim() is None
    time.sleep(0.1)
    again = await Queue(store, 30).claim()
    assert again is not None and again.id == job.id and again.attempts == 2


async def test_a_retried_job_waits_for_its_backoff(store):
    q = Queue(store, 30)
    await _enqueue(store, "o/r#1", "a")
    job = await q.claim()
    assert await q.retry_later(job, 60, "boom")
    assert await q.claim() is None
    assert (await q.counts())["queued"] == 1


async def test_closing_drops_queued_work(store):
    await _enqueue(store, "o/r#1", "a")
    async with store.intake() as conn:
        assert jobs.drop_queued(conn, "o/r#1") == 1
    assert await Queue(store, 30).claim() is None


async def test_redelivery_is_recognised_and_its_transaction_undone(store):
    async with store.intake() as conn:
        store.record_delivery(conn, "d1", "pull_request", "opened")
    with pytest.raises(Redelivery):
        async with store.intake() as conn:
            jobs.enqueue(conn, "o/r#1", "analyze", {"head": "a"})
            store.record_delivery(conn, "d1", "pull_request", "opened")
    assert await Queue(store, 30).claim() is None
