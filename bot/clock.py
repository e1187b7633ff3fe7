"""The scheduler: the `clock` process of the Procfile, or a thread of `healthbot run` (Socket Mode).

Exactly one clock should run per database. Its jobs are idempotent and ask the database what is due
rather than holding a job per account, so a restart or a missed hour is caught up on the next tick.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.runtime import Runtime
from metrics.snapshots import compute_snapshot
from storage import models
from storage.queries import accounts_without_snapshot

logger = logging.getLogger(__name__)


def refresh_figures(runtime: Runtime) -> int:
    """Compute today's figures (UTC day) for every account that has none yet; returns how many."""
    today = runtime.now().date()
    with runtime.sessions.begin() as session:
        ids = [a.id for a in accounts_without_snapshot(session=session, as_of=today)]
    for account_id in ids:
        # One transaction per account: one account's failure leaves the others computed.
        try:
            with runtime.sessions.begin() as session:
                account = session.get(models.Account, account_id)
                if account is not None:
                    compute_snapshot(session=session, account=account, as_of=today, computed_at=runtime.now())
        except Exception:
            logger.exception("computing today's figures for account %s failed", account_id)
    return len(ids)


def add_jobs(scheduler: BaseScheduler, runtime: Runtime) -> None:
    scheduler.add_job(
        refresh_figures,
        CronTrigger(minute="5,35", timezone="UTC"),
        args=[runtime],
        id="refresh_figures",
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=1800,
    )


def run_clock(runtime: Runtime) -> None:
    """The clock process: blocks, running the jobs."""
    scheduler = BlockingScheduler(timezone="UTC")
    add_jobs(scheduler, runtime)
    refresh_figures(runtime)  # a start after midnight need not wait for the first tick
    scheduler.start()
