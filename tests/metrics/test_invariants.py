"""Invariants every metric keeps, whatever the data (Hypothesis generates the exports).

Each example writes real export files, ingests them through the ingestion pipeline in two different
orders into two accounts, and compares what the metrics say.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from random import Random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from metrics.engine import compute_all
from metrics.snapshots import snapshot_rows
from storage import models
from storage.queries import add_account, local_workspace
from tests.conftest import ingest_ok

AS_OF = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
EXAMPLES = itertools.count()  # the database outlives Hypothesis's examples: each gets its own accounts
ORDERS_HEADER = (
    "amazon-order-id\tpurchase-date\tlast-updated-date\torder-status\tfulfillment-channel\tsku\titem-status\tquantity"
)


@dataclass(frozen=True)
class Order:
    days_ago: int
    channel: str
    cancelled: bool
    items: int
    feedback: tuple[int, int] | None  # (days after the order, rating)
    claim: tuple[int, str] | None  # (days after the order, status)
    chargeback: tuple[int, str] | None  # (days after the order, type)


orders_strategy = st.lists(
    st.builds(
        Order,
        days_ago=st.integers(1, 110),
        channel=st.sampled_from(["Merchant", "Amazon"]),
        cancelled=st.booleans(),
        items=st.integers(1, 2),
        feedback=st.none() | st.tuples(st.integers(0, 40), st.integers(1, 3)),
        claim=st.none() | st.tuples(st.integers(0, 40), st.sampled_from(["open", "granted", "denied", "withdrawn"])),
        chargeback=st.none() | st.tuples(st.integers(0, 40), st.sampled_from(["service", "fraud"])),
    ),
    min_size=1,
    max_size=40,
)


def write_exports(directory: Path, orders: list[Order]) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    lines = [ORDERS_HEADER]
    feedback = ["Date\tRating\tComments\tYour Response\tOrder ID\tRater Email"]
    claims = ["order-id,claim-date,status"]
    chargebacks = ["order-id,chargeback-date,type"]
    for index, order in enumerate(orders):
        order_id = f"111-{index:07d}"
        placed = datetime.combine(AS_OF - timedelta(days=order.days_ago), datetime.min.time(), tzinfo=UTC)
        status = "Cancelled" if order.cancelled else "Shipped"
        for item in range(order.items):
            lines.append(
                f"{order_id}\t{placed.isoformat()}\t{placed.isoformat()}\t{status}\t{order.channel}\t"
                f"SKU-{item}\t{status}\t{0 if order.cancelled else 1}"
            )
        if order.feedback:
            when = placed.date() + timedelta(days=order.feedback[0])
            feedback.append(f"{when:%m/%d/%y}\t{order.feedback[1]}\tfine\t\t{order_id}\tx@example.com")
        if order.claim:
            claims.append(f"{order_id},{(placed + timedelta(days=order.claim[0])).isoformat()},{order.claim[1]}")
        if order.chargeback:
            at = (placed + timedelta(days=order.chargeback[0])).isoformat()
            chargebacks.append(f"{order_id},{at},{order.chargeback[1]}")
    paths = []
    for name, content in (
        ("orders.txt", lines),
        ("feedback.txt", feedback),
        ("claims.csv", claims),
        ("chargebacks.csv", chargebacks),
    ):
        path = directory / name
        path.write_text("\n".join(content) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def figures(sessions: sessionmaker[Session], account: models.Account) -> list[dict[str, Any]]:
    with sessions.begin() as session:
        return [row.result for row in snapshot_rows(compute_all(session=session, account=account, as_of=AS_OF))]


def new_account(sessions: sessionmaker[Session], name: str) -> models.Account:
    with sessions.begin() as session:
        workspace = local_workspace(session=session, now=NOW)
        return add_account(session=session, workspace_id=workspace.id, name=name, marketplace="US", now=NOW)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(orders=orders_strategy, order_seed=st.randoms(use_true_random=False))
def test_invariants_hold_for_any_exports(
    tmp_path_factory: pytest.TempPathFactory, sessions: sessionmaker[Session], orders: list[Order], order_seed: Random
) -> None:
    directory = tmp_path_factory.mktemp("exports")
    paths = write_exports(directory, orders)
    example = next(EXAMPLES)
    first, second = new_account(sessions, f"a-{example}"), new_account(sessions, f"b-{example}")
    shuffled = list(paths)
    order_seed.shuffle(shuffled)
    for account, sequence in ((first, paths), (second, shuffled)):
        for path in sequence:
            ingest_ok(sessions, account, path)

    results = figures(sessions, first)
    for result in results:
        numerator, denominator = result["numerator"], result["denominator"]
        if numerator is not None and denominator is not None:
            assert 0 <= numerator <= denominator, result
            assert result["value"] == numerator / denominator
        if result["id"] == "odr" and numerator is not None:
            parts = [c["numerator"] for c in result["components"].values()]
            assert max(parts) <= numerator <= sum(parts), result  # one order counts once
        if result["status"] == "no_data":
            assert result["value"] is None and result["basis_note"]
    # Computing twice gives the same snapshot; the ingestion order changes nothing.
    assert json.dumps(figures(sessions, first), sort_keys=True) == json.dumps(results, sort_keys=True)
    assert json.dumps(figures(sessions, second), sort_keys=True) == json.dumps(results, sort_keys=True)
