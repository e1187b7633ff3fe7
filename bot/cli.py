"""The `healthbot` command line: wiring only; the work is in storage/, metrics/ and bot/."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import render, shell
from bot.app import ConfigError
from bot.clock import ClockLock, run_clock
from bot.config import Settings
from bot.ingesting import ingest_one
from bot.reporting import describe_result, stored_table
from bot.runtime import Runtime
from bot.socket_mode import run_socket_mode
from bot.tick import tick
from metrics.engine import compute_all
from metrics.registry import BY_ID, HEADLINE, MetricDef, closest_metrics, find_metric
from metrics.settings import MetricSettings, SettingsError, change_setting
from metrics.snapshots import compute_snapshot
from storage import models
from storage.db import create_db_engine, current_revision, make_sessions, upgrade
from storage.ingest.templates import write_templates
from storage.marketplaces import get_marketplace
from storage.purge import accounts_named, purge_account, purge_before
from storage.queries import (
    AccountError,
    add_account,
    list_accounts,
    local_workspace,
    metric_history,
    resolve_account,
    save_account_settings,
)

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


class Usage(Exception):
    """A command used wrongly: printed, exit 2."""


def _now() -> datetime:
    return datetime.now(UTC)


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (use YYYY-MM-DD)") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _marketplace(text: str) -> str:
    try:
        return get_marketplace(text).code
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="healthbot", description="Amazon seller account health, kept in view (see README.md)."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="generate demo exports, ingest them and show what was stored")
    demo.add_argument("--orders", type=_positive, default=2000, help="orders to generate (default 2000)")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--as-of", type=_iso_date, default=None, help="the demo's today (default: today, UTC)")
    demo.add_argument("--dir", type=Path, default=Path("demo-data"), help="where the exports go (default demo-data)")

    commands.add_parser("shell", help="a terminal chat: /health lines and `upload PATH`, answered as in Slack")
    commands.add_parser("run", help="the Slack app in Socket Mode, with the scheduler (one workspace)")
    commands.add_parser("clock", help="the scheduler process (with the `web` shape; run exactly one)")
    tick_cmd = commands.add_parser("tick", help="run what is due now (digests, alerts, reminders) once, and exit")
    tick_cmd.add_argument(
        "--at", type=_instant, default=None, help="the instant to run for, ISO 8601 (default: now); UTC if no offset"
    )

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply the schema migrations (also done on every start)")
    db_commands.add_parser("current", help="print the schema revision")

    accounts = commands.add_parser("accounts", help="seller accounts")
    account_commands = accounts.add_subparsers(dest="accounts_command", required=True, metavar="ACTION")
    add = account_commands.add_parser("add", help="add a seller account")
    add.add_argument("name")
    add.add_argument("--marketplace", required=True, type=_marketplace, help="marketplace code: US, UK, DE, JP, ...")
    add.add_argument("--timezone", help="IANA time zone (default: the marketplace's)")
    add.add_argument("--handling-days", type=int, default=1, help="handling time in business days (default 1)")
    account_commands.add_parser("list", help="list accounts")

    ingest = commands.add_parser("ingest", help="ingest export files (each file all or nothing)")
    ingest.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    ingest.add_argument("--account", help="account name (default: the only one, or a new 'default')")
    ingest.add_argument("--json", action="store_true", help="print a JSON list instead of text")

    report = commands.add_parser("report", help="every metric now (or one metric in detail), computed from the store")
    report.add_argument("metric", nargs="?", help="a metric or alias: odr, cancel, late, tracking, messages, ...")
    report.add_argument("--account")
    report.add_argument("--as-of", type=_iso_date, default=None, help="the day to compute for (default: today, UTC)")
    report.add_argument("--json", action="store_true", help="print the JSON object of metrics.md section 6")

    compute = commands.add_parser("compute", help="compute and store the day's snapshot of every metric")
    compute.add_argument("--account")
    compute.add_argument("--as-of", type=_iso_date, default=None)

    history = commands.add_parser("history", help="a metric's stored daily values and when its status changed")
    history.add_argument("metric")
    history.add_argument("--days", type=_positive, default=90)
    history.add_argument("--account")
    history.add_argument("--as-of", type=_iso_date, default=None)

    settings_cmd = commands.add_parser("settings", help="show the account's metric settings, or change one")
    settings_cmd.add_argument(
        "key", nargs="?", help="targets.<metric>, warn_fraction, min_denominator, claims_rule, ..."
    )
    settings_cmd.add_argument("value", nargs="?", help="the new value, or 'default' to remove an override")
    settings_cmd.add_argument("--account")

    status = commands.add_parser("status", help="what is stored for an account, and the latest uploads")
    status.add_argument("--account")

    templates = commands.add_parser("templates", help="write empty CSV templates into DIR")
    templates.add_argument("directory", type=Path, metavar="DIR")

    purge = commands.add_parser(
        "purge", help="delete an account's data, or what is dated before a day (prints the counts; --yes deletes)"
    )
    purge.add_argument("--account", required=True, help="the account's name")
    purge.add_argument("--before", type=_iso_date, default=None, help="only rows dated before this day (YYYY-MM-DD)")
    purge.add_argument(
        "--workspace", help="the account's Slack team id ('local' for the command line's), when several share the name"
    )
    purge.add_argument("--yes", action="store_true", help="delete; without it nothing is deleted")

    demo_data = commands.add_parser("demo-data", help="write a coherent set of demo exports into DIR")
    demo_data.add_argument("directory", type=Path, metavar="DIR")
    demo_data.add_argument("--orders", type=_positive, default=2000)
    demo_data.add_argument("--seed", type=int, default=7)
    demo_data.add_argument("--as-of", type=_iso_date, default=None)
    demo_data.add_argument("--marketplace", type=_marketplace, default="US")
    return parser


def _open_db(settings: Settings) -> tuple[Engine, sessionmaker[Session]]:
    engine = create_db_engine(settings.database_url)
    upgrade(engine)
    return engine, make_sessions(engine)


def _account(sessions: sessionmaker[Session], name: str | None) -> models.Account:
    with sessions.begin() as session:
        workspace = local_workspace(session=session, now=_now())
        return resolve_account(session=session, workspace_id=workspace.id, name=name, now=_now())


def _ingest_paths(
    settings: Settings,
    sessions: sessionmaker[Session],
    account: models.Account,
    paths: Sequence[Path],
    *,
    as_json: bool,
    console: Console,
) -> int:
    results = []
    for path in paths:
        if not path.is_file():
            raise Usage(f"no such file: {path}")
    for path in paths:
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=as_json or not console.is_terminal,
        ) as bar:
            task = bar.add_task(f"{path.name}: reading", total=None)

            def report(rows: int, task_id: TaskID = task, name: str = path.name) -> None:
                bar.update(task_id, description=f"{name}: {rows:,} rows read")

            result = ingest_one(
                sessions=sessions,
                settings=settings,
                account=account,
                path=path,
                uploaded_by="cli",
                source="cli",
                now=_now(),
                progress=report,
            )
        results.append(result)
        if not as_json:
            print(describe_result(result))
    if as_json:
        print(json.dumps([r.as_json() for r in results], indent=2))
    return EXIT_REJECTED if any(r.status == "rejected" for r in results) else EXIT_OK


def _print_stored(sessions: sessionmaker[Session], account: models.Account) -> None:
    with sessions.begin() as session:
        print(stored_table(session=session, account=account))


def run(args: argparse.Namespace, settings: Settings) -> int:
    console = Console(stderr=True)
    if args.command == "templates":
        for path in write_templates(args.directory):
            print(path)
        return EXIT_OK
    if args.command == "demo-data":
        from storage.demo import write_demo_data

        as_of = args.as_of or _now().date()
        for path in write_demo_data(
            args.directory, orders=args.orders, seed=args.seed, as_of=as_of, marketplace=args.marketplace
        ):
            print(path)
        return EXIT_OK

    engine, sessions = _open_db(settings)
    try:
        if args.command == "db":
            print(f"schema at revision {current_revision(engine)}")
            return EXIT_OK
        if args.command == "accounts":
            with sessions.begin() as session:
                workspace = local_workspace(session=session, now=_now())
                if args.accounts_command == "add":
                    created = add_account(
                        session=session,
                        workspace_id=workspace.id,
                        name=args.name,
                        marketplace=args.marketplace,
                        timezone=args.timezone,
                        handling_days=args.handling_days,
                        now=_now(),
                    )
                    print(
                        f"added {created.name} ({created.marketplace}, {created.timezone}, "
                        f"{created.handling_days} handling day(s))"
                    )
                    return EXIT_OK
                for acc in list_accounts(session=session, workspace_id=workspace.id):
                    print(f"{acc.name}\t{acc.marketplace}\t{acc.timezone}\t{acc.handling_days} handling day(s)")
            return EXIT_OK
        if args.command == "ingest":
            account = _account(sessions, args.account)
            return _ingest_paths(settings, sessions, account, args.paths, as_json=args.json, console=console)
        if args.command == "purge":
            return _purge(sessions, args.account, args.workspace, args.before, yes=args.yes)
        if args.command == "settings":
            return _settings(sessions, _account(sessions, args.account), args.key, args.value)
        if args.command == "status":
            account = _account(sessions, args.account)
            _print_stored(sessions, account)
            return EXIT_OK
        if args.command == "demo":
            return _demo(args, settings, engine, sessions, console)
        if args.command == "tick":
            at = (args.at or _now()).astimezone(UTC)
            # The whole tick lives at that instant: claims, snoozes and cutoffs read the same clock.
            return _tick(Runtime(settings=settings, engine=engine, sessions=sessions, now=lambda: at), at)
        if args.command in ("shell", "run", "clock"):
            return _serve(args.command, Runtime(settings=settings, engine=engine, sessions=sessions))
        if args.command in ("report", "compute", "history"):
            account = _account(sessions, args.account)
            as_of = args.as_of or _now().date()
            if args.command == "report":
                return _report(sessions, account, as_of, args.metric, as_json=args.json)
            if args.command == "compute":
                with sessions.begin() as session:
                    results = compute_snapshot(session=session, account=account, as_of=as_of, computed_at=_now())
                print(f"stored {len(results)} figures for {account.name} as of {as_of}")
                return EXIT_OK
            return _history(sessions, account, as_of, args.metric, args.days)
        raise Usage(f"unknown command {args.command}")
    finally:
        engine.dispose()


def _metric(word: str) -> MetricDef:
    metric = find_metric(word)
    if metric is None:
        close = closest_metrics(word)
        raise Usage(
            f"no metric {word!r}"
            + (f"; did you mean {', '.join(close)}?" if close else "")
            + " (healthbot report lists them all)"
        )
    return metric.part_of and BY_ID[metric.part_of] or metric


def _report(
    sessions: sessionmaker[Session], account: models.Account, as_of: date, word: str | None, *, as_json: bool
) -> int:
    metric = _metric(word) if word else None
    with sessions.begin() as session:
        results = compute_all(session=session, account=account, as_of=as_of)
    chosen = [r for r in results if metric is None or r.id == metric.id]
    if as_json:
        document = {
            "account": account.name,
            "as_of": as_of.isoformat(),
            "metrics": [r.as_json(detail=metric is not None) for r in chosen],
        }
        print(json.dumps(document, indent=2))
        return EXIT_OK
    shown = [r.as_json(detail=True) for r in chosen]
    print(f"{account.name} ({account.marketplace}) as of {as_of}")
    if metric is None:
        for result in render.summary_results(shown):
            print(render.summary_line(result))
        first = render.worst(shown)
        if first is not None:
            print(f"\nFirst: {render.hint(first)}")
        return EXIT_OK
    for result in shown:
        print()
        print("\n".join(render.detail_lines(result)))
    return EXIT_OK


def _settings(sessions: sessionmaker[Session], account: models.Account, key: str | None, value: str | None) -> int:
    if key is not None:
        if value is None:
            raise Usage("give a value (or 'default'): healthbot settings KEY VALUE")
        try:
            updated = change_setting(account.settings, key, value)
        except SettingsError as exc:
            raise Usage(str(exc)) from None
        with sessions.begin() as session:
            save_account_settings(session=session, account_id=account.id, settings=updated)
        account.settings = updated
    effective = MetricSettings.from_json(account.settings)
    print(f"Metric settings of {account.name} (handling time {account.handling_days} business day(s)):")
    for field, current in effective.model_dump().items():
        if field != "targets":
            print(f"  {field} = {current}")
    for metric in HEADLINE:
        target = effective.target(metric.id)
        mark = " (override)" if metric.id in effective.targets else ""
        print(f"  targets.{metric.id} = {'none' if target is None else target}{mark}")
    return EXIT_OK


def _history(sessions: sessionmaker[Session], account: models.Account, as_of: date, word: str, days: int) -> int:
    metric = _metric(word)
    with sessions.begin() as session:
        rows = metric_history(
            session=session, account_id=account.id, metric_id=metric.id, since=as_of - timedelta(days=days), until=as_of
        )
    if not rows:
        print(f"no stored {metric.name} for {account.name} in the {days} days to {as_of}: run `healthbot compute`")
        return EXIT_OK
    last: dict[tuple[str, int | None], str] = {}
    for day, row in rows:
        series = (row.scope, row.window_days)
        shown = render.summary_line(row.result)
        change = ""
        if series in last and last[series] != row.status:
            change = f"  <- status changed: {last[series]} -> {row.status}"
        last[series] = row.status
        print(f"{day}  {shown}{change}")
    return EXIT_OK


def _purge(sessions: sessionmaker[Session], name: str, team_id: str | None, before: date | None, *, yes: bool) -> int:
    with sessions() as session:
        found = accounts_named(session=session, name=name, team_id=team_id)
        if not found:
            where = f" in workspace {team_id}" if team_id else ""
            raise Usage(f"no account named {name!r}{where} (healthbot accounts list shows the command line's)")
        if len(found) > 1:
            teams = ", ".join(team for _, team in found)
            raise Usage(f"accounts named {name!r} are in several workspaces ({teams}): choose one with --workspace")
        account, team = found[0]
        if before is None:
            counts = purge_account(session=session, account_id=account.id)
        else:
            counts = purge_before(session=session, account_id=account.id, before=before)
        # A dry run makes the same deletes and rolls them back: its counts are exactly what --yes deletes.
        if yes:
            session.commit()
        else:
            session.rollback()
    scope = f" dated before {before}" if before else ", the account's own row included"
    total = sum(counts.values())
    print(f"{'deleted' if yes else 'would delete'} {total:,} rows of {name} (workspace {team}){scope}")
    width = max(map(len, counts))
    for table, count in sorted(counts.items()):
        if count:
            print(f"  {table:<{width}}  {count:>9,}")
    if not yes:
        print("nothing was deleted: run again with --yes to delete them")
    return EXIT_OK


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time such as 2026-11-24T08:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _tick(runtime: Runtime, at: datetime) -> int:
    lock = ClockLock(runtime)
    if not lock.acquire():
        print("another clock holds the lock on this database: nothing done")
        return EXIT_OK
    try:
        report = tick(runtime, at)
    except ConfigError as exc:
        raise Usage(str(exc)) from None
    finally:
        lock.release()
    print(report.line())
    return EXIT_OK if not report.errors else EXIT_REJECTED


def _serve(command: str, runtime: Runtime) -> int:
    if command == "shell":
        if sys.stdin.isatty():
            shell.interactive(runtime)
        else:
            shell.run(runtime, sys.stdin, print)
        return EXIT_OK
    try:
        if command == "run":
            run_socket_mode(runtime)
        else:
            run_clock(runtime)
    except ConfigError as exc:
        raise Usage(str(exc)) from None
    except KeyboardInterrupt:
        pass
    return EXIT_OK


def _demo(
    args: argparse.Namespace, settings: Settings, engine: Engine, sessions: sessionmaker[Session], console: Console
) -> int:
    from storage.demo import write_demo_data

    as_of = args.as_of or _now().date()
    account = _account(sessions, None)
    paths = write_demo_data(args.dir, orders=args.orders, seed=args.seed, as_of=as_of, marketplace=account.marketplace)
    print(
        f"Wrote {len(paths)} demo exports for account {account.name!r} (as of {as_of}) into {args.dir}/; ingesting:\n"
    )
    code = _ingest_paths(settings, sessions, account, paths, as_json=False, console=console)
    print()
    _print_stored(sessions, account)
    with sessions.begin() as session:
        compute_snapshot(session=session, account=account, as_of=as_of, computed_at=_now())
    runtime = Runtime(settings=settings, engine=engine, sessions=sessions)
    print("\nWhat the team sees in Slack:\n")
    if sys.stdin.isatty() and sys.stdout.isatty():
        shell.interactive(runtime)
    else:
        shell.run(runtime, ["/health", "/health odr"], print)
        print("\nhealthbot shell answers more (/health help); healthbot report --json gives the figures as JSON.")
    return code


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = Settings()
    try:
        return run(args, settings)
    except BrokenPipeError:
        # The reader went away (`healthbot report --json | head`): no traceback, and none at exit either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (Usage, AccountError) as exc:
        print(f"healthbot: {exc}", file=sys.stderr)
        return EXIT_USAGE
