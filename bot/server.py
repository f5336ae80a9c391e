"""The webhook endpoint and health checks: verify, record, enqueue, answer. Nothing else.

No GitHub client is in scope here (STYLE.md §5): the work happens in bot/worker.py after the
answer. GitHub gives a delivery 10 s and never redelivers on its own (research/peers.md §8).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import structlog
from aiohttp import web
from gidgethub import sansio

from bot import features
from bot import logging as blog
from bot.intake import Intake
from bot.store import Redelivery, Store

MAX_BODY = 25 * 1024 * 1024
log = blog.get("blindspot.server")
STORE: web.AppKey[Store] = web.AppKey("store", Store)
SECRET: web.AppKey[bytes] = web.AppKey("secret", bytes)
WORKER: web.AppKey[Any] = web.AppKey("worker", object)
COALESCE: web.AppKey[float] = web.AppKey("coalesce", float)


def signature_ok(secret: bytes, body: bytes, header: str | None) -> bool:
    """HMAC-SHA256 of the body, compared in constant time; no sha1 fallback."""
    if not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.encode())


def _answer(code: int, **body: Any) -> web.Response:
    return web.json_response(body, status=code)


def _too_large() -> web.Response:
    resp = _answer(413, error="payload over 25 MB")
    resp.force_close()  # do not wait for the rest of an upload we will not read
    return resp


async def webhooks(request: web.Request) -> web.Response:
    if request.content_length is not None and request.content_length > MAX_BODY:
        return _too_large()
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return _too_large()
    if not signature_ok(request.app[SECRET], body, request.headers.get("X-Hub-Signature-256")):
        log.warning("webhook refused", reason="bad or missing signature")
        return _answer(401, error="bad or missing X-Hub-Signature-256")
    event, delivery = request.headers.get("X-GitHub-Event", ""), request.headers.get("X-GitHub-Delivery", "")
    if not event or not delivery:
        return _answer(400, error="missing X-GitHub-Event or X-GitHub-Delivery")
    try:
        data = json.loads(body)
    except ValueError:
        return _answer(400, error="body is not JSON")
    started = time.perf_counter()
    structlog.contextvars.bind_contextvars(delivery_id=delivery, event=event, action=data.get("action"),
                                           repo=(data.get("repository") or {}).get("full_name"),
                                           pr=(data.get("pull_request") or {}).get("number"))
    try:
        response = await _accept(request, sansio.Event(data, event=event, delivery_id=delivery))
        log.info("webhook answered", status=response.status, ms=round((time.perf_counter() - started) * 1000, 2))
        return response
    finally:
        structlog.contextvars.clear_contextvars()


async def _accept(request: web.Request, event: sansio.Event) -> web.Response:
    if event.event == "ping":
        return _answer(200, status="pong")
    if not features.router.fetch(event):
        log.info("webhook ignored")
        return _answer(202, status="ignored")
    store = request.app[STORE]
    try:
        async with store.intake() as conn:
            store.record_delivery(conn, event.delivery_id, event.event, event.data.get("action") or "")
            intake = Intake(conn=conn, store=store, delivery_id=event.delivery_id,
                            coalesce_seconds=request.app[COALESCE], log=log)
            await features.router.dispatch(event, intake=intake)
    except Redelivery:
        log.info("redelivery acknowledged")
        return _answer(200, status="duplicate")
    if intake.new_jobs:
        request.app[WORKER].wake()
    return _answer(202, status="accepted", jobs=intake.enqueued)


async def healthz(_request: web.Request) -> web.Response:
    return _answer(200, status="alive")


async def readyz(request: web.Request) -> web.Response:
    db = await request.app[STORE].ping()
    worker = bool(request.app[WORKER].running)
    return _answer(200 if db and worker else 503, database=db, worker=worker)


def make_app(store: Store, worker: Any, secret: bytes, coalesce_seconds: float) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY)
    app[STORE], app[SECRET], app[WORKER], app[COALESCE] = store, secret, worker, coalesce_seconds
    app.router.add_post("/webhooks", webhooks)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    return app
