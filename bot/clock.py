"""The scheduler: the `clock` process of the Procfile, or a thread of `healthbot run` (Socket Mode).

One job, every minute: a tick (bot/tick.py) for the present instant. The tick asks the database what
is due, so no job is kept per channel or account, a restart catches up, and the job store can stay
in memory. On PostgreSQL a clock holds an advisory lock while it runs: a second clock (scale > 1, an
overlapping restart) finds it taken and stays idle, trying again each minute.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Connection, func, select, text
from sqlalchemy.exc import DBAPIError

from bot.runtime import Runtime
from bot.slack_clients import Clients
from bot.tick import tick

logger = logging.getLogger(__name__)

LOCK_KEY = 0x6865616C7468  # "health": one clock per database


class ClockLock:
    """PostgreSQL's session advisory lock, held on a connection of its own for the clock's life."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.connection: Connection | None = None

    @property
    def needed(self) -> bool:
        return self.runtime.engine.dialect.name == "postgresql"

    def acquire(self) -> bool:
        """True when this clock holds the lock (taking it if free). A lock held on a connection the
        database has since dropped was released with it: that is checked, not assumed."""
        if not self.needed:
            return True
        if self.connection is not None:
            if self._still_held(self.connection):
                return True
            self.connection.invalidate()
            self.connection = None
        connection = self.runtime.engine.connect()
        if connection.execute(select(func.pg_try_advisory_lock(LOCK_KEY))).scalar():
            connection.commit()
            self.connection = connection
            return True
        connection.close()
        return False

    def _still_held(self, connection: Connection) -> bool:
        try:
            held = connection.execute(
                select(func.count())
                .select_from(text("pg_locks"))
                .where(
                    text(
                        "locktype = 'advisory' AND granted AND pid = pg_backend_pid()"
                        " AND ((classid::bigint << 32) | objid::bigint) = :key"
                    ).bindparams(key=LOCK_KEY)
                )
            ).scalar()
            connection.commit()
        except DBAPIError:
            return False
        return bool(held)

    def release(self) -> None:
        if self.connection is not None:
            self.connection.execute(select(func.pg_advisory_unlock(LOCK_KEY)))
            self.connection.close()
            self.connection = None


class Beat:
    """The minute job: a tick, if this clock holds the lock."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime, self.lock, self.clients = runtime, ClockLock(runtime), Clients(runtime)
        self.idle_logged = False

    def __call__(self) -> None:
        if not self.lock.acquire():
            if not self.idle_logged:
                logger.warning("another clock holds the lock on this database: this one stays idle")
                self.idle_logged = True
            return
        report = tick(self.runtime, self.runtime.now(), self.clients)
        logger.info("tick: %s", report.line())


def add_jobs(scheduler: BaseScheduler, beat: Beat) -> None:
    scheduler.add_job(
        beat,
        CronTrigger(minute="*", timezone="UTC"),
        id="tick",
        replace_existing=True,
        coalesce=True,  # a backlog runs once: the tick itself catches up on what is due
        max_instances=1,
        misfire_grace_time=50,
    )


def run_clock(runtime: Runtime) -> None:
    """The clock process: blocks, ticking every minute."""
    beat = Beat(runtime)
    scheduler = BlockingScheduler(timezone="UTC")
    add_jobs(scheduler, beat)
    beat()  # a start need not wait for the first minute
    try:
        scheduler.start()
    finally:
        beat.lock.release()
