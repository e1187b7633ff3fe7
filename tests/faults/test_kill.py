"""A process killed (SIGKILL) in the middle of ingesting a large file: the file is all there or not at all.

The ingestion runs as a real `python -m bot ingest` subprocess against the test database, and is killed
once it reports rows read, that is once chunks of the file have been written inside its open transaction.
SQLite (WAL journal) and PostgreSQL must both roll the half-written file back: SQLite ignores the WAL
frames no commit sealed, PostgreSQL aborts the transaction of a backend whose client vanished.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from storage import models
from storage.demo.generate import write_demo_data

# 32,000 demo orders give about 40,000 All Orders lines, eight chunks of the default 5,000 rows. Their
# product names are lengthened (listings with long titles) to make the file large in bytes (about 100 MB):
# the open transaction then outgrows SQLite's 64 MB page cache and spills uncommitted pages into the WAL
# before the kill, which is the case where SQLite's recovery has something to undo.
ORDERS = 32_000
LONG_TITLE = " (" + "with a long listing title " * 90 + ")"
KILL_AFTER_ROWS = 10_000
WAL_SPILLED = 1 << 20  # bytes of uncommitted WAL frames that prove the spill happened
DEADLINE = 90.0  # seconds for anything the subprocess should do long before; a hang fails, never blocks CI

ROWS_READ = re.compile(rb"([\d,]+) rows read")


@pytest.fixture(scope="session")
def large_all_orders(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A large All Orders export, generated once per test session."""
    directory = tmp_path_factory.mktemp("large")
    paths = write_demo_data(directory / "demo", orders=ORDERS, seed=17, as_of=date(2026, 11, 24))
    demo = next(p for p in paths if p.name == "all-orders.txt")
    large = directory / "all-orders-long-titles.txt"
    with demo.open(encoding="utf-8", newline="") as source, large.open("w", encoding="utf-8", newline="") as out:
        header = source.readline()
        out.write(header)
        title = header.rstrip("\n").split("\t").index("product-name")
        for line in source:
            fields = line.rstrip("\n").split("\t")
            fields[title] += LONG_TITLE
            out.write("\t".join(fields) + "\n")
    return large


def _data_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip()) - 1  # the header


class Ingestion:
    """`python -m bot ingest FILE --account NAME` as a child process, its progress read from stderr.

    rich draws the CLI's progress ("N rows read", updated after each chunk is written) only for a terminal;
    TTY_COMPATIBLE=1 makes it draw into our pipe, which is how the test knows a chunk is in the transaction.
    """

    def __init__(self, database_url: str, path: Path, account: str, cwd: Path, *, as_json: bool = False) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HEALTHBOT_", "DATABASE_URL"))}
        env.update(DATABASE_URL=database_url, TTY_COMPATIBLE="1", PYTHONUNBUFFERED="1")
        # cwd: a scratch directory, so a developer's `.env` cannot point the child at another database.
        self.process = subprocess.Popen(
            # --json prints the counts but hides the progress: the run to kill goes without it.
            [sys.executable, "-m", "bot", "ingest", str(path), "--account", account, *(["--json"] if as_json else [])],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._stderr = bytearray()
        self._lock = threading.Lock()
        assert self.process.stderr is not None
        self._reader = threading.Thread(target=self._read, args=(self.process.stderr.fileno(),), daemon=True)
        self._reader.start()

    def _read(self, fd: int) -> None:
        # os.read, not readline: rich rewrites one line with carriage returns and no newline.
        while chunk := os.read(fd, 65536):
            with self._lock:
                self._stderr.extend(chunk)

    def rows_read(self) -> int:
        with self._lock:
            found = ROWS_READ.findall(bytes(self._stderr))
        return max((int(n.replace(b",", b"")) for n in found), default=0)

    def wait_until(self, condition: Callable[[], bool], what: str) -> int:
        """Poll until `condition` holds while the process still runs; returns the rows read by then."""
        deadline = time.monotonic() + DEADLINE
        while not condition():
            if self.process.poll() is not None:
                raise AssertionError(f"the ingestion ended (exit {self.process.returncode}) before {what}")
            if time.monotonic() > deadline:
                raise AssertionError(f"not {what} within {DEADLINE} s ({self.rows_read()} rows read)")
            time.sleep(0.01)
        return self.rows_read()

    def kill(self) -> int:
        self.process.send_signal(signal.SIGKILL)
        return self.finish()

    def finish(self) -> int:
        """Wait for the exit; returns the exit code (negative: the signal that ended it)."""
        code = self.process.wait(timeout=DEADLINE)
        self._reader.join(timeout=5)
        return code

    def output(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.read().decode()

    def stderr(self) -> str:
        with self._lock:
            return self._stderr.decode("utf-8", "replace")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def ingestions() -> Iterator[list[Ingestion]]:
    started: list[Ingestion] = []
    yield started
    for ingestion in started:
        ingestion.close()


def _stored(engine: Engine, account_id: int) -> tuple[int, list[tuple[str, int, int, int, int]]]:
    """Order items stored for the account, and its uploads as (status, read, new, updated, unchanged)."""
    with engine.connect() as connection:
        items = connection.scalar(
            select(func.count()).select_from(models.OrderItem).where(models.OrderItem.account_id == account_id)
        )
        uploads = connection.execute(
            select(
                models.Upload.status,
                models.Upload.rows_read,
                models.Upload.rows_new,
                models.Upload.rows_updated,
                models.Upload.rows_unchanged,
            ).where(models.Upload.account_id == account_id)
        ).all()
    return int(items or 0), [tuple(u) for u in uploads]  # type: ignore[misc]


def test_an_ingestion_killed_mid_file_leaves_nothing_and_the_file_ingests_again_whole(
    database_url: str,
    engine: Engine,
    account: models.Account,
    large_all_orders: Path,
    ingestions: list[Ingestion],
    tmp_path: Path,
) -> None:
    lines = _data_lines(large_all_orders)
    wal = Path(f"{engine.url.database}-wal") if engine.dialect.name == "sqlite" else None
    wal_before = wal.stat().st_size if wal is not None and wal.exists() else 0
    first = Ingestion(database_url, large_all_orders, account.name, tmp_path)
    ingestions.append(first)
    seen = first.wait_until(lambda: first.rows_read() >= KILL_AFTER_ROWS, f"{KILL_AFTER_ROWS} rows read")
    if wal is not None:
        seen = first.wait_until(
            lambda: wal.exists() and wal.stat().st_size >= wal_before + WAL_SPILLED, "uncommitted frames in the WAL"
        )
    assert seen < lines, "the file is too small: it was read whole before the kill"
    code = first.kill()
    assert code == -signal.SIGKILL, f"ended by itself (exit {code}) rather than by the kill"

    # All or nothing: not one of the chunks written before the kill, and no upload recorded.
    assert _stored(engine, account.id) == (0, [])
    if engine.dialect.name == "sqlite":
        # The killed writer left its WAL behind; opening the file again must find it consistent.
        with engine.connect() as connection:
            assert connection.scalar(text("PRAGMA integrity_check")) == "ok"

    second = Ingestion(database_url, large_all_orders, account.name, tmp_path, as_json=True)
    ingestions.append(second)
    assert second.finish() == 0, second.stderr()
    [result] = json.loads(second.output())
    assert result["status"] == "ingested"
    # What a clean ingestion into an empty store gives: every line new, none found there already.
    assert result["rows"] == {"read": lines, "new": lines, "updated": 0, "unchanged": 0, "skipped": 0}
    assert _stored(engine, account.id) == (lines, [("ingested", lines, lines, 0, 0)])
