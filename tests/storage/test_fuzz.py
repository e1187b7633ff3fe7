"""Fuzzing every parser with mutated real-shaped exports (reports.md 1: a rejected file changes nothing).

The property, through the real `ingest_one` and a real database: every mutant is either ingested, and
every stored row still fits its column, or refused with an `IngestError` that says what is wrong and
what to do, leaving every stored row as it was. Any other exception is a crash.

This is the bounded pass CI runs on both databases: a fixed number of examples per kind, derandomized
so that every run tries the same inputs. `python -m benchmarks.fuzz` runs the same property for longer.
"""

from __future__ import annotations

import shutil
import struct
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import MetaData, text

from storage.db import create_db_engine, make_sessions
from storage.queries import add_account, local_workspace
from tests.storage.mutations import KINDS, NOW, FuzzTarget, Mutant, mutants, seeds, zip_bytes

# About 25 examples per kind keeps the whole module near 15 s on SQLite (CI runs it on both databases).
EXAMPLES_PER_KIND = 25

# The crashes this fuzzing found (damaged zips, whole numbers past 32 bits, instants at the calendar's
# ends) are fixed; each keeps its minimal reproduction below, so that it cannot come back unseen.


@pytest.fixture(scope="module")
def target(_template_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzTarget]:
    """One database for the module, seeded with a clean export of every kind.

    Function-scoped databases would rebuild per test, not per example: Hypothesis runs all examples of
    a test inside one fixture instance, so the state is shared either way, and `check` restores the
    clean rows after each mutant that is ingested.
    """
    directory = tmp_path_factory.mktemp("fuzz")
    if "://" in _template_db:
        url = _template_db
        engine = create_db_engine(url)
        metadata = MetaData()
        metadata.reflect(engine)
        names = ", ".join(f'"{t}"' for t in metadata.tables if t != "alembic_version")
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        path = directory / "healthbot.db"
        shutil.copy(_template_db, path)
        engine = create_db_engine(f"sqlite:///{path}")
    sessions = make_sessions(engine)
    with sessions.begin() as session:
        workspace = local_workspace(session=session, now=NOW)
        account = add_account(session=session, workspace_id=workspace.id, name="fuzz-us", marketplace="US", now=NOW)
    fuzz = FuzzTarget(engine=engine, sessions=sessions, account=account, directory=directory)
    fuzz.seed()
    yield fuzz
    engine.dispose()


def test_every_kind_has_a_real_seed() -> None:
    assert set(seeds()) == set(KINDS)
    assert all(seed.data for seed in seeds().values())


@pytest.mark.parametrize("kind", KINDS)
@settings(
    max_examples=EXAMPLES_PER_KIND,
    deadline=None,
    derandomize=True,
    database=None,
    # The module-scoped database is deliberate (see `target`); `clean_environ` is function-scoped but
    # only empties the environment, which no example touches. Mutants with 1 MB fields are slow to make.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_mutated_export_is_ingested_or_cleanly_rejected(kind: str, target: FuzzTarget, data: st.DataObject) -> None:
    mutant = data.draw(mutants(kind), label="mutant")
    outcome = target.check(mutant)
    assert outcome.ok, f"{outcome.status}: {mutant.describe()}\n{outcome.detail}"


# --- the crashes found (now fixed), reduced to their smallest input -------------------------------------------------


def claims_zip() -> bytearray:
    """The clean claims template, zipped: the reproductions damage one field of its directory."""
    return bytearray(zip_bytes({"claims.csv": seeds()["claims"].data}))


def assert_clean(target: FuzzTarget, name: str, data: bytes) -> None:
    outcome = target.check(Mutant(kind="claims", name=name, data=data, steps=("reproduction",)))
    assert outcome.ok, f"{outcome.status} {outcome.crash_key}: {outcome.detail.splitlines()[-1:]}"


def test_zip_with_a_wrong_member_offset(target: FuzzTarget) -> None:
    data = claims_zip()
    central = data.rindex(b"PK\x01\x02")
    data[central + 42 : central + 46] = struct.pack("<I", 1)  # the member's local header offset
    assert_clean(target, "claims.csv.zip", bytes(data))


def test_zip_with_a_wrong_crc(target: FuzzTarget) -> None:
    data = claims_zip()
    central = data.rindex(b"PK\x01\x02")
    data[central + 16] ^= 0xFF  # the member's CRC-32, as the central directory records it
    assert_clean(target, "claims.csv.zip", bytes(data))


def test_zip_with_a_central_directory_offset_past_its_start(target: FuzzTarget) -> None:
    data = claims_zip()
    end = data.rindex(b"PK\x05\x06")
    (offset,) = struct.unpack("<I", data[end + 16 : end + 20])
    data[end + 16 : end + 20] = struct.pack("<I", offset + 100)  # zipfile then seeks to a negative offset
    assert_clean(target, "claims.csv.zip", bytes(data))


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+01:00", "9999-12-31 23:59"])
def test_timestamp_at_the_end_of_the_calendar(target: FuzzTarget, value: str) -> None:
    # The second has no offset: read in the US account's time zone (UTC-8), it is past year 9999 in UTC.
    data = f"order-id,claim-date,status\n112-7343260-2633929,{value},denied\n".encode()
    assert_clean(target, "claims.csv", data)


def test_whole_number_past_64_bits(target: FuzzTarget) -> None:
    header = "order-id,ship-confirmed-at,tracking-number,units"
    data = f"{header}\n112-7343260-2633929,2026-11-20T10:00:00-08:00,1Z999,9223372036854775808\n".encode()
    assert_clean(target, "shipments.csv", data)
