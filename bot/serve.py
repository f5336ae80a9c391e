"""`blindspot serve`: the App server (webhooks + worker in one process, state in SQLite).

Entry point for bot/cli.py: `run_serve(args) -> int`. Configuration comes from the environment
(bot/config.py); a configuration error prints one line and returns 2.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass

import sqlalchemy.exc
from aiohttp import web

from bot import config as bconfig
from bot import logging as blog
from bot.github import GitHubApp, new_session
from bot.server import make_app
from bot.store import Store
from bot.worker import Worker

log = blog.get("blindspot.serve")


@dataclass
class Running:
    """A started server: what tests and `blindspot demo` need to reach and stop it."""

    url: str
    store: Store
    worker: Worker
    app: GitHubApp
    runner: web.AppRunner


@contextlib.asynccontextmanager
async def running(settings: bconfig.Settings) -> AsyncIterator[Running]:
    """Open the database, start the worker and the HTTP server; stop all on exit."""
    session = new_session(settings)
    try:
        app = GitHubApp(session, settings)
    except bconfig.ConfigError:
        await session.close()
        raise
    store = Store(settings.database_url)
    try:
        await store.open()
    except Exception:
        await session.close()
        await store.close()  # ends aiosqlite's thread before the loop closes (else it prints a traceback)
        raise
    worker = Worker(store, app, settings)
    runner = web.AppRunner(make_app(store, worker, settings.webhook_secret, settings.coalesce_seconds),
                           access_log=None, lingering_time=1.0)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    port = runner.addresses[0][1]
    await worker.analyzer.warm_up()
    worker.start()
    log.info("serving", port=port, github=settings.github_url, database=settings.database_url)
    try:
        yield Running(url=f"http://127.0.0.1:{port}", store=store, worker=worker, app=app, runner=runner)
    finally:
        await worker.stop()
        await runner.cleanup()
        await session.close()
        await store.close()


async def _serve(settings: bconfig.Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with running(settings):
        await stop.wait()
    log.info("stopped")


def run_serve(args: argparse.Namespace | None = None) -> int:
    """Run until SIGINT/SIGTERM; 2 on a configuration error (one line on stderr, no traceback)."""
    try:
        settings = bconfig.load()
        if args is not None and getattr(args, "port", None):
            settings = bconfig.Settings(**{**settings.__dict__, "port": int(args.port)})
    except bconfig.ConfigError as e:
        print(f"blindspot serve: {e}", file=sys.stderr)
        return 2
    blog.configure(settings.log_level, settings.log_format)
    try:
        asyncio.run(_serve(settings))
    except bconfig.ConfigError as e:
        print(f"blindspot serve: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"blindspot serve: cannot start: {e.strerror or e}", file=sys.stderr)
        return 2
    except sqlalchemy.exc.SQLAlchemyError as e:
        print(f"blindspot serve: cannot open the database {settings.database_url}: {getattr(e, 'orig', e)}",
              file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(run_serve())
