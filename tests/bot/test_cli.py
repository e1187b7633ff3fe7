"""The `healthbot` command line, as a user runs it (in-process `main`, real database)."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from storage.db import alembic_config
from storage.ingest.formats import TEMPLATES

ORDERS = (
    "amazon-order-id\tpurchase-date\tlast-updated-date\torder-status\tfulfillment-channel\tsku\titem-status\tquantity\n"
    "111-1\t2026-11-01T10:00:00+00:00\t2026-11-01T10:00:00+00:00\tShipped\tMerchant\tS1\tShipped\t1\n"
)


def test_accounts_add_and_list(cli, capsys):
    assert cli("accounts", "add", "acme-de", "--marketplace", "DE", "--handling-days", "2") == 0
    assert "added acme-de (DE, Europe/Berlin, 2 handling day(s))" in capsys.readouterr().out
    assert cli("accounts", "add", "acme-jp", "--marketplace", "jp", "--timezone", "Asia/Tokyo") == 0
    assert cli("accounts", "list") == 0
    listed = capsys.readouterr().out.splitlines()[-2:]
    assert listed == ["acme-de\tDE\tEurope/Berlin\t2 handling day(s)", "acme-jp\tJP\tAsia/Tokyo\t1 handling day(s)"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("accounts", "add", "x", "--marketplace", "ZZ"), "unknown marketplace 'ZZ'"),
        (("demo-data", "out", "--marketplace", "ZZ"), "unknown marketplace 'ZZ'"),
        (("demo-data", "out", "--orders", "0"), "must be at least 1"),
        (("accounts", "add", "x", "--marketplace", "US", "--timezone", "Mars/Olympus"), "unknown time zone"),
    ],
)
def test_mistakes_are_usage_errors(cli, capsys, args, message):
    try:
        code = cli(*args)
    except SystemExit as exit:  # argparse's own usage errors
        code = exit.code
    assert code == 2
    assert message in capsys.readouterr().err


def test_duplicate_account_is_refused(cli, capsys):
    assert cli("accounts", "add", "acme", "--marketplace", "US") == 0
    assert cli("accounts", "add", "acme", "--marketplace", "UK") == 2
    assert "already exists" in capsys.readouterr().err


def test_ingest_without_account_creates_default_then_asks_when_ambiguous(cli, capsys, tmp_path):
    orders = tmp_path / "orders.txt"
    orders.write_text(ORDERS)
    assert cli("ingest", str(orders)) == 0
    assert cli("accounts", "list") == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("default\tUS\tAmerica/Los_Angeles")
    assert cli("accounts", "add", "second", "--marketplace", "UK") == 0
    assert cli("ingest", str(orders)) == 2
    assert "choose one with --account" in capsys.readouterr().err
    assert cli("ingest", str(orders), "--account", "second") == 0
    assert cli("ingest", str(orders), "--account", "nobody") == 2
    assert "no account named 'nobody'" in capsys.readouterr().err


def test_status_shows_what_is_stored(cli, capsys, tmp_path):
    orders = tmp_path / "orders.txt"
    orders.write_text(ORDERS)
    cli("ingest", str(orders))
    capsys.readouterr()
    assert cli("status") == 0
    out = capsys.readouterr().out
    assert re.search(r"order_items +1  2026-11-01 to 2026-11-01", out)
    assert "ingested  All Orders report" in out


def test_templates_writes_every_template_header(cli, capsys, tmp_path):
    assert cli("templates", str(tmp_path / "t")) == 0
    written = sorted(p.name for p in (tmp_path / "t").iterdir())
    assert written == sorted(
        [
            "buyer-messages.csv",
            "cancellations.csv",
            "chargebacks.csv",
            "claims.csv",
            "cs-survey.csv",
            "policy-violations.csv",
            "return-requests.csv",
            "shipments.csv",
        ]
    )
    with (tmp_path / "t" / "claims.csv").open() as handle:
        assert next(csv.reader(handle)) == ["order-id", "claim-date", "status", "reason", "amount", "funded-by"]
    assert len(TEMPLATES) == len(written)


def test_an_empty_template_is_a_valid_upload(cli, capsys, tmp_path):
    cli("templates", str(tmp_path / "t"))
    capsys.readouterr()
    assert cli("ingest", *[str(p) for p in sorted((tmp_path / "t").iterdir())]) == 0
    out = capsys.readouterr().out
    assert out.count("0 rows read") == len(TEMPLATES)


def test_db_upgrade_reports_the_revision(cli, capsys):
    assert cli("db", "upgrade") == 0
    newest = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert f"schema at revision {newest}" in capsys.readouterr().out


def demo_exports(cli: Callable[..., int], tmp_path: Path) -> None:
    assert cli("demo-data", str(tmp_path / "exports"), "--orders", "600", "--as-of", "2026-11-24") == 0
    assert cli("ingest", *sorted(str(p) for p in (tmp_path / "exports").iterdir())) == 0


def test_report_json_is_the_spec_object(cli, capsys, tmp_path):
    demo_exports(cli, tmp_path)
    capsys.readouterr()
    assert cli("report", "--json", "--as-of", "2026-11-24") == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["account"], document["as_of"]) == ("default", "2026-11-24")
    odr = next(m for m in document["metrics"] if (m["id"], m["scope"]) == ("odr", "mfn"))
    assert set(odr) >= {
        "id",
        "scope",
        "name",
        "value",
        "numerator",
        "denominator",
        "window",
        "target",
        "condition",
        "status",
        "low_volume",
        "basis",
        "basis_note",
        "components",
        "budget",
    }
    assert odr["window"] == {"start": "2026-09-11", "end": "2026-11-09"}
    # The demo's Account Health report is fresh: Amazon's figure is the headline, healthbot's beside it.
    assert odr["basis"] == "amazon"
    computed = odr["computed"]
    assert computed["value"] == computed["numerator"] / computed["denominator"]
    assert abs(odr["value"] - computed["value"]) < 0.0001  # the demo's report counts the same orders


def test_report_one_metric_in_detail_and_unknown_words(cli, capsys, tmp_path):
    demo_exports(cli, tmp_path)
    capsys.readouterr()
    assert cli("report", "odr", "--as-of", "2026-11-24") == 0
    out = capsys.readouterr().out
    assert "Order Defect Rate (MFN)" in out and "Window: 2026-09-11 to 2026-11-09" in out
    assert "Negative Feedback Rate:" in out and "Top causes:" in out
    # Amazon's own figure reads as a figure, not as the record it came in.
    assert re.search(r"^Amazon's figure: \d+\.\d\d% \(\d+ of \d+\), reported through \d+ \w{3}$", out, re.M)
    assert "{'" not in out
    assert cli("report", "odrr") == 2
    assert "did you mean odr" in capsys.readouterr().err


def test_compute_stores_the_day_once_and_history_shows_it(cli, capsys, tmp_path):
    demo_exports(cli, tmp_path)
    for day in ("2026-11-22", "2026-11-23", "2026-11-24", "2026-11-24"):
        assert cli("compute", "--as-of", day) == 0
    capsys.readouterr()
    assert cli("history", "odr", "--as-of", "2026-11-24", "--days", "5") == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if "Order Defect Rate (MFN)" in line]
    assert [line[:10] for line in lines] == ["2026-11-22", "2026-11-23", "2026-11-24"]  # computing twice stored once


def test_settings_change_targets_and_choices(cli, capsys):
    assert cli("settings", "targets.odr", "0.9%") == 0
    assert "targets.odr = 0.009 (override)" in capsys.readouterr().out
    assert cli("settings", "claims_rule", "all") == 0
    assert "claims_rule = all" in capsys.readouterr().out
    assert cli("settings", "targets.odr", "default") == 0
    assert "targets.odr = 0.01\n" in capsys.readouterr().out
    for key, value, message in (
        ("claims_rule", "some", "'counting' or 'all'"),
        ("targets.nope", "1", "no metric"),
        ("warn_fraction", "2", "less than or equal to 1"),
        ("colour", "red", "no setting"),
    ):
        assert cli("settings", key, value) == 2
        assert message in capsys.readouterr().err
