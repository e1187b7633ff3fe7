"""Purging an account: everything of it goes, nothing of another account does (storage/purge.py, `healthbot purge`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import ColumnElement, Date, FromClause, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from metrics.snapshots import compute_snapshot
from storage import models, outbox
from storage.alerts import mark_message, save_state, set_preference
from storage.demo.generate import write_demo_data
from storage.inbox import claim_file, finish_file
from storage.purge import DATED, DERIVED, UNDATED, purge_account, purge_before
from storage.queries import add_account
from storage.team import bind_channel, set_digest, set_owner
from tests.conftest import NOW, ingest_ok

TODAY = NOW.date()
CUTOFF = TODAY - timedelta(days=30)
ACCOUNT_TABLES = {t for t in models.Base.metadata.sorted_tables if "account_id" in t.c and t.name != "accounts"}


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[int, list[Path]]:
    return {
        seed: write_demo_data(tmp_path_factory.mktemp(f"demo{seed}"), orders=300, seed=seed, as_of=TODAY)
        for seed in (3, 4)
    }


def _fill(sessions: sessionmaker[Session], account: models.Account, paths: list[Path], n: int) -> None:
    """The account's exports ingested, and a row in every table the team's use of Slack fills."""
    uploads = []
    for path in paths:
        uploads.append(ingest_ok(sessions, account, path, source="slack").upload_id)
    channel, owner, message_id = f"C{n}", f"U{n}", f"msg-{n}"
    old = NOW - timedelta(days=60)
    with sessions.begin() as session:
        # The first file came long ago: a dated purge takes its upload record (and its Slack file claim).
        session.execute(update(models.Upload).where(models.Upload.id == uploads[0]).values(received_at=old))
        compute_snapshot(session=session, account=account, as_of=TODAY, computed_at=NOW)
        compute_snapshot(session=session, account=account, as_of=CUTOFF - timedelta(days=1), computed_at=NOW)
        ws = account.workspace_id
        bind_channel(
            session=session, workspace_id=ws, channel_id=channel, account_id=account.id, user_id=owner, now=NOW
        )
        set_owner(session=session, account_id=account.id, metric_id="odr", user_id=owner, set_by=owner, now=NOW)
        set_digest(
            session=session,
            workspace_id=ws,
            channel_id=channel,
            account_id=account.id,
            at="08:00",
            timezone="UTC",
            set_by=owner,
            now=NOW,
        )
        save_state(
            session=session, account_id=account.id, key=("odr", "mfn", 0), state="ok", since=TODAY, notified_on=None
        )
        set_preference(session=session, account_id=account.id, metric_id="odr", by=owner, now=NOW, muted=True)
        mark_message(session=session, account_id=account.id, message_id=message_id, replied=True, by=owner, now=old)
        mark_message(
            session=session, account_id=account.id, message_id=message_id + "b", replied=True, by=owner, now=NOW
        )
        for when in (old, NOW):
            day = when.date().isoformat()
            reply = {"text": f"digest of {account.name}"}
            outbox.claim(
                session=session, kind="digest", workspace_id=ws, target=channel, period=day, payload=reply, now=when
            )
            outbox.claim(
                session=session,
                kind="reminder",
                workspace_id=ws,
                target=owner,
                period=f"{account.id}:{message_id}:{day}",
                payload=reply,
                now=when,
            )
        # The demo writes neither of these exports: one row each, dated either side of the cutoff.
        session.add_all(
            [
                models.CsSurveyAnswer(
                    account_id=account.id,
                    amazon_order_id=f"o-{n}",
                    answered_at=old,
                    solved=True,
                    row_hash="h",
                    upload_id=0,
                ),
                models.UnshippedItem(
                    account_id=account.id,
                    order_item_id=f"i-{n}",
                    amazon_order_id=f"o-{n}",
                    purchase_at=NOW,
                    seen_upload_id=0,
                    row_hash="h",
                    upload_id=0,
                ),
            ]
        )
        claim_file(session=session, team_id="local", file_id=f"F{n}", channel_id=channel, now=NOW)
        finish_file(session=session, team_id="local", file_id=f"F{n}", status="ingested", upload_id=uploads[0], now=NOW)


@pytest.fixture
def two(
    sessions: sessionmaker[Session], account: models.Account, exports: dict[int, list[Path]]
) -> tuple[models.Account, models.Account]:
    with sessions.begin() as session:
        other = add_account(
            session=session, workspace_id=account.workspace_id, name="beta-us", marketplace="US", now=NOW
        )
    _fill(sessions, account, exports[3], 1)
    _fill(sessions, other, exports[4], 2)
    return account, other


def _count(session: Session, table: FromClause, where: ColumnElement[bool]) -> int:
    return session.scalar(select(func.count()).select_from(table).where(where)) or 0


def _of(model: type[models.Base], account_id: int) -> ColumnElement[bool]:
    owned: ColumnElement[bool] = model.__table__.c.account_id == account_id
    return owned


def holdings(session: Session, account_id: int) -> dict[str, int]:
    """Rows of the account in every table that can hold them, found independently of storage.purge."""
    counts = {t.name: _count(session, t, t.c.account_id == account_id) for t in ACCOUNT_TABLES}
    snapshots = select(models.AccountHealthSnapshot.id).where(models.AccountHealthSnapshot.account_id == account_id)
    figures = models.AccountHealthFigure.__table__
    counts["account_health_figures"] = _count(session, figures, figures.c.snapshot_id.in_(snapshots))
    uploads = select(models.Upload.id).where(models.Upload.account_id == account_id)
    shared = models.SharedFile.__table__
    counts["shared_files"] = _count(session, shared, shared.c.upload_id.in_(uploads))
    account = session.get(models.Account, account_id)
    counts["accounts"] = int(account is not None)
    # What the clock sent about the account, told apart by the text _fill gave it.
    sent = session.scalars(select(models.OutboundMessage)).all()
    counts["outbound_messages"] = sum(1 for m in sent if account and m.payload["text"] == f"digest of {account.name}")
    return counts


def test_every_table_with_account_rows_is_known_to_purge() -> None:
    # A new table holding account rows must say how it is purged (and dated), or this fails.
    assert {m.__tablename__ for m in (*DATED, *UNDATED, *DERIVED)} == {t.name for t in ACCOUNT_TABLES}


def test_purge_account_deletes_all_of_it_and_nothing_of_another(
    sessions: sessionmaker[Session], two: tuple[models.Account, models.Account]
) -> None:
    acme, other = two
    with sessions.begin() as session:
        before = holdings(session, acme.id)
        others = holdings(session, other.id)
    assert all(before.values()), {t: n for t, n in before.items() if not n}  # every table had some
    with sessions.begin() as session:
        counts = purge_account(session=session, account_id=acme.id)
    assert counts == before
    with sessions.begin() as session:
        assert set(holdings(session, acme.id).values()) == {0}
        assert holdings(session, other.id) == others
        assert session.get(models.Workspace, acme.workspace_id) is not None  # the workspace is the team's


def test_purge_before_keeps_newer_rows_and_settings(
    sessions: sessionmaker[Session], two: tuple[models.Account, models.Account]
) -> None:
    acme, other = two

    def split(session: Session, account_id: int) -> dict[str, tuple[int, int]]:
        """Per dated table: (rows dated before the cutoff, the others)."""
        out = {}
        for model, column in DATED.items():
            cutoff = CUTOFF if isinstance(column.type, Date) else datetime.combine(CUTOFF, time(), tzinfo=UTC)
            table = model.__table__
            old = _count(session, table, _of(model, account_id) & (column < cutoff))
            out[model.__tablename__] = (old, _count(session, table, _of(model, account_id)) - old)
        return out

    with sessions.begin() as session:
        before = split(session, acme.id)
        settings = {m.__tablename__: _count(session, m.__table__, _of(m, acme.id)) for m in UNDATED}
        others = holdings(session, other.id)
    # The demo spans 120 days: old and new rows both exist where it matters.
    for table in ("order_items", "feedback", "metric_snapshots", "message_marks", "uploads"):
        assert all(before[table]), (table, before[table])
    with sessions.begin() as session:
        counts = purge_before(session=session, account_id=acme.id, before=CUTOFF)
    assert counts["outbound_messages"] == 2  # the old digest and reminder
    assert counts["shared_files"] == 1  # its upload was received before the cutoff
    with sessions.begin() as session:
        after = split(session, acme.id)
        assert {t: old for t, (old, _) in after.items()} == dict.fromkeys(after, 0)
        assert {t: new for t, (_, new) in after.items()} == {t: new for t, (_, new) in before.items()}
        assert {t: counts[t] for t in before} == {t: old for t, (old, _) in before.items()}
        assert {m.__tablename__: _count(session, m.__table__, _of(m, acme.id)) for m in UNDATED} == settings
        assert session.get(models.Account, acme.id) is not None
        assert holdings(session, other.id) == others


def test_cli_dry_run_deletes_nothing_and_yes_deletes(
    cli: Callable[..., int],
    capsys: pytest.CaptureFixture[str],
    sessions: sessionmaker[Session],
    two: tuple[models.Account, models.Account],
) -> None:
    acme, _ = two
    with sessions.begin() as session:
        before = holdings(session, acme.id)
    assert cli("purge", "--account", "acme-us") == 0
    out = capsys.readouterr().out
    assert f"would delete {sum(before.values()):,} rows of acme-us" in out
    assert "nothing was deleted" in out and "order_items" in out
    assert cli("purge", "--account", "acme-us", "--before", CUTOFF.isoformat()) == 0
    assert "would delete" in capsys.readouterr().out
    with sessions.begin() as session:
        assert holdings(session, acme.id) == before

    assert cli("purge", "--account", "acme-us", "--yes") == 0
    assert f"deleted {sum(before.values()):,} rows of acme-us" in capsys.readouterr().out
    with sessions.begin() as session:
        assert set(holdings(session, acme.id).values()) == {0}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--account", "nobody"), "no account named 'nobody'"),
        (("--account", "acme-us", "--workspace", "T0NONE"), "no account named 'acme-us' in workspace T0NONE"),
        (("--account", "acme-us", "--before", "2026-13-01"), "not a date"),
    ],
)
def test_cli_unknown_account_is_a_usage_error(
    cli: Callable[..., int],
    capsys: pytest.CaptureFixture[str],
    account: models.Account,
    args: tuple[str, ...],
    message: str,
) -> None:
    try:
        code = cli("purge", *args)
    except SystemExit as exit:  # argparse's own usage errors
        code = int(exit.code or 0)
    assert code == 2
    assert message in capsys.readouterr().err
