"""One tick of the clock: everything due at an instant, then exit (`healthbot tick [--at TIME]`).

The clock process runs a tick every minute; a deployment with cron instead runs `healthbot tick`.
Every step asks the database what is due and claims each message under its idempotency key before
posting, so a tick repeated for the same instant, a second clock, or a restart posts nothing twice,
and a clock that was down catches up on its next tick.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from bot.alerting import alert
from bot.delivery import Poster
from bot.digesting import send_digests
from bot.figures import refresh_day
from bot.reminding import remind, warn_stale
from bot.runtime import Runtime
from bot.slack_clients import Clients
from storage.queries import accounts_without_snapshot, all_accounts

logger = logging.getLogger(__name__)


@dataclass
class TickReport:
    computed: int = 0
    digests: int = 0
    alerts: int = 0
    reminders: int = 0
    stale: int = 0
    retried: int = 0
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        words = (
            f"{self.computed} account(s) computed, {self.digests} digest(s), {self.alerts} alert(s), "
            f"{self.reminders} reminder(s), {self.stale} stale-data notice(s), {self.retried} retried"
        )
        return words + (f"; {len(self.errors)} error(s): " + "; ".join(self.errors) if self.errors else "")


def compute_day(runtime: Runtime, at: datetime) -> int:
    """The day's figures (UTC day of `at`) for every account without them, one transaction each."""
    with runtime.sessions.begin() as session:
        ids = [a.id for a in accounts_without_snapshot(session=session, as_of=at.date())]
    done = 0
    for account_id in ids:
        try:
            if refresh_day(runtime, account_id, at.date()) is not None:
                done += 1
        except Exception:  # one account's failure must not leave the others without their day
            logger.exception("computing the day's figures of account %s failed", account_id)
    return done


def tick(runtime: Runtime, at: datetime, clients: Clients | None = None) -> TickReport:
    """Run what is due at `at`. One account's failure is reported and does not stop the others."""
    poster = Poster(runtime, clients or Clients(runtime))
    report = TickReport()

    def step(name: str, action: Callable[[], int]) -> int:
        try:
            return action()
        except Exception as exc:  # logged with its trace; the tick goes on with the next step
            logger.exception("%s failed", name)
            report.errors.append(f"{name}: {type(exc).__name__}: {exc}")
            return 0

    report.retried = step("sweep", poster.sweep)
    report.computed = step("compute", lambda: compute_day(runtime, at))
    with runtime.sessions.begin() as session:
        accounts = all_accounts(session=session)
        session.expunge_all()
    for account in accounts:
        report.alerts += step(f"alerts of {account.name}", partial(alert, runtime, poster, account, at))
        report.reminders += step(f"reminders of {account.name}", partial(remind, runtime, poster, account, at))
        report.stale += step(f"stale data of {account.name}", partial(warn_stale, runtime, poster, account, at))
    report.digests = step("digests", lambda: send_digests(runtime, poster, at))
    return report
